"""Subtitles from the real Whisper tiny.en on espeak speech: cues follow the sentences, words their sounds."""
from __future__ import annotations

import difflib
import io
import statistics

import numpy as np
import pytest
import soundfile as sf
import srt
import webvtt

from models.transcribe.cues import build_cues
from models.transcribe.files import transcribe_file
from models.transcribe.recognizer import SAMPLE_RATE, Recognizer, read_audio
from models.transcribe.transcript import render
from models.transcribe.wer import normalise, word_error_rate
from tests.fixtures.speech_models import make_speech

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SENTENCES = ("The meeting starts at nine tomorrow morning in the main office.",
             "Please bring the report and the budget for next year.",
             "We also need a small plastic snake and a big toy frog for the kids.",
             "The train leaves the station every hour on the hour.",
             "It is raining again, so bring an umbrella with you.",
             "Turn left at the second traffic light and park near the bank.")
PAUSE = 1.5
WORDS = ("please", "call", "stella", "tomorrow", "morning", "about", "the", "budget", "report")


def voiced(audio: np.ndarray) -> np.ndarray:
    """The clip without espeak's leading and trailing silence."""
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return audio[loud[0]:loud[-1] + 1]


@pytest.fixture(scope="module")
def paused_speech(tmp_path_factory):
    """(wav, sentence spans in seconds): the sentences with PAUSE seconds of silence between them."""
    folder = tmp_path_factory.mktemp("paused")
    parts, spans, at = [np.zeros(SAMPLE_RATE // 2, np.float32)], [], 0.5
    for k, sentence in enumerate(SENTENCES):
        speech = voiced(read_audio(make_speech(folder / f"{k}.wav", sentence)))
        spans.append((at, at + speech.size / SAMPLE_RATE))
        parts += [speech, np.zeros(int(PAUSE * SAMPLE_RATE), np.float32)]
        at = spans[-1][1] + PAUSE
    wav = folder / "paused.wav"
    sf.write(wav, np.concatenate(parts), SAMPLE_RATE)
    return wav, spans


def windowed_text(recognizer: Recognizer, audio: np.ndarray) -> str:
    """Plain 30 s windows decoded without timestamps: what the file path must do at least as well as."""
    step = 30 * SAMPLE_RATE
    return " ".join(recognizer.decode(audio[a:a + step]).text for a in range(0, audio.size, step))


def test_cues_follow_sentences_and_pauses(real_whisper, paused_speech):
    wav, spans = paused_speech
    recognizer = Recognizer.load(real_whisper, device="cpu")
    transcript = transcribe_file(recognizer, wav)
    cues = build_cues(transcript.segments)
    parsed = list(srt.parse(render(cues, "srt")))
    captions = webvtt.from_buffer(io.StringIO(render(cues, "vtt"))).captions
    assert len(parsed) == len(captions) == len(cues) >= len(SENTENCES)
    for cue in parsed:
        lines = cue.content.split("\n")
        assert (cue.end - cue.start).total_seconds() <= 7.0 and len(lines) <= 2
        assert all(len(line) <= 42 for line in lines), cue.content
    times = [(c.start.total_seconds(), c.end.total_seconds()) for c in parsed]
    inside = lambda t: any(a <= t <= b for a, b in times)   # noqa: E731
    assert all(inside((a + b) / 2) for a, b in spans), (times, spans)
    pauses = [(spans[k][1] + spans[k + 1][0]) / 2 for k in range(len(spans) - 1)]
    assert sum(not inside(t) for t in pauses) >= 0.9 * len(pauses), (times, spans)
    reference = " ".join(SENTENCES)
    assert word_error_rate(reference, transcript.text) <= word_error_rate(
        reference, windowed_text(recognizer, read_audio(wav))) + 0.02


def test_word_timings_of_separately_spoken_words(real_whisper, tmp_path):
    """Words synthesised one by one, so their true boundaries are known: the median error is at most 0.25 s."""
    rng = np.random.default_rng(0)
    parts, truth, at = [np.zeros(SAMPLE_RATE // 2, np.float32)], [], 0.5
    for k, word in enumerate(WORDS):
        sound = voiced(read_audio(make_speech(tmp_path / f"{k}.wav", word)))
        truth.append((word, at, at + sound.size / SAMPLE_RATE))
        gap = float(rng.uniform(0.05, 0.3))
        parts += [sound, np.zeros(int(gap * SAMPLE_RATE), np.float32)]
        at = truth[-1][2] + gap
    wav = tmp_path / "words.wav"
    sf.write(wav, np.concatenate(parts + [np.zeros(SAMPLE_RATE // 2, np.float32)]), SAMPLE_RATE)
    transcript = transcribe_file(Recognizer.load(real_whisper, device="cpu"), wav)
    found = [(normalise(w.text), w) for s in transcript.segments for w in s.words]
    heard = [" ".join(n) for n, _ in found]
    matcher = difflib.SequenceMatcher(a=[w for w, _, _ in truth], b=heard, autojunk=False)
    errors = []
    for block in matcher.get_matching_blocks():
        for i in range(block.size):
            _, start, end = truth[block.a + i]
            word = found[block.b + i][1]
            errors += [abs(word.start - start), abs(word.end - end)]
    assert len(errors) >= 2 * 0.6 * len(WORDS), (heard, truth)   # most words were recognised
    assert statistics.median(errors) <= 0.25, (errors, found, truth)
