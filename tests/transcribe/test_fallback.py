"""The reference's safeguards (issue 18): temperature fallback, the token budget, a warning for a
window given up, no empty text for clear speech, and no repeated sentence in live commits.

The looping models are tiny Whispers rewired to say "hi you." over and over whatever they hear
(tests/fixtures/speech_models.build_looping_whisper), saved and loaded through the store.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from models.core.events import Final, Log
from models.transcribe import decoding
from models.transcribe.files import transcribe_file
from models.transcribe.recognizer import Recognizer
from models.transcribe.streaming import StreamConfig, StreamingRecognizer
from models.transcribe.wer import word_error_rate
from tests.fixtures.audio_env import utterances
from tests.fixtures.speech_models import make_speech

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def noise(seconds: float, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(int(seconds * 16000)) * 0.1).astype(np.float32)


def sentences(text: str) -> list[str]:
    return [s.strip().lower() for s in re.findall(r"[^.!?]+[.!?]", text)]


def test_a_window_that_loops_at_temperature_0_falls_back_and_keeps_its_text(looping_whisper) -> None:
    rec = Recognizer.load(looping_whisper, device="cpu")
    clip = noise(2.0)
    greedy = rec.decode(clip, fallback=False)
    budget = decoding.token_budget(2.0, 224)
    assert len(greedy.tokens) == budget and greedy.gave_up and greedy.text == ""   # it loops at T=0
    out = rec.decode(clip)
    assert out.temperature > 0 and not out.gave_up
    assert out.text.startswith("hi you") and len(out.tokens) < budget             # it ended this time
    assert out.avg_logprob >= decoding.LOGPROB_THRESHOLD
    assert rec.decode(clip).tokens == out.tokens                                    # seeded: it repeats
    timed = rec.decode(clip, timestamps=True)                                       # the files' mode too
    assert timed.temperature > 0 and timed.segments and timed.segments[0].text.startswith("hi you")


def test_the_token_budget_caps_a_loop_on_a_short_clip(stuck_whisper) -> None:
    rec = Recognizer.load(stuck_whisper, device="cpu")
    lengths = [len(rec.decode(noise(seconds), fallback=False).tokens) for seconds in (1.0, 2.0, 4.0)]
    assert lengths == [decoding.token_budget(s, 224) for s in (1.0, 2.0, 4.0)]
    assert lengths[0] < lengths[1] < lengths[2] <= 64 < rec.specials.max_tokens // 2   # far from the 224 limit


def test_a_window_that_loops_at_every_temperature_is_dropped_with_a_warning_naming_its_time_range(
        stuck_whisper, espeak_wav) -> None:
    path, _sentence = espeak_wav
    events: list = []
    transcript = transcribe_file(stuck_whisper, path, device="cpu", progress=events.append)
    assert transcript.segments == []
    warnings = [e for e in events if isinstance(e, Log) and e.level == "warning"]
    assert warnings, "a window given up must be said"
    found = re.search(r"(\d+):(\d+\.\d)-(\d+):(\d+\.\d)", warnings[0].message)
    assert found and "repeated itself at every temperature" in warnings[0].message
    start = int(found[1]) * 60 + float(found[2])
    end = int(found[3]) * 60 + float(found[4])
    from models.transcribe.recognizer import read_audio

    assert 0.0 <= start < end <= read_audio(path).size / 16000 + 0.05


@pytest.mark.parametrize("text", ["The birch canoe slid on the smooth planks.",
                                  "Glue the sheet to the dark blue background.",
                                  "The hogs were fed chopped corn and garbage."])
def test_clear_speech_never_yields_empty_text(real_whisper, tmp_path, text) -> None:
    clip = make_speech(tmp_path / "clip.wav", text)
    transcript = transcribe_file(real_whisper, clip, device="cpu")
    heard = " ".join(s.text for s in transcript.segments)
    assert heard.strip(), f"no text for {text!r}"
    assert word_error_rate(text, heard) <= 0.5, heard


def test_a_live_session_with_a_looping_model_commits_no_repeated_sentence(looping_whisper) -> None:
    rec = Recognizer.load(looping_whisper, device="cpu")
    assert len(sentences(rec.decode(noise(2.0)).text)) > 1   # the model itself repeats its sentence
    stream = StreamingRecognizer(rec, config=StreamConfig(vad="energy", partial_every=0.5))
    audio = utterances([["alpha", "bravo", "charlie", "delta", "echo"], ["golf", "hotel", "india"]])
    events: list = []
    step = 800
    for start in range(0, audio.size, step):
        events += stream.accept(audio[start:start + step])
    events += stream.finish()
    finals = [e for e in events if isinstance(e, Final)]
    assert finals, "the looping model's text is committed once, not dropped"
    for final in finals:
        said = sentences(final.text)
        assert said and len(said) == len(set(said)), final.text


def test_the_repeat_guard_keeps_committed_words_and_real_speech() -> None:
    loop = "The hogs were fed chopped corn and garbage. " * 5 + "The hogs were"
    assert decoding.without_repeats(loop.split()) == "The hogs were fed chopped corn and garbage.".split()
    run = "the birch can use laid on the the birch can use laid on the smooth planks".split()
    assert decoding.without_repeats(run) == "the birch can use laid on the smooth planks".split()
    assert decoding.without_repeats("hi you. hi you. hi you.".split(), keep=3) == ["hi", "you.", "hi"]
    speech = "no no no I said no. I think so. I think we should go.".split()
    assert decoding.without_repeats(speech) == speech
