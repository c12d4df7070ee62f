"""The greedy loop's timestamp rules, on any token stream, and how tokens become segments."""
from __future__ import annotations

import numpy as np
import pytest

from models.transcribe import decoding
from models.transcribe.decoding import Specials, greedy, split_segments
from models.transcribe.recognizer import Recognizer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def check_stream(tokens: list[int], begin: int, limit: int, max_initial: int) -> None:
    """The reference rules: opens with an early timestamp, pairs, never backwards, within the window."""
    times = [t - begin for t in tokens if t >= begin]
    assert tokens and tokens[0] >= begin and tokens[0] - begin <= max_initial, tokens
    assert all(0 <= t <= limit for t in times), tokens
    assert times == sorted(times), tokens
    run = 0   # consecutive timestamps so far
    for k, token in enumerate(tokens):
        if token >= begin:
            run += 1
            assert run <= 2, tokens                       # never three in a row
            if run == 2:
                before = [t for t in tokens[:k] if t >= begin]
                assert len(before) == 1 or token > before[-2], tokens   # a pair's opening moves on
        else:
            run = 0
    strict = [t for k, t in enumerate(tokens) if t >= begin and (k == 0 or tokens[k - 1] < begin)]
    assert all(b > a for a, b in zip(strict, strict[1:])), tokens   # each segment opens later


def random_logits(rng: np.random.Generator, vocab: int, begin: int):
    """A decoder that says anything: random logits, sometimes leaning to timestamps or to the end."""
    def step(_ids: list[int]) -> np.ndarray:
        logits = rng.normal(0, 3, vocab).astype(np.float32)
        mood = rng.random()
        if mood < 0.3:
            logits[begin:] += 6
        elif mood < 0.35:
            logits[0] += 12      # token 0 stands for the end below
        return logits
    return step


def test_timestamp_rules_hold_for_any_token_stream() -> None:
    vocab, begin = 400, 250
    specials = Specials(eot=0, sot=1, no_timestamps=249, timestamp_begin=begin, no_speech=None, max_tokens=448)
    rng = np.random.default_rng(0)
    for trial in range(300):
        step = random_logits(rng, vocab, begin)
        limit = int(rng.integers(5, vocab - begin))
        tokens, total = greedy(step, step([]), specials, budget=int(rng.integers(2, 60)), timestamps=True,
                               limit=limit)
        assert np.isfinite(total)
        check_stream(tokens, begin, limit, 50)
        segments, done = split_segments(tokens, begin, limit * decoding.TIME_PRECISION)
        assert 0 <= done <= limit * decoding.TIME_PRECISION + 1e-9
        for seg in segments:
            assert 0 <= seg.start <= seg.end <= limit * decoding.TIME_PRECISION + 1e-9
            assert seg.tokens and all(t < begin for t in seg.tokens)
        assert all(a.end <= b.start + 1e-9 for a, b in zip(segments, segments[1:]))


def test_a_tiny_random_whisper_keeps_the_rules_whatever_its_decoder_says(tiny_whisper_en, monkeypatch) -> None:
    rec = Recognizer.load(tiny_whisper_en, device="cpu")
    begin = rec.specials.timestamp_begin
    assert begin == rec.specials.no_timestamps + 1
    rng = np.random.default_rng(1)
    real_step = rec.runner.step
    audio = (np.random.default_rng(2).standard_normal(16000 * 4) * 0.1).astype(np.float32)
    for trial in range(20):
        noise = random_logits(rng, rec.config.vocab_size, begin)

        def step(ids: list[int]) -> np.ndarray:
            return real_step(ids) + noise(ids)   # the model's own logits, shaken

        monkeypatch.setattr(rec.runner, "step", step)
        samples = int(16000 * rng.uniform(0.5, 4))
        out = rec.decode(audio[:samples], timestamps=True)
        frames = -(-samples // 320)   # the audio's length in 20 ms timestamp steps
        check_stream(list(out.tokens), begin, frames, 50)
        assert all(0 <= s.start <= s.end <= samples / 16000 for s in out.segments)


def test_segments_close_at_pairs_and_an_open_one_is_decoded_again() -> None:
    b = 100

    def ts(seconds: float) -> int:
        return b + round(seconds / decoding.TIME_PRECISION)

    complete = [ts(0), 5, 6, ts(1.0), ts(1.2), 7, ts(2.0)]
    segments, done = split_segments(complete, b, 3.0)
    assert [(s.start, s.end, s.tokens) for s in segments] == [(0.0, 1.0, (5, 6)), (1.2, 2.0, (7,))]
    assert done == 3.0                                      # a lone closing timestamp: all of it
    open_end = [ts(0), 5, ts(1.0), ts(1.4), 8, 9]          # the budget ran out mid-segment
    segments, done = split_segments(open_end, b, 3.0)
    assert [(s.start, s.end) for s in segments] == [(0.0, 1.0)] and done == 1.0   # from its last closing
    no_pair = [ts(0.2), 5, 6]
    segments, done = split_segments(no_pair, b, 3.0)
    assert [(s.start, s.end, s.tokens) for s in segments] == [(pytest.approx(0.2), 3.0, (5, 6))] and done == 3.0


def test_silence_and_repetition_gates() -> None:
    assert decoding.looks_silent("", 0.0, -0.1)
    assert decoding.looks_silent("you", 0.95, -0.3)          # near-certain no speech
    assert decoding.looks_silent("hmm", 0.7, -1.5)           # Whisper's rule: both thresholds
    assert not decoding.looks_silent("hello there", 0.7, -0.4)
    assert not decoding.looks_silent("hello", None, None)    # CTC: no gate
    loop = "I'm going to go to the store. " * 12
    assert decoding.compression_ratio(loop) > decoding.COMPRESSION_RATIO_THRESHOLD
    assert decoding.compression_ratio("The quick brown fox jumps over the lazy dog.") < 2.0
