"""Seeds → latent vectors: whole and fractional seeds, truncation ψ, paths through several seeds.

Latents are numpy arrays drawn from a per-seed generator, so a seed gives the same face on
any device, in any batch and on every backend (torch or ONNX Runtime). No torch here.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

from models.core.events import ModelDeskError


def seed_latent(seed: int, nz: int) -> np.ndarray:
    """The latent vector of a whole seed: nz values from N(0, 1), float32."""
    return np.random.default_rng(int(seed)).standard_normal(nz).astype(np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation: Gaussian latents keep their typical norm along the way.

    The ends are returned unchanged, so a path's first and last frames are exactly its seeds' faces.
    """
    if t <= 0.0:
        return a
    if t >= 1.0:
        return b
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    cos = float(np.clip(np.dot(a64, b64) / (np.linalg.norm(a64) * np.linalg.norm(b64) or 1.0), -1.0, 1.0))
    omega = math.acos(cos)
    if omega < 1e-6:
        mixed = (1 - t) * a64 + t * b64
    else:
        mixed = (math.sin((1 - t) * omega) * a64 + math.sin(t * omega) * b64) / math.sin(omega)
    return mixed.astype(np.float32)


def latent(seed: float, nz: int) -> np.ndarray:
    """A seed's latent; a fractional seed (3.25) blends its two neighbours' latents (3 and 4) by slerp."""
    seed = float(seed)
    if not math.isfinite(seed) or seed < 0:
        raise ModelDeskError(f"Seeds are numbers from 0 up, not {seed}.")
    low = math.floor(seed)
    frac = seed - low
    if frac == 0.0:
        return seed_latent(low, nz)
    return slerp(seed_latent(low, nz), seed_latent(low + 1, nz), frac)


def check_psi(psi: float) -> float:
    if not 0.0 <= float(psi) <= 1.0:
        raise ModelDeskError(f"Truncation ψ goes from 0 (the average face) to 1 (off), not {psi}.")
    return float(psi)


def truncate(latents: np.ndarray, psi: float, mean: Optional[np.ndarray] = None) -> np.ndarray:
    """Move latents toward the mean latent: ``mean + ψ (z − mean)``; ψ = 1 leaves them, 0 gives the mean.

    For the DCGAN the mean is that of z (zero). Its first layer (a transposed convolution and a
    batch norm, before any non-linearity) is affine in z, so this is also truncation of that
    layer's output toward its mean: the 'intermediate layer' the issue names.
    """
    psi = check_psi(psi)
    if psi == 1.0:
        return latents
    centre = np.zeros(latents.shape[-1], np.float32) if mean is None else np.asarray(mean, np.float32)
    return (centre + psi * (latents - centre)).astype(np.float32)


def seed_latents(seeds: Sequence[float], nz: int) -> np.ndarray:
    """[len(seeds), nz] latents, one per (possibly fractional) seed."""
    if not len(seeds):
        return np.zeros((0, nz), np.float32)
    return np.stack([latent(s, nz) for s in seeds])


def path_latents(seeds: Sequence[float], frames: int, nz: int) -> np.ndarray:
    """``frames`` latents along a path through ``seeds`` (at least 2), equal time per leg, both ends included."""
    if len(seeds) < 2:
        raise ModelDeskError("A path needs at least 2 seeds, e.g. 3,7,12.")
    if frames < 2:
        raise ModelDeskError("A path needs at least 2 frames.")
    stops = [latent(s, nz) for s in seeds]
    legs = len(stops) - 1
    out = []
    for i in range(frames):
        where = i * legs / (frames - 1)
        leg = min(int(where), legs - 1)
        out.append(slerp(stops[leg], stops[leg + 1], where - leg))
    return np.stack(out)
