"""What each epoch is judged by: quality on fixed seeds, patches and directions, and the collapse watch.

Every figure is drawn from the same generated seeds, the same real images, the same SWD patches
and directions and the same KID subsets at every epoch, so the curves move only when the model
does (drawn afresh each epoch, SWD jumped by half its value between epochs of one model).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.faces import kid, quality

#: the seed of SWD's patches and directions and of KID's subsets, the same every epoch
QUALITY_SEED = 0
#: images whose variety is compared per epoch (generated against real)
VARIETY_IMAGES = 64
#: images SWD compares (its patches make it the slowest figure; KID takes them all)
SWD_IMAGES = 128
#: epochs in a row of falling variety before the collapse warning
COLLAPSE_EPOCHS = 3
#: the warning needs variety below this share of the training images' (the issue's target is 0.5)
COLLAPSE_BELOW = 0.5
#: variety this low counts as falling even when it is flat (a generator that ignores z stays at 0)
COLLAPSED = 0.1
COLLAPSE_MESSAGE = "the generator is collapsing"
#: a falling epoch is below this share of the best variety so far
PEAK_SHARE = 0.8


@dataclass(frozen=True)
class EpochQuality:
    kid: float
    kid_std: float
    swd: float
    swd_levels: tuple[float, ...]
    variety: float

    def line(self) -> str:
        return f"KID {self.kid:.4f} ± {self.kid_std:.4f}, SWD {self.swd:.4f}, variety {self.variety:.2f}"


class QualityProbe:
    """Measures generated images against a fixed sample of the training images."""

    def __init__(self, real: np.ndarray) -> None:
        if len(real) < 2:
            raise ValueError("quality needs at least two real images")
        self.real = real
        self.real_features = kid.features(real)
        self.real_variety = max(quality.mean_pairwise_distance(real[:VARIETY_IMAGES]), 1e-9)

    def measure(self, generated: np.ndarray) -> EpochQuality:
        """``generated`` holds at least as many images as the real sample, from fixed seeds."""
        fake = generated[:len(self.real)]
        mean, std = kid.kid_from_features(self.real_features, kid.features(fake), seed=QUALITY_SEED)
        count = min(SWD_IMAGES, len(fake))
        levels = tuple(quality.sliced_wasserstein(self.real[:count], fake[:count], seed=QUALITY_SEED))
        variety = quality.mean_pairwise_distance(generated[:VARIETY_IMAGES]) / self.real_variety
        return EpochQuality(mean, std, float(np.mean(levels)), levels, variety)


class CollapseWatch:
    """True once variety has fallen (or sat near zero) for ``epochs`` epochs in a row and is below half the data's.

    An epoch counts as falling when its variety is below the previous epoch's and below
    ``PEAK_SHARE`` of the best so far: a collapse loses the variety the generator had. Early
    epochs, when a random generator's noise turns into smooth faces, wobble around their first
    value (0.22, 0.21, 0.21, 0.20 on 400 synthetic faces, where the warning fired at epoch 4
    before this rule); the floor keeps a fall from raising the alarm while variety is still healthy.
    """

    def __init__(self, epochs: int = COLLAPSE_EPOCHS) -> None:
        self.epochs = epochs
        self.previous: float | None = None
        self.peak = 0.0
        self.falling = 0

    def update(self, variety: float) -> bool:
        losing = variety < COLLAPSED or (self.previous is not None and variety < self.previous
                                         and variety < PEAK_SHARE * self.peak)
        self.falling = self.falling + 1 if losing else 0
        self.previous, self.peak = variety, max(self.peak, variety)
        return self.falling >= self.epochs and variety < COLLAPSE_BELOW
