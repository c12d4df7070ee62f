"""Blockwise 4- and 8-bit weights in ONNX Runtime's ``MatMulNBits`` layout (numpy only).

A weight ``[N, K]`` (out, in features) is cut along K into blocks of ``BLOCK`` values; each block
keeps a float scale and (4-bit) an integer zero point: ``w = scale * (q - zero)``. That is the
shape of GGUF's own Q4_0/Q4_1/Q8_0 blocks, so Q4_0 and Q8_0 tensors map onto it exactly and the
weights stay as small in memory as on disk.

Layouts (as ``MatMulNBits`` reads them): ``B`` is ``[N, blocks, BLOCK * bits / 8]`` uint8, 4-bit
values two per byte, the even one in the low nibble; ``scales`` is ``[N * blocks]``; 4-bit zero
points are packed two per byte per row, ``[N * ceil(blocks / 2)]``. 8-bit weights are symmetric
(zero point 128, the operator's default), which is exactly Q8_0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

BLOCK = 32


@dataclass
class Packed:
    """One weight ready for ``MatMulNBits``: its arrays and attributes."""

    data: np.ndarray               # uint8 [N, blocks, BLOCK * bits / 8]
    scales: np.ndarray             # float32 [N * blocks]
    zeros: Optional[np.ndarray]    # uint8 packed zero points (4-bit), or None for the default
    n: int
    k: int
    bits: int

    @property
    def nbytes(self) -> int:
        return self.data.nbytes + self.scales.nbytes + (self.zeros.nbytes if self.zeros is not None else 0)


def _blocks(weight: np.ndarray) -> np.ndarray:
    """``[N, K]`` float -> ``[N, blocks, BLOCK]`` float32, K padded with zeros to whole blocks."""
    n, k = weight.shape
    pad = -k % BLOCK
    w = np.asarray(weight, dtype=np.float32)
    if pad:
        w = np.pad(w, ((0, 0), (0, pad)))
    return w.reshape(n, -1, BLOCK)


def _pack_nibbles(values: np.ndarray) -> np.ndarray:
    """Pairs of 4-bit values along the last axis into bytes, the even one in the low nibble."""
    values = values.astype(np.uint8)
    return (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)


def quantize(weight: np.ndarray, bits: int) -> Packed:
    """``weight`` ``[N, K]`` as ``bits``-bit blocks: 4-bit asymmetric (range with 0 inside), 8-bit symmetric."""
    n, k = weight.shape
    w = _blocks(weight)
    if bits == 8:
        scale = np.abs(w).max(axis=-1) / 127.0
        safe = np.where(scale == 0, 1.0, scale)
        q = np.clip(np.rint(w / safe[..., None]), -127, 127) + 128
        return Packed(q.astype(np.uint8), scale.astype(np.float32).reshape(-1), None, n, k, 8)
    if bits != 4:
        raise ValueError(f"MatMulNBits weights are 4 or 8 bits here, not {bits}")
    low = np.minimum(w.min(axis=-1), 0.0)
    high = np.maximum(w.max(axis=-1), 0.0)
    scale = (high - low) / 15.0
    safe = np.where(scale == 0, 1.0, scale)
    zero = np.clip(np.rint(-low / safe), 0, 15)
    q = np.clip(np.rint(w / safe[..., None]) + zero[..., None], 0, 15)
    return Packed(_pack_nibbles(q), scale.astype(np.float32).reshape(-1), _pack_zeros(zero), n, k, 4)


def _pack_zeros(zero: np.ndarray) -> np.ndarray:
    """4-bit zero points ``[N, blocks]`` packed per row (odd counts padded with a zero nibble)."""
    if zero.shape[1] % 2:
        zero = np.pad(zero, ((0, 0), (0, 1)))
    return _pack_nibbles(zero).reshape(-1)


def from_q4_0(raw: np.ndarray, n: int, k: int) -> Packed:
    """A GGUF Q4_0 tensor's bytes (``[N, K / 32 * 18]``) repacked without loss: Q4_0 keeps a float16
    scale and sixteen bytes per block, element j in the low nibble of byte j and element j + 16 in
    the high one; its zero point is 8, ``MatMulNBits``' default."""
    blocks = np.asarray(raw, dtype=np.uint8).reshape(n, k // BLOCK, 18)
    scale = blocks[..., :2].copy().view(np.float16)[..., 0].astype(np.float32)
    qs = blocks[..., 2:]
    values = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)
    return Packed(_pack_nibbles(values), scale.reshape(-1), None, n, k, 4)


def from_q8_0(raw: np.ndarray, n: int, k: int) -> Packed:
    """A GGUF Q8_0 tensor's bytes (``[N, K / 32 * 34]``: a float16 scale, 32 int8 values) without loss."""
    blocks = np.asarray(raw, dtype=np.uint8).reshape(n, k // BLOCK, 34)
    scale = blocks[..., :2].copy().view(np.float16)[..., 0].astype(np.float32)
    values = (blocks[..., 2:].view(np.int8).astype(np.int16) + 128).astype(np.uint8)
    return Packed(values, scale.reshape(-1), None, n, k, 8)


def dequantize(packed: Packed) -> np.ndarray:
    """The float32 ``[N, K]`` weight a ``Packed`` stands for (what the checks compare)."""
    blocks = packed.data.shape[1]
    scale = packed.scales.reshape(packed.n, blocks)
    if packed.bits == 8:
        q = packed.data.astype(np.float32) - 128
    else:
        q = np.stack([packed.data & 0x0F, packed.data >> 4], axis=-1).reshape(packed.n, blocks, BLOCK)
        q = q.astype(np.float32)
        if packed.zeros is None:
            q -= 8
        else:
            z = np.stack([packed.zeros & 0x0F, packed.zeros >> 4], axis=-1).reshape(packed.n, -1)[:, :blocks]
            q -= z[..., None].astype(np.float32)
    return (q * scale[..., None]).reshape(packed.n, -1)[:, :packed.k]
