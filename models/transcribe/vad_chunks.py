"""Speech chunks of a recording as the reference cuts them, joined into one audio, and the map back.

faster-whisper (the anchor the app is held to, issue 18) decodes a file with its VAD filter like
this, and so does ``files.transcribe_audio``: the detector's per-frame speech probabilities are
turned into chunks with hysteresis (speech starts at ``THRESHOLD`` and ends only below
``THRESHOLD - 0.15``, and only after ``MIN_SILENCE`` seconds of it, so a pause inside a sentence
never splits it); each chunk is padded by ``PAD`` (a pause shorter than two pads is shared
between its neighbours); then the chunks are joined end to end, which drops only the long
silences, and that audio is decoded 30 s at a time. A short clip is thus decoded whole, lead-in
and tail included: decoding just the frames above the threshold had cut the quiet first and
last sounds of short sentences (a 2.5 s clip lost most of its words).

``SpeechMap`` turns a time in the joined audio back into the recording's time. A word belongs
to the chunk its middle falls in, so it never straddles a dropped silence.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

#: the reference's VadOptions: speech above 0.5, ended below 0.35 after 2 s, padded 0.4 s a side
THRESHOLD = 0.5
HYSTERESIS = 0.15
MIN_SILENCE = 2.0
PAD = 0.4


def voice_probabilities(audio: np.ndarray, vad: Any) -> np.ndarray:
    """The detector's speech probability for each of its frames; a last partial frame is padded with silence."""
    size = vad.frame_samples
    count = -(-audio.size // size)
    padded = np.zeros(count * size, dtype=np.float32)
    padded[:audio.size] = audio
    return np.array([float(vad(padded[k * size:(k + 1) * size])) for k in range(count)], dtype=np.float32)


def speech_chunks(probs: Sequence[float], frame: int, total: int, rate: int = 16000, threshold: float = THRESHOLD,
                  min_silence: float = MIN_SILENCE, pad: float = PAD) -> list[tuple[int, int]]:
    """(start, end) sample ranges of speech from per-frame probabilities (``frame`` samples each), as
    the reference's VAD gives them (module docstring); ``total`` is the recording's length."""
    low = max(threshold - HYSTERESIS, 0.01)
    quiet_needed = min_silence * rate
    chunks: list[list[int]] = []
    start = quiet_since = None
    for k, prob in enumerate(probs):
        at = k * frame
        if prob >= threshold:
            quiet_since = None
            if start is None:
                start = at
        elif start is not None and prob < low:
            quiet_since = at if quiet_since is None else quiet_since
            if at - quiet_since >= quiet_needed:
                chunks.append([start, quiet_since])
                start = quiet_since = None
    if start is not None:
        chunks.append([start, total])   # speech (or a short pause) runs to the end
    margin = int(pad * rate)
    for i, chunk in enumerate(chunks):
        if i == 0:
            chunk[0] = max(0, chunk[0] - margin)
        if i + 1 < len(chunks):
            nxt = chunks[i + 1]
            gap = nxt[0] - chunk[1]
            share = gap // 2 if gap < 2 * margin else margin
            chunk[1] += share
            nxt[0] = max(0, nxt[0] - share)
        else:
            chunk[1] = min(total, chunk[1] + margin)
    return [(a, b) for a, b in chunks]


@dataclass(frozen=True)
class SpeechMap:
    """Chunks of a recording joined end to end, and the way back to the recording's time (seconds)."""
    chunks: tuple[tuple[int, int], ...]
    rate: int = 16000

    def join(self, audio: np.ndarray) -> np.ndarray:
        """The chunks' audio end to end (empty when there are none)."""
        if not self.chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate([audio[a:b] for a, b in self.chunks]).astype(np.float32, copy=False)

    @property
    def _ends(self) -> list[int]:
        """Where each chunk ends in the joined audio (samples)."""
        ends, at = [], 0
        for a, b in self.chunks:
            at += b - a
            ends.append(at)
        return ends

    def chunk_at(self, seconds: float) -> int:
        """The chunk that joined time ``seconds`` falls in (the last one past the end)."""
        return min(bisect.bisect_right(self._ends, int(seconds * self.rate)), len(self.chunks) - 1)

    def original(self, seconds: float, chunk: int | None = None) -> float:
        """Joined time ``seconds`` as the recording's time, within ``chunk`` (default: the one it falls in)."""
        if not self.chunks:
            return seconds
        k = self.chunk_at(seconds) if chunk is None else chunk
        ends = self._ends
        start, end = self.chunks[k]
        joined_start = ends[k] - (end - start)
        sample = start + int(round(seconds * self.rate)) - joined_start
        return float(min(max(sample, start), end)) / self.rate

    def span(self, start: float, end: float, one_chunk: bool = False) -> tuple[float, float]:
        """Joined times ``start``-``end`` as the recording's: each end in the chunk it lies in, or with
        ``one_chunk`` both in the chunk of the middle (a word is never spread over a dropped silence)."""
        if one_chunk and self.chunks:
            k = self.chunk_at((start + end) / 2)
            return self.original(start, k), self.original(end, k)
        last = self.chunk_at(max(start, end - 1.0 / self.rate)) if self.chunks else None
        return self.original(start), self.original(end, last)
