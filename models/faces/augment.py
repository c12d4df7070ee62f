"""Differentiable augmentation (DiffAugment, Zhao et al. 2020) for GAN training on few images.

The discriminator sees every image, real or generated, through the same random colour shift,
translation and cutout, in both the D and the G step. It can then no longer memorise the few
real images (its usual way to win on small data), and because each operation is differentiable
the generator still learns through it; generated images are never pushed toward the
augmentations, since the real ones carry them too.
"""
from __future__ import annotations

from typing import Callable, Optional

import torch
import torch.nn.functional as F

from models.core.events import ModelDeskError
from models.faces.recipe import DEFAULTS

Policy = tuple[str, ...]


def _rand(x: torch.Tensor, rng: Optional[torch.Generator], *shape: int) -> torch.Tensor:
    """Uniform [0, 1) numbers drawn on the CPU generator (reproducible on any device), moved to x's device."""
    return torch.rand(*shape, generator=rng).to(x.device, x.dtype)


def brightness(x: torch.Tensor, rng: Optional[torch.Generator]) -> torch.Tensor:
    return x + (_rand(x, rng, x.shape[0], 1, 1, 1) - 0.5)


def saturation(x: torch.Tensor, rng: Optional[torch.Generator]) -> torch.Tensor:
    grey = x.mean(dim=1, keepdim=True)
    return (x - grey) * (_rand(x, rng, x.shape[0], 1, 1, 1) * 2) + grey


def contrast(x: torch.Tensor, rng: Optional[torch.Generator]) -> torch.Tensor:
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_rand(x, rng, x.shape[0], 1, 1, 1) + 0.5) + mean


def translation(x: torch.Tensor, rng: Optional[torch.Generator], ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its size, filling with zeros (mid-grey in [-1, 1])."""
    n, _, h, w = x.shape
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = (_rand(x, rng, n, 1, 1) * (2 * sy + 1)).long() - sy
    dx = (_rand(x, rng, n, 1, 1) * (2 * sx + 1)).long() - sx
    rows = torch.arange(h, device=x.device).view(1, h, 1) + dy + 1      # +1: index into the padded image
    cols = torch.arange(w, device=x.device).view(1, 1, w) + dx + 1
    rows, cols = rows.clamp(0, h + 1).expand(n, h, w), cols.clamp(0, w + 1).expand(n, h, w)
    padded = F.pad(x, [1, 1, 1, 1])                                      # [n, c, h + 2, w + 2]
    batch = torch.arange(n, device=x.device).view(n, 1, 1).expand(n, h, w)
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, rng: Optional[torch.Generator], ratio: float = 0.5) -> torch.Tensor:
    """Blank one square of ``ratio`` of the image size at a random place in each image."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = (_rand(x, rng, n, 1, 1) * (h + 1 - ch % 2)).long() - ch // 2
    left = (_rand(x, rng, n, 1, 1) * (w + 1 - cw % 2)).long() - cw // 2
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    inside = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


OPERATIONS: dict[str, tuple[Callable[..., torch.Tensor], ...]] = {
    "color": (brightness, saturation, contrast),
    "translation": (translation,),
    "cutout": (cutout,),
}
DEFAULT_POLICY = DEFAULTS["augmentation"]


def parse_policy(text: str) -> Policy:
    """"color,translation,cutout" → its operations' names; "" or "none" → no augmentation."""
    names = tuple(n.strip().lower() for n in str(text or "").split(",") if n.strip() and n.strip().lower() != "none")
    unknown = [n for n in names if n not in OPERATIONS]
    if unknown:
        raise ModelDeskError(f"Unknown augmentation '{unknown[0]}'; choose from {', '.join(OPERATIONS)} (or none).")
    return names


def diff_augment(x: torch.Tensor, policy: Policy, rng: Optional[torch.Generator] = None,
                 probability: float = 1.0) -> torch.Tensor:
    """Apply the policy's operations in order to each image with ``probability`` (the others pass as
    they are); every operation is differentiable with respect to ``x``.

    Below 1 the discriminator also sees images as they are, so what an operation blurs (where the
    faces sit, under translation) still shows (``models.faces.recipe`` has the measurement)."""
    chosen = (_rand(x, rng, x.shape[0]) < probability).view(-1, 1, 1, 1) if policy and probability < 1 else None
    out = x
    for name in policy:
        for operation in OPERATIONS[name]:
            out = operation(out, rng)
    return out if chosen is None else torch.where(chosen, out, x)
