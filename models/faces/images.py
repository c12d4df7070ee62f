"""Torch-free picture helpers of the faces task: seed lists, image grids, PNG files.

They live apart from the GAN so the GUI can check seeds and save pictures
without importing torch; ``models.faces`` offers them too.
"""
from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np

from models.core import fileio
from models.core.events import ModelDeskError

MAX_SEEDS = 1024
MAX_SEED = 2**32 - 1


def parse_seeds(text: str) -> list[int]:
    """"0-3,7" → [0, 1, 2, 3, 7] (order kept, repeats dropped); bad text raises a clear error."""
    seeds: list[int] = []
    parts = [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise ModelDeskError("Give at least one seed, e.g. 0-3,7.")
    for part in parts:
        match = re.fullmatch(r"(\d+)\s*(?:-\s*(\d+))?", part)
        if not match:
            raise ModelDeskError(f"'{part}' is not a seed or a range of seeds (use e.g. 0-3,7).")
        start, end = int(match.group(1)), int(match.group(2) or match.group(1))
        if end < start:
            raise ModelDeskError(f"The range '{part}' runs backwards; write it as {end}-{start}.")
        if end > MAX_SEED:
            raise ModelDeskError(f"Seeds go up to {MAX_SEED}; '{part}' is too large.")
        if end - start + 1 + len(seeds) > MAX_SEEDS:
            raise ModelDeskError(f"At most {MAX_SEEDS} seeds at a time.")
        seeds.extend(range(start, end + 1))
    return list(dict.fromkeys(seeds))


def make_grid(images: np.ndarray, cols: int = 8, pad: int = 2) -> np.ndarray:
    """Tile uint8 [n, h, w, 3] images into one picture, ``pad`` black pixels around each."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[0] == 0:
        raise ModelDeskError("There are no images to put in a grid.")
    n, h, w, c = images.shape
    cols = max(1, min(int(cols), n))
    rows = math.ceil(n / cols)
    grid = np.zeros((rows * (h + pad) + pad, cols * (w + pad) + pad, c), dtype=np.uint8)
    for i, image in enumerate(images):
        top, left = pad + (i // cols) * (h + pad), pad + (i % cols) * (w + pad)
        grid[top:top + h, left:left + w] = image
    return grid


def save_png(array: np.ndarray, path: os.PathLike | str) -> Path:
    """Save a uint8 [h, w, 3] picture as PNG, atomically."""
    from PIL import Image

    path = Path(path)
    with fileio.atomic_path(path, suffix=".png") as tmp:
        Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8)).save(tmp, format="PNG")
    return path
