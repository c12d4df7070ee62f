"""Live audio between capture and recognition: the ring buffer the capture thread fills and the
streaming resampler that brings every source to 16 kHz block by block (torchaudio, imported lazily).
"""
from __future__ import annotations

import math
import threading
from collections import deque

import numpy as np

from models.transcribe.audio import TARGET_RATE, Block


class RingBuffer:
    """A bounded, thread-safe FIFO of audio blocks addressed by absolute sample index.

    The writer never waits when ``drop_oldest``: past ``capacity`` samples the oldest unread
    blocks are discarded and counted (a live session keeps up with the present rather than
    falling further behind). Otherwise the writer waits for room (replays that must lose nothing).
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = int(capacity)
        self._blocks: "deque[tuple[int, Block]]" = deque()
        self._size = 0
        self._next_index = 0
        self._closed = False
        self._cond = threading.Condition()
        self.overflows = 0
        self.dropped_samples = 0

    def write(self, block: Block, drop_oldest: bool = True, timeout: float = 0.1) -> bool:
        """Append a block; False if there was no room within ``timeout`` (not dropping)."""
        with self._cond:
            if not drop_oldest:
                if not self._cond.wait_for(lambda: self._closed or self._size + block.samples.size <= self.capacity
                                           or not self._blocks, timeout):
                    return False
            self._blocks.append((self._next_index, block))
            self._next_index += block.samples.size
            self._size += block.samples.size
            while self._size > self.capacity and len(self._blocks) > 1:
                _, old = self._blocks.popleft()
                self._size -= old.samples.size
                self.dropped_samples += old.samples.size
                self.overflows += 1
            self._cond.notify_all()
            return True

    def read(self, timeout: float = 0.1) -> list[tuple[int, Block]]:
        """Every unread block with its start index (empty if none arrived within ``timeout``)."""
        with self._cond:
            self._cond.wait_for(lambda: bool(self._blocks) or self._closed, timeout)
            out = list(self._blocks)
            self._blocks.clear()
            self._size = 0
            self._cond.notify_all()
            return out

    def close(self) -> None:
        """No more writes will come: wake any reader."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed and not self._blocks

    @property
    def written(self) -> int:
        with self._cond:
            return self._next_index


class StreamResampler:
    """Block-by-block resampling with torchaudio that matches resampling the whole signal.

    Each step resamples a whole number of input periods with enough context on both sides
    for the sinc kernel, then keeps only the middle, so block edges leave no clicks.
    """

    def __init__(self, orig_rate: int, target_rate: int = TARGET_RATE, filter_width: int = 6) -> None:
        self.orig_rate = int(orig_rate)
        self.target_rate = int(target_rate)
        g = math.gcd(self.orig_rate, self.target_rate)
        self.up, self.down = self.target_rate // g, self.orig_rate // g   # out/in per period
        self._transform = None
        if self.orig_rate != self.target_rate:
            import torchaudio

            self._transform = torchaudio.transforms.Resample(self.orig_rate, self.target_rate,
                                                             lowpass_filter_width=filter_width)
            rolloff = 0.99
            kernel = math.ceil(filter_width * self.down / (min(self.up, self.down) * rolloff))
            self.context = math.ceil(kernel / self.down) * self.down
            self._buffer = np.zeros(self.context, dtype=np.float32)   # left context: silence

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        if self._transform is None:
            return samples.astype(np.float32, copy=False)
        self._buffer = np.concatenate([self._buffer, samples.astype(np.float32, copy=False)])
        periods = (self._buffer.size - 2 * self.context) // self.down
        if periods <= 0:
            return np.zeros(0, dtype=np.float32)
        return self._step(periods)

    def flush(self) -> np.ndarray:
        """The remaining output, padding the end with silence."""
        if self._transform is None:
            return np.zeros(0, dtype=np.float32)
        pending = self._buffer.size - self.context
        pad = self.context + (-pending) % self.down
        self._buffer = np.concatenate([self._buffer, np.zeros(pad, dtype=np.float32)])
        periods = (self._buffer.size - 2 * self.context) // self.down
        out = self._step(periods) if periods > 0 else np.zeros(0, dtype=np.float32)
        keep = math.ceil(pending * self.up / self.down) if pending > 0 else 0
        return out[:keep]

    def _step(self, periods: int) -> np.ndarray:
        import torch

        span = 2 * self.context + periods * self.down
        with torch.inference_mode():
            out = self._transform(torch.from_numpy(self._buffer[:span].copy())).numpy()
        lead = self.context // self.down * self.up
        self._buffer = self._buffer[periods * self.down:]
        return out[lead:lead + periods * self.up].astype(np.float32)
