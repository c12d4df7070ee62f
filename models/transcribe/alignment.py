"""Word timings from Whisper's cross-attention: the alignment heads and dynamic time warping.

The method of the reference Whisper's ``word_timestamps``: run the decoder once over the
window's text, take the cross-attention scores of the heads known to follow the audio (the
*alignment heads*), softmax them over the audio frames, standardise them per frame across
tokens, smooth them with a median filter, average the heads, and find the cheapest monotonic
path from the first token and frame to the last (dynamic time warping). Where the path moves
on to a new token is when that token starts; a word starts with its first token.

The alignment heads of the standard checkpoints are published with the reference model (a
boolean per decoder layer and head); ``PUBLISHED_HEADS`` holds them as (layer, head) pairs.
``alignment_heads_for`` picks the list by the model's shape, which the import writes into the
generation config, so a converted CTranslate2 folder gets them too. Numpy only.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from models.core.scripts import CLOSING, OPENING, attaches_back, unspaced

#: 20 ms per encoder frame
FRAMES_PER_SECOND = 50
MEDIAN_FILTER_WIDTH = 7
PREPENDED = "\"'“¿([{-"
APPENDED = "\"'.。,，!！?？:：”)]}、"

#: (layer, head) pairs published with the reference checkpoints
PUBLISHED_HEADS: dict[str, list[tuple[int, int]]] = {
    "tiny.en": [(1, 0), (2, 0), (2, 5), (3, 0), (3, 1), (3, 2), (3, 3), (3, 4)],
    "tiny": [(2, 2), (3, 0), (3, 2), (3, 3), (3, 4), (3, 5)],
    "base.en": [(3, 3), (4, 7), (5, 1), (5, 5), (5, 7)],
    "base": [(3, 1), (4, 2), (4, 3), (4, 7), (5, 1), (5, 2), (5, 4), (5, 6)],
    "small.en": [(6, 6), (7, 0), (7, 3), (7, 8), (8, 2), (8, 5), (8, 7), (9, 0), (9, 4), (9, 8), (9, 10),
                 (10, 0), (10, 1), (10, 2), (10, 3), (10, 6), (10, 11), (11, 2), (11, 4)],
    "small": [(5, 3), (5, 9), (8, 0), (8, 4), (8, 7), (8, 8), (9, 0), (9, 7), (9, 9), (10, 5)],
    "medium.en": [(11, 4), (14, 1), (14, 12), (14, 14), (15, 4), (16, 0), (16, 4), (16, 9), (17, 12),
                  (17, 14), (18, 7), (18, 10), (18, 15), (20, 0), (20, 3), (20, 9), (20, 14), (21, 12)],
    "medium": [(13, 15), (15, 4), (15, 15), (16, 1), (20, 0), (23, 4)],
    "large-v1": [(9, 19), (11, 2), (11, 4), (11, 17), (22, 7), (22, 11), (22, 17), (23, 2), (23, 15)],
    "large-v2": [(10, 12), (13, 17), (16, 11), (16, 12), (16, 13), (17, 15), (17, 16), (18, 4), (18, 11),
                 (18, 19), (19, 11), (21, 2), (21, 3), (22, 3), (22, 9), (22, 12), (23, 5), (23, 7),
                 (23, 13), (25, 5), (26, 1), (26, 12), (27, 15)],
    "large-v3": [(7, 0), (10, 17), (12, 18), (13, 12), (16, 1), (17, 14), (19, 11), (21, 4), (24, 1), (25, 6)],
    "large-v3-turbo": [(2, 4), (2, 11), (3, 3), (3, 6), (3, 11), (3, 14)],
}
#: (decoder layers, decoder heads, width, mel bins, multilingual) of each standard checkpoint
_SHAPES: dict[tuple[int, int, int, int, bool], tuple[str, ...]] = {
    (4, 6, 384, 80, False): ("tiny.en",), (4, 6, 384, 80, True): ("tiny",),
    (6, 8, 512, 80, False): ("base.en",), (6, 8, 512, 80, True): ("base",),
    (12, 12, 768, 80, False): ("small.en",), (12, 12, 768, 80, True): ("small",),
    (24, 16, 1024, 80, False): ("medium.en",), (24, 16, 1024, 80, True): ("medium",),
    (32, 20, 1280, 80, True): ("large-v1", "large-v2"),
    (32, 20, 1280, 128, True): ("large-v3",), (4, 20, 1280, 128, True): ("large-v3-turbo",),
}


def checkpoint_name(layers: int, heads: int, width: int, mels: int, multilingual: bool,
                    hint: str = "") -> Optional[str]:
    """The standard checkpoint a model's shape belongs to; ``hint`` (its folder name) settles
    the two shapes that large-v1 and large-v2 share. None for any other shape."""
    names = _SHAPES.get((layers, heads, width, mels, multilingual), ())
    if len(names) == 1:
        return names[0]
    return next((name for name in names if name in hint.lower()), None)


def default_heads(layers: int, heads: int) -> list[tuple[int, int]]:
    """The reference's choice for an unknown checkpoint: every head of the last half of the layers."""
    return [(layer, head) for layer in range(layers // 2, layers) for head in range(heads)]


def alignment_heads_for(layers: int, heads: int, width: int, mels: int, multilingual: bool,
                        hint: str = "") -> list[tuple[int, int]]:
    """The published heads of a standard checkpoint, else the default."""
    name = checkpoint_name(layers, heads, width, mels, multilingual, hint)
    return list(PUBLISHED_HEADS[name]) if name else default_heads(layers, heads)


@dataclass(frozen=True)
class WordTiming:
    """A word (with its leading space, as the tokenizer writes it) and its seconds in the window."""
    word: str
    start: float
    end: float
    tokens: tuple[int, ...] = ()


def median_filter(x: np.ndarray, width: int) -> np.ndarray:
    """Median over the last axis in windows of ``width`` (odd), edges reflected."""
    pad = width // 2
    if x.shape[-1] <= pad:
        return x
    padded = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(pad, pad)], mode="reflect")
    windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=-1)
    return np.median(windows, axis=-1)


def dtw(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cheapest monotonic path through ``cost`` (rows, columns) from corner to corner.

    Cells on one anti-diagonal do not depend on each other, so each diagonal is one numpy step.
    Returns the (row, column) index of each step of the path.
    """
    rows, cols = cost.shape
    total = np.full((rows + 1, cols + 1), np.inf)
    total[0, 0] = 0.0
    trace = np.zeros((rows + 1, cols + 1), dtype=np.int8)
    for k in range(2, rows + cols + 1):
        i = np.arange(max(1, k - cols), min(rows, k - 1) + 1)
        j = k - i
        c0, c1, c2 = total[i - 1, j - 1], total[i - 1, j], total[i, j - 1]
        choice = np.where((c0 < c1) & (c0 < c2), 0, np.where((c1 < c0) & (c1 < c2), 1, 2))
        best = np.where(choice == 0, c0, np.where(choice == 1, c1, c2))
        total[i, j] = cost[i - 1, j - 1] + best
        trace[i, j] = choice
    trace[0, :] = 2
    trace[:, 0] = 1
    i, j = rows, cols
    path = []
    while i > 0 or j > 0:
        path.append((i - 1, j - 1))
        step = trace[i, j]
        if step == 0:
            i, j = i - 1, j - 1
        elif step == 1:
            i -= 1
        else:
            j -= 1
    path.reverse()
    steps = np.array(path)
    return steps[:, 0], steps[:, 1]


def split_words(tokens: Sequence[int], decode: Callable[[list[int]], str]) -> list[tuple[str, list[int]]]:
    """Words and their tokens: a word starts at a token that begins with a space or is punctuation,
    and in scripts written without spaces (Chinese, Japanese, Thai) at every token: there the
    token is the finest unit the timings have (``cues`` splits a many-character one further).

    Tokens that only together make a character (byte-level pieces of UTF-8) stay together.
    Punctuation then joins its word: closing marks the word before, opening marks the word after.
    """
    pieces: list[tuple[str, list[int]]] = []
    current: list[int] = []
    for token in tokens:
        current.append(token)
        text = decode(current)
        if "\ufffd" not in text:
            pieces.append((text, current))
            current = []
    if current:
        pieces.append((decode(current), current))
    words: list[list] = []
    for text, ids in pieces:
        body = text.lstrip()
        joins = bool(words) and bool(body) and not text[:1].isspace() and body.strip() not in string.punctuation
        lone_space = bool(words) and not words[-1][0].strip()   # a space token before its word
        if lone_space or joins and (attaches_back(body[0]) or not (unspaced(body[0]) or unspaced(words[-1][0][-1]))):
            words[-1][0] += text
            words[-1][1] += ids
        else:   # a space, punctuation, or a character of a script written without spaces starts a word
            words.append([text, list(ids)])
    closing, opening = set(APPENDED) | CLOSING, set(PREPENDED) | OPENING
    merged: list[list] = []
    for word in words:
        if merged and word[0].strip() and all(c in closing for c in word[0].strip()) and not word[0].startswith(" "):
            merged[-1][0] += word[0]
            merged[-1][1] += word[1]
        elif merged and merged[-1][0].strip() and all(c in opening for c in merged[-1][0].strip()):
            merged[-1] = [merged[-1][0] + word[0].lstrip(), merged[-1][1] + word[1]]
        else:
            merged.append(word)
    return [(text, ids) for text, ids in merged]


def word_timings(scores: np.ndarray, frames: int, prefix: int, groups: Sequence[Sequence[int]],
                 decode: Callable[[list[int]], str]) -> list[list[WordTiming]]:
    """The words of each group of tokens (a window's segments) with start and end (seconds from
    the window's start).

    ``scores`` are the alignment heads' raw cross-attention scores (heads, sequence, 1500) for
    the sequence ``prefix`` forced tokens + every group's tokens + end; ``frames`` is the audio's
    length in 20 ms frames (attention beyond it looks at padding).
    """
    count = sum(len(group) for group in groups)
    if not count:
        return [[] for _ in groups]
    frames = max(1, min(int(frames), scores.shape[-1]))
    weights = scores[:, :, :frames].astype(np.float64)
    weights = np.exp(weights - weights.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    std = weights.std(axis=-2, keepdims=True)
    weights = (weights - weights.mean(axis=-2, keepdims=True)) / np.where(std > 0, std, 1.0)
    weights = median_filter(weights, MEDIAN_FILTER_WIDTH)
    matrix = weights.mean(axis=0)[prefix - 1:prefix + count]
    text_index, time_index = dtw(-matrix)
    jumps = np.concatenate([[True], np.diff(text_index) > 0])
    jump_times = time_index[jumps] / FRAMES_PER_SECOND
    last = len(jump_times) - 1
    out: list[list[WordTiming]] = []
    at = 0
    for group in groups:
        timed = []
        for text, ids in split_words(group, decode):
            start, end = float(jump_times[min(at, last)]), float(jump_times[min(at + len(ids), last)])
            timed.append(WordTiming(text, start, max(start, end), tuple(ids)))
            at += len(ids)
        out.append(timed)
    return out
