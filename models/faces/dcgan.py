"""The built-in DCGAN: its two networks and its model folder.

A DCGAN model is a folder with ``config.json`` (``modeldesk_task: faces``, ``model_type: dcgan``,
the sizes and the architecture options), the generator in ``model.safetensors``, the
discriminator in ``discriminator.safetensors`` and, once trained in the app, both optimizers'
state in ``optimizer.safetensors`` so training resumes where it stopped.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Optional

import torch
from torch import nn

from models.core import fileio, store
from models.core.events import ModelDeskError

GENERATOR_FILE = "model.safetensors"
DISCRIMINATOR_FILE = "discriminator.safetensors"
OPTIMIZER_FILE = "optimizer.safetensors"
#: the pickle checkpoint that stands for each weights file in a pickle-only folder (loaded only with consent)
PICKLE_FILES = {GENERATOR_FILE: "pytorch_model.bin", DISCRIMINATOR_FILE: "discriminator.pt"}
IMAGE_SIZES = (32, 64, 128)
#: architecture options and their value in folders written before they existed
ARCHITECTURE = {"spectral_norm": False, "minibatch_std": False}


def check_image_size(image_size: int) -> int:
    """The number of up-sampling blocks from 4×4 to ``image_size`` (32, 64 or 128)."""
    if image_size not in IMAGE_SIZES:
        raise ModelDeskError(f"Image size must be 32, 64 or 128 pixels, not {image_size}.")
    return int(math.log2(image_size)) - 2


class Generator(nn.Module):
    """Latent (nz) → RGB image in [-1, 1]: transposed convolutions doubling the size from 4×4."""

    def __init__(self, nz: int = 100, ngf: int = 64, image_size: int = 64) -> None:
        super().__init__()
        blocks = check_image_size(image_size)
        widths = [ngf * 2 ** i for i in reversed(range(blocks))]  # e.g. 8, 4, 2, 1 × ngf
        layers: list[nn.Module] = [nn.ConvTranspose2d(nz, widths[0], 4, 1, 0, bias=False),
                                   nn.BatchNorm2d(widths[0]), nn.ReLU(True)]
        for wide, narrow in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(wide, narrow, 4, 2, 1, bias=False), nn.BatchNorm2d(narrow), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(widths[-1], 3, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(z.shape[0], -1, 1, 1))


class MinibatchStd(nn.Module):
    """Appends the batch's mean feature standard deviation as one more channel (Karras et al. 2018),
    so the discriminator sees a batch of near-identical images as fake: a check on mode collapse."""

    def __init__(self, group: int = 4) -> None:
        super().__init__()
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        group = math.gcd(n, self.group)
        spread = x.view(group, -1, c, h, w).std(dim=0, unbiased=False).mean(dim=(1, 2, 3))  # [n / group]
        channel = spread.view(1, -1, 1, 1, 1).expand(group, -1, 1, h, w).reshape(n, 1, h, w)
        return torch.cat([x, channel], dim=1)


class Discriminator(nn.Module):
    """RGB image → one real/fake logit (no sigmoid: the loss works on logits, which is stabler).

    With ``spectral_norm`` every convolution is spectrally normalised and batch norm is left out
    (its batch statistics would undo the Lipschitz bound); ``minibatch_std`` adds the batch-spread
    channel before the last convolution.
    """

    def __init__(self, ndf: int = 64, image_size: int = 64, spectral_norm: bool = False,
                 minibatch_std: bool = False) -> None:
        super().__init__()
        blocks = check_image_size(image_size)
        widths = [ndf * 2 ** i for i in range(blocks)]  # e.g. 1, 2, 4, 8 × ndf

        def conv(cin: int, cout: int, *args: int) -> nn.Module:
            layer = nn.Conv2d(cin, cout, *args, bias=False)
            return nn.utils.parametrizations.spectral_norm(layer) if spectral_norm else layer

        layers: list[nn.Module] = [conv(3, widths[0], 4, 2, 1), nn.LeakyReLU(0.2, True)]
        for narrow, wide in zip(widths, widths[1:]):
            layers += [conv(narrow, wide, 4, 2, 1)]
            layers += [] if spectral_norm else [nn.BatchNorm2d(wide)]
            layers += [nn.LeakyReLU(0.2, True)]
        if minibatch_std:
            layers.append(MinibatchStd())
        layers += [conv(widths[-1] + int(minibatch_std), 1, 4, 1, 0)]
        self.net = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images).view(-1)


def _init_weights(module: nn.Module) -> None:
    """The DCGAN paper's initialisation: N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        weight = module.parametrizations.weight.original if hasattr(module, "parametrizations") else module.weight
        nn.init.normal_(weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def build_dcgan(config: dict, seed: Optional[int] = None) -> tuple[Generator, Discriminator]:
    """Both networks for a config's sizes and options; with a seed, freshly initialised from it."""
    options = {**ARCHITECTURE, **{k: config[k] for k in ARCHITECTURE if k in config}}
    generator = Generator(config["nz"], config["ngf"], config["image_size"])
    discriminator = Discriminator(config["ndf"], config["image_size"], **options)
    if seed is not None:
        with torch.random.fork_rng(devices=[]):  # seeded, without disturbing other jobs' randomness
            torch.manual_seed(seed)
            generator.apply(_init_weights)
            discriminator.apply(_init_weights)
    return generator, discriminator


# --- model folders ---------------------------------------------------------------

def read_config(folder: Path) -> dict:
    """A DCGAN folder's config: its sizes (checked) and architecture options (defaults filled in)."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        sizes = {key: int(config[key]) for key in ("nz", "ngf", "ndf", "image_size")}
    except (OSError, ValueError, KeyError, TypeError):
        raise ModelDeskError(f"{folder.name}'s config.json lacks the DCGAN sizes (nz, ngf, ndf, image_size).") from None
    check_image_size(sizes["image_size"])
    return {**ARCHITECTURE, **config, **sizes}


def load_weights(module: nn.Module, info: store.ModelInfo, file: str) -> None:
    """One network's weights: the safetensors file, or in a pickle-only folder that open_model let
    through (the user allowed pickles) its pickle, loaded with weights_only=True."""
    from safetensors.torch import load_file

    safe, pickled = info.path / file, info.path / PICKLE_FILES[file]
    if safe.is_file():
        used, state = safe, load_file(str(safe))
    elif info.weights == "pickle" and pickled.is_file():
        used, state = pickled, torch.load(pickled, map_location="cpu", weights_only=True)
    else:
        raise ModelDeskError(f"{info.name} has no {file}.")
    try:
        module.load_state_dict(state)
    except RuntimeError:
        raise ModelDeskError(f"{info.name}'s {used.name} does not match the sizes in its config.json.") from None


def cpu_state(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}


def save_model(folder: Path, generator: Generator, discriminator: Discriminator, config: dict,
               optimizer_state: Optional[dict[str, torch.Tensor]] = None, **manifest: Any) -> None:
    """Write a complete faces model folder (the caller makes it atomic)."""
    from safetensors.torch import save_file

    save_file(cpu_state(discriminator), str(folder / DISCRIMINATOR_FILE))
    if optimizer_state is not None:
        save_file(optimizer_state, str(folder / OPTIMIZER_FILE))
    save_generator(folder, generator, config, **manifest)


def save_generator(folder: Path, generator: Generator, config: dict, **manifest: Any) -> None:
    """The generator, config.json and the manifest: all that rendering and export read (an imported
    generator has no discriminator; training cannot resume it)."""
    from safetensors.torch import save_file

    save_file(cpu_state(generator), str(folder / GENERATOR_FILE))
    fileio.write_json(folder / "config.json", {**config, "modeldesk_task": "faces", "model_type": "dcgan"})
    store.write_manifest(folder, task="faces", **manifest)
