"""Torch-free picture helpers of the faces task: seed lists, image grids, PNG files, GIFs and numbered frames.

They live apart from the GAN so the GUI can check seeds and save pictures
without importing torch.
"""
from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Optional

import numpy as np

from models.core import fileio
from models.core.events import ModelDeskError

MAX_SEEDS = 1024
MAX_SEED = 2**32 - 1


def parse_seeds(text: str) -> list[float]:
    """"0-3,7,2.5" → [0, 1, 2, 3, 7, 2.5] (order kept, repeats dropped); bad text raises a clear error.

    Ranges are whole seeds; a single seed may be fractional (it blends its two neighbours).
    """
    seeds: list[float] = []
    parts = [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise ModelDeskError("Give at least one seed, e.g. 0-3,7.")
    for part in parts:
        match = re.fullmatch(r"(\d+)\s*-\s*(\d+)|(\d+(?:\.\d+)?)", part)
        if not match:
            raise ModelDeskError(f"'{part}' is not a seed or a range of seeds (use e.g. 0-3,7).")
        if match.group(3) is not None:
            value = float(match.group(3))
            start = end = int(value) if value.is_integer() else value
        else:
            start, end = int(match.group(1)), int(match.group(2))
        if end < start:
            raise ModelDeskError(f"The range '{part}' runs backwards; write it as {end}-{start}.")
        if end > MAX_SEED:
            raise ModelDeskError(f"Seeds go up to {MAX_SEED}; '{part}' is too large.")
        count = int(end - start) + 1
        if count + len(seeds) > MAX_SEEDS:
            raise ModelDeskError(f"At most {MAX_SEEDS} seeds at a time.")
        seeds.extend(range(int(start), int(end) + 1) if isinstance(start, int) else [start])
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


def grid_cell(x: int, y: int, count: int, cols: int, size: int, pad: int = 2) -> Optional[int]:
    """The index of the image at pixel (x, y) of a ``make_grid`` picture, or None on padding or an empty cell."""
    col, row = (x - pad) // (size + pad), (y - pad) // (size + pad)
    inside = 0 <= (x - pad) % (size + pad) < size and 0 <= (y - pad) % (size + pad) < size
    index = row * cols + col
    return index if inside and 0 <= col < cols and row >= 0 and index < count else None


def save_png(array: np.ndarray, path: os.PathLike | str) -> Path:
    """Save a uint8 [h, w, 3] picture as PNG, atomically."""
    from PIL import Image

    path = Path(path)
    with fileio.atomic_path(path, suffix=".png") as tmp:
        Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8)).save(tmp, format="PNG")
    return path


def save_gif(frames: np.ndarray, path: os.PathLike | str, fps: float = 12.0) -> Path:
    """An animated GIF (looping) of uint8 [n, h, w, 3] frames, atomically.

    GIF holds 256 colours per frame: each frame gets its own palette, without dithering, so a
    frame stays as close as GIF allows to the image it shows.
    """
    from PIL import Image

    frames = np.asarray(frames)
    if frames.ndim != 4 or len(frames) == 0:
        raise ModelDeskError("There are no frames to put in a GIF.")
    pictures = [Image.fromarray(np.ascontiguousarray(f, dtype=np.uint8)).quantize(
        256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) for f in frames]
    path = Path(path)
    with fileio.atomic_path(path, suffix=".gif") as tmp:
        pictures[0].save(tmp, format="GIF", save_all=True, append_images=pictures[1:], loop=0,
                         duration=max(20, round(100 / fps) * 10), optimize=False, disposal=1)  # GIF counts in 10 ms
    return path


def save_frames(frames: np.ndarray, folder: os.PathLike | str, stem: str = "frame") -> list[Path]:
    """Numbered PNGs (frame_000.png, …) in ``folder``, each written atomically."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or len(frames) == 0:
        raise ModelDeskError("There are no frames to save.")
    digits = max(3, len(str(len(frames) - 1)))
    return [save_png(frame, Path(folder) / f"{stem}_{i:0{digits}d}.png") for i, frame in enumerate(frames)]
