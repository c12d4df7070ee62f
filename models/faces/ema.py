"""An exponential moving average of the generator's weights: the generator the app shows and saves.

A GAN's generator jumps around the discriminator's current opinion from step to step; the
average of its recent weights draws steadier, more varied faces (Karras et al. 2018; Yazıcı et
al. 2019). The half-life is counted in images and ramps up with the images seen, as in
StyleGAN2-ADA, so a short run on a few hundred images is not averaged with its random start.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

#: half-life of the average, in training images, once the ramp-up reaches it
HALF_LIFE_IMAGES = 10_000
#: the half-life is at most this share of the images seen so far
RAMPUP = 0.05


class Ema:
    """Holds ``model``, the averaged copy; ``update`` after every generator step."""

    def __init__(self, generator: nn.Module, half_life_images: int = HALF_LIFE_IMAGES, rampup: float = RAMPUP) -> None:
        self.model = copy.deepcopy(generator).eval()
        self.model.requires_grad_(False)
        self.half_life, self.rampup = half_life_images, rampup

    @torch.no_grad()
    def update(self, generator: nn.Module, images_seen: int, batch: int) -> None:
        half_life = min(self.half_life, images_seen * self.rampup) if self.rampup else self.half_life
        beta = 0.5 ** (batch / max(half_life, 1e-8))
        for averaged, current in zip(self.model.parameters(), generator.parameters()):
            averaged.lerp_(current, 1.0 - beta)
        for averaged, current in zip(self.model.buffers(), generator.buffers()):
            averaged.copy_(current)  # batch-norm statistics are recomputed for the averaged weights before use
