"""Dynamic time warping, word splitting and the published alignment heads (numpy, no model)."""
from __future__ import annotations

import numpy as np

from models.transcribe import alignment
from models.transcribe.alignment import alignment_heads_for, dtw, median_filter, split_words, word_timings


def test_dtw_follows_the_cheap_diagonal_and_stays_monotonic() -> None:
    cost = np.ones((3, 6))
    for row, cols in enumerate(((0, 1), (2, 3), (4, 5))):
        cost[row, list(cols)] = 0.0
    rows, cols = dtw(cost)
    assert list(rows) == [0, 0, 1, 1, 2, 2] and list(cols) == [0, 1, 2, 3, 4, 5]
    rows, cols = dtw(np.random.default_rng(0).random((7, 40)))
    assert rows[0] == 0 and cols[0] == 0 and rows[-1] == 6 and cols[-1] == 39
    assert np.all(np.diff(rows) >= 0) and np.all(np.diff(cols) >= 0)
    assert np.all(np.diff(rows) + np.diff(cols) >= 1)


def test_median_filter_removes_spikes() -> None:
    x = np.zeros((1, 20))
    x[0, 10] = 5.0
    assert np.all(median_filter(x, 7) == 0.0)


def test_words_start_at_spaces_and_keep_their_punctuation() -> None:
    pieces = {1: " Hello", 2: ",", 3: " wor", 4: "ld", 5: ".", 6: " (", 7: "yes", 8: ")"}
    words = split_words([1, 2, 3, 4, 5, 6, 7, 8], lambda ids: "".join(pieces[i] for i in ids))
    assert words == [(" Hello,", [1, 2]), (" world.", [3, 4, 5]), (" (yes)", [6, 7, 8])]


def test_word_timings_follow_where_the_heads_look() -> None:
    tokens = [11, 12, 13]
    texts = {11: " one", 12: " two", 13: " three"}
    prefix, frames = 2, 60
    scores = np.full((2, prefix + len(tokens) + 1, 1500), -10.0)
    # the row that predicts token k (the one before it) looks at frames 20k .. 20k + 19
    for k in range(len(tokens)):
        scores[:, prefix - 1 + k, 20 * k:20 * k + 20] = 10.0
    scores[:, prefix + len(tokens) - 1, 55:60] = 10.0
    (found,) = word_timings(scores, frames, prefix, [tokens], lambda ids: "".join(texts[i] for i in ids))
    assert [w.word for w in found] == [" one", " two", " three"]
    starts = [w.start for w in found]
    assert abs(starts[0] - 0.0) < 0.1 and abs(starts[1] - 0.4) < 0.1 and abs(starts[2] - 0.8) < 0.1
    assert all(w.start <= w.end for w in found) and found[-1].end <= frames / 50


def test_published_heads_for_standard_shapes_and_the_default_otherwise() -> None:
    assert alignment_heads_for(4, 6, 384, 80, False) == alignment.PUBLISHED_HEADS["tiny.en"]
    assert alignment_heads_for(32, 20, 1280, 128, True) == alignment.PUBLISHED_HEADS["large-v3"]
    assert alignment_heads_for(32, 20, 1280, 80, True, "whisper-large-v1-ct2") == alignment.PUBLISHED_HEADS["large-v1"]
    assert alignment_heads_for(2, 4, 64, 80, True) == [(1, h) for h in range(4)]   # the last half of the layers
