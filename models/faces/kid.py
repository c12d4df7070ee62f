"""Kernel Inception Distance, without Inception: a fixed random-weights feature network.

KID (Bińkowski et al. 2018) is the unbiased squared MMD between the features of real and
generated images under the cubic polynomial kernel, reported as mean ± std over random subsets.
The app ships no pretrained network and reaches no model hub, so the features come from a small
convolutional network whose weights are drawn once from a fixed numpy seed (the same network
in every run, on every machine, whatever the torch version) and never trained.

Why that is fair: the network is independent of both players. Features of the discriminator are
not: it is trained against this very generator, so its features move every step and the
generator is optimised to make exactly them look real. Random convolutional features still
respond to colour, layout and local texture (the things a 32-px face is made of), so a
generator that draws one face, the wrong colours or noise scores far from the data
(``tests/faces``). Features are standardised with the real set's own mean and spread, the
same affine map for both sets, so no feature dominates the kernel by scale alone.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

FEATURE_SEED = 20181201
#: (input channels, output channels, stride) of the 3×3 convolutions; features pool the last three
LAYERS = ((3, 16, 1), (16, 32, 2), (32, 64, 2), (64, 128, 2))
INPUT_SIZE = 32
SUBSETS = 50
SUBSET_SIZE = 100


class FeatureNet:
    """Images → 224 features (mean-pooled activations of the last three layers); fixed weights, CPU."""

    def __init__(self, seed: int = FEATURE_SEED) -> None:
        rng = np.random.default_rng(seed)
        self.weights = [torch.from_numpy(rng.standard_normal((cout, cin, 3, 3)) * np.sqrt(2.0 / (cin * 9))).float()
                        for cin, cout, _ in LAYERS]
        self.strides = [stride for _, _, stride in LAYERS]

    @torch.inference_mode()
    def __call__(self, images: np.ndarray) -> np.ndarray:
        """uint8 [n, h, w, 3] → float64 [n, features], in chunks."""
        out = []
        for start in range(0, len(images), 128):
            x = torch.from_numpy(np.ascontiguousarray(images[start:start + 128])).permute(0, 3, 1, 2).float()
            x = x / 127.5 - 1.0
            if x.shape[-1] != INPUT_SIZE:
                x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="area")
            pooled = []
            for i, (weight, stride) in enumerate(zip(self.weights, self.strides)):
                x = F.relu(F.conv2d(x, weight, stride=stride, padding=1))
                if i >= 1:
                    pooled.append(x.mean(dim=(2, 3)))
            out.append(torch.cat(pooled, dim=1).double().numpy())
        return np.concatenate(out)


_NET: list[FeatureNet] = []


def features(images: np.ndarray) -> np.ndarray:
    """The fixed network's features (the network is built once per process)."""
    if not _NET:
        _NET.append(FeatureNet())
    return _NET[0](images)


def _mmd2(x: np.ndarray, y: np.ndarray) -> float:
    d = x.shape[1]
    kxx, kyy, kxy = ((a @ b.T / d + 1.0) ** 3 for a, b in ((x, x), (y, y), (x, y)))
    m = len(x)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                 - 2.0 * kxy.mean())


def kid_from_features(real: np.ndarray, fake: np.ndarray, subsets: int = SUBSETS, subset_size: int = SUBSET_SIZE,
                      seed: int = 0) -> tuple[float, float]:
    """(mean, std) of the unbiased MMD² over ``subsets`` fixed random subsets of both sets."""
    if min(len(real), len(fake)) < 2:
        raise ValueError("KID needs at least two images in each set")
    mean, std = real.mean(axis=0), real.std(axis=0) + 1e-8
    real, fake = (real - mean) / std, (fake - mean) / std
    m = max(2, min(subset_size, len(real) // 2, len(fake) // 2))  # subsets smaller than the sets, so they differ
    rng = np.random.default_rng(seed)
    values = [_mmd2(real[rng.choice(len(real), m, replace=False)], fake[rng.choice(len(fake), m, replace=False)])
              for _ in range(subsets)]
    return float(np.mean(values)), float(np.std(values))


def kid(real: np.ndarray, fake: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """KID (mean, std) between two uint8 [n, h, w, 3] image sets; lower is closer."""
    return kid_from_features(features(real), features(fake), seed=seed)
