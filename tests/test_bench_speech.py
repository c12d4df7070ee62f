"""The speech benchmarks' judging: issue 18's bounds, the repeat counter and the held-out sentences.

Fast: no model, no speech engine; the figures are made up so that each bound is crossed on purpose.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks import heldout_speech, speech_corpus
from benchmarks.live_transcribe import repeated_sentences
from benchmarks.speech_backends import ANCHOR, Row, corpus_wer, judge, quality_words

ROOT = Path(__file__).resolve().parent.parent


def rows(**figures: tuple[float, float, int]) -> dict[str, Row]:
    """Rows from name=(seconds, WER, empty clear clips); the others are within every bound."""
    base = {"torch": (10.0, 0.150, 0), "onnx-fp32": (8.0, 0.150, 0), "onnx-int8": (2.0, 0.152, 0),
            ANCHOR: (5.0, 0.148, 0)}
    base.update(figures)
    return {name: Row(name, seconds, wer, 0.0, empty) for name, (seconds, wer, empty) in base.items()}


def test_within_every_bound() -> None:
    table = rows()
    judge(table)
    assert all(row.ok for row in table.values())
    assert table["onnx-int8"].vs_anchor == pytest.approx(0.4)


@pytest.mark.parametrize("figures, failing, why", [
    ({"onnx-int8": (2.0, 0.165, 0)}, "onnx-int8", "WER over torch + 0.01"),
    ({"torch": (10.0, 0.200, 0), "onnx-fp32": (8.0, 0.200, 0), "onnx-int8": (2.0, 0.200, 0)},
     "torch", "WER over faster-whisper + 0.02"),
    ({"onnx-fp32": (8.0, 0.150, 1)}, "onnx-fp32", "1 clear clip(s) empty"),
    ({"onnx-int8": (3.0, 0.152, 0)}, "onnx-int8", "0.60x faster-whisper's time"),
])
def test_each_bound_fails_its_row(figures: dict, failing: str, why: str) -> None:
    table = rows(**figures)
    judge(table)
    assert not table[failing].ok and any(why in p for p in table[failing].problems)
    assert "FAIL" in quality_words(table[failing], table, 12, 8)


def test_the_speed_bound_goes_to_the_fastest_row_within_the_wer_bound() -> None:
    table = rows(**{"onnx-int8": (1.0, 0.300, 0)})     # fastest, but outside the WER bound
    judge(table)
    assert not table["onnx-int8"].ok
    assert any("0.5x" in p for p in table["onnx-fp32"].problems)   # 8 s vs 5 s: the next fastest fails on speed
    assert table["torch"].ok


def test_corpus_wer_weighs_clips_by_their_words() -> None:
    references = ["one two three four five six seven eight", "nine ten"]
    assert corpus_wer(references, ["one two three four five six seven eight", ""]) == pytest.approx(2 / 10)
    assert corpus_wer(references, references) == 0.0


def test_repeated_sentences() -> None:
    assert repeated_sentences(["The hogs were fed. The cat sat down.", "A new sentence here."]) == 0
    assert repeated_sentences(["The hogs were fed chopped corn. The hogs were fed chopped corn."]) == 1
    assert repeated_sentences(["The hogs were fed.", "the hogs were FED"]) == 1      # across segments
    assert repeated_sentences(["fed chopped corn and fed chopped corn and fed chopped corn and more"]) >= 1


def test_heldout_sentences_were_never_tuning_sentences() -> None:
    held = heldout_speech.sentences()
    assert len(held) >= 60 and len(set(held)) == len(held)
    assert "HELD-OUT" in heldout_speech.SENTENCES_FILE.read_text().splitlines()[0]
    tuning = set(speech_corpus.SENTENCES)
    assert not tuning & set(held)
    used = "\n".join(p.read_text(encoding="utf-8") for folder in ("tests", "benchmarks", "models")
                     for p in (ROOT / folder).rglob("*.py"))
    assert [s for s in held if s in used] == []


def test_clip_plan_and_noise_are_seeded() -> None:
    plan = heldout_speech._plan(heldout_speech.sentences())
    assert plan == heldout_speech._plan(heldout_speech.sentences())
    assert sorted(s for group in plan for s in group) == sorted(heldout_speech.sentences())
    assert any(len(group) == 1 and len(group[0].split()) <= 5 for group in plan)   # short clips exist
    pink = heldout_speech.coloured_noise(np.random.default_rng(0), 32000, "pink")
    brown = heldout_speech.coloured_noise(np.random.default_rng(0), 32000, "brown")
    assert np.sqrt(np.mean(pink ** 2)) == pytest.approx(1.0, rel=1e-3)
    low = lambda x: np.abs(np.fft.rfft(x))[:200].sum() / np.abs(np.fft.rfft(x)).sum()   # noqa: E731
    assert low(brown) > low(pink) > low(np.random.default_rng(0).standard_normal(32000))


@pytest.mark.parametrize("engine, voice", sorted({(e, v) for e, v in heldout_speech.VOICES if e != "espeak-ng"})
                         + [("espeak-ng", "en-us+f3")])
def test_each_engine_speaks_at_16_khz(engine: str, voice: str, tmp_path: Path) -> None:
    """Every voice of the corpus is installed (scripts/setup.sh --test) and gives speech, trimmed."""
    assert heldout_speech.missing_tools() == []
    speech = heldout_speech.synthesise(engine, voice, "Please call me back.", tmp_path, 160)
    assert speech.dtype == np.float32 and 0.5 * heldout_speech.RATE < speech.size < 3 * heldout_speech.RATE
    peak = float(np.abs(speech).max())
    assert peak > 0.1 and abs(speech[0]) > 0.02 * peak and abs(speech[-1]) > 0.02 * peak   # trimmed to the speech
