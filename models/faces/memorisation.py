"""Does the generator draw new faces, or copies of its training images?

For each generated face, the nearest training image and its distance (root-mean-square pixel
difference, 0–255; one matrix product finds them all). What counts as a near-copy is set by the
data: a face nearer to a training image than ``NEAR_COPY_SHARE`` of the distance at which
training images typically have their own nearest neighbour. No torch here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.faces.images import make_grid

CHECKED = 64
#: a generated face nearer than this share of the training images' typical neighbour distance is a near-copy
NEAR_COPY_SHARE = 0.35
#: training images whose own nearest neighbour sets the typical distance
TYPICAL_SAMPLE = 128


@dataclass
class Memorisation:
    nearest: np.ndarray        # [n] index into the training images
    distance: np.ndarray       # [n] mean absolute pixel difference
    typical: float             # median nearest-neighbour distance among training images
    near_copies: list[int]     # generated faces that are near-copies

    def summary(self) -> dict:
        return {"checked": len(self.distance), "min_distance": float(self.distance.min()),
                "median_distance": float(np.median(self.distance)), "typical_distance": self.typical,
                "near_copies": len(self.near_copies)}


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[len(a), len(b)] root-mean-square pixel differences."""
    fa, fb = (np.asarray(x, np.float32).reshape(len(x), -1) for x in (a, b))
    squared = (fa * fa).sum(1)[:, None] + (fb * fb).sum(1)[None, :] - 2.0 * fa @ fb.T
    return np.sqrt(np.maximum(squared, 0.0) / fa.shape[1])


def check(generated: np.ndarray, training: np.ndarray) -> Memorisation:
    """Nearest training image of each generated face (uint8 [n, h, w, 3] both), and the near-copies."""
    generated = generated[:CHECKED]
    table = _distances(generated, training)
    nearest = table.argmin(axis=1)
    distance = table[np.arange(len(generated)), nearest]
    sample = training[:TYPICAL_SAMPLE]
    own = _distances(sample, training)
    own[np.arange(len(sample)), np.arange(len(sample))] = np.inf   # an image is not its own neighbour
    finite = own.min(axis=1)
    typical = float(np.median(finite[np.isfinite(finite)])) if np.isfinite(finite).any() else float("inf")
    near = [int(i) for i in np.flatnonzero(distance < NEAR_COPY_SHARE * typical)]
    return Memorisation(nearest, distance, typical, near)


def pairs_picture(generated: np.ndarray, training: np.ndarray, result: Memorisation, count: int = 16) -> np.ndarray:
    """Generated faces (odd columns) beside their nearest training images (even columns), nearest first."""
    order = np.argsort(result.distance)[:count]
    tiles = np.stack([image for i in order for image in (generated[i], training[result.nearest[i]])])
    return make_grid(tiles, cols=8)
