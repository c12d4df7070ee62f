"""How a recording is cut into decode windows: the reference VAD's chunks joined end to end, and
times mapped back to the recording (files.transcribe_audio over vad_chunks)."""
from __future__ import annotations

import numpy as np
import pytest

from models.core.events import Final, Progress
from models.transcribe.files import transcribe_audio
from models.transcribe.recognizer import SAMPLE_RATE, Decoded, Recognizer
from models.transcribe.transcript import Segment, Word
from models.transcribe.vad_chunks import PAD, SpeechMap, speech_chunks, voice_probabilities

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FRAME = 160   # 10 ms


class ScriptedVad:
    """A voice-activity detector that hears speech exactly where it is told (10 ms frames)."""
    frame_samples = FRAME

    def __init__(self, speech: list[tuple[float, float]], level: float = 1.0) -> None:
        self.speech, self.level, self.at = speech, level, 0

    def __call__(self, frame: np.ndarray) -> float:
        t = self.at / SAMPLE_RATE
        self.at += frame.size
        return self.level if any(a <= t < b for a, b in self.speech) else 0.0


def probabilities(seconds: float, speech: list[tuple[float, float]], level: float = 1.0) -> np.ndarray:
    return voice_probabilities(np.zeros(int(seconds * SAMPLE_RATE), np.float32), ScriptedVad(speech, level))


def seconds(chunks: list[tuple[int, int]]) -> list[float]:
    """The chunks' starts and ends in seconds, in one flat list."""
    return [t / SAMPLE_RATE for chunk in chunks for t in chunk]


def test_chunks_bridge_short_pauses_and_are_padded_like_the_reference():
    total = 40 * SAMPLE_RATE
    # a 1.5 s pause stays inside a chunk; 5 s and 2.6 s of silence end one
    probs = probabilities(40.0, [(1.0, 3.0), (4.5, 6.0), (11.0, 12.0), (14.6, 15.0)])
    chunks = seconds(speech_chunks(probs, FRAME, total))
    assert chunks == pytest.approx([1.0 - PAD, 6.0 + PAD, 11.0 - PAD, 12.0 + PAD, 14.6 - PAD, 15.0 + PAD])
    # a pause shorter than two pads is shared between its neighbours, not padded twice
    near = speech_chunks(probabilities(20.0, [(1.0, 2.0), (2.6, 3.0)]), FRAME, 20 * SAMPLE_RATE, min_silence=0.5)
    assert seconds(near) == pytest.approx([0.6, 2.3, 2.3, 3.4])
    # speech that has not ended by the end of the file runs to its end; nothing heard, no chunk
    assert seconds(speech_chunks(probabilities(5.0, [(1.0, 4.0)]), FRAME, 5 * SAMPLE_RATE)) == pytest.approx([0.6, 5.0])
    assert speech_chunks(probabilities(5.0, []), FRAME, 5 * SAMPLE_RATE) == []
    # hysteresis: 0.4 is under the threshold, so it never starts speech
    assert speech_chunks(probabilities(5.0, [(1.0, 4.0)], level=0.4), FRAME, 5 * SAMPLE_RATE) == []


def test_two_chunks_with_a_long_silence_map_back_to_the_right_times():
    chunks = ((int(1.0 * SAMPLE_RATE), int(3.0 * SAMPLE_RATE)), (int(13.0 * SAMPLE_RATE), int(14.0 * SAMPLE_RATE)))
    speech = SpeechMap(chunks)
    audio = np.arange(20 * SAMPLE_RATE, dtype=np.float32)
    joined = speech.join(audio)
    assert joined.size == 3 * SAMPLE_RATE and joined[0] == SAMPLE_RATE and joined[2 * SAMPLE_RATE] == 13 * SAMPLE_RATE
    assert speech.original(0.5) == pytest.approx(1.5)
    assert speech.original(2.5) == pytest.approx(13.5)
    # a segment that ends where the first chunk ends stays in it; one across the cut spans both
    assert speech.span(1.0, 2.0) == pytest.approx((2.0, 3.0))
    assert speech.span(1.5, 2.5) == pytest.approx((2.5, 13.5))
    # a word is kept inside the chunk its middle lies in
    assert speech.span(1.7, 2.1, one_chunk=True) == pytest.approx((2.7, 3.0))
    assert speech.span(1.95, 2.5, one_chunk=True) == pytest.approx((13.0, 13.5))


class ScriptedWhisper:
    """Stands in for a loaded Whisper: records each window it is given and answers one segment with
    one word per second of the window, so where words land in the recording can be checked."""
    kind = "whisper"

    def __init__(self) -> None:
        self.windows: list[tuple[int, int]] = []   # (audio samples, feature frames)
        self.real = None

    def check_request(self, language=None, task="transcribe"):
        return "en"

    def log_mel(self, audio: np.ndarray) -> np.ndarray:
        return self.real.log_mel(audio)

    def decode(self, audio, features=None, **kwargs) -> Decoded:
        self.windows.append((audio.size, features.shape[-1]))
        length = audio.size / SAMPLE_RATE
        words = tuple(Word(f" w{k}", k + 0.1, k + 0.9) for k in range(int(length)))
        return Decoded(text=" ".join(w.text for w in words), no_speech_prob=0.01, avg_logprob=-0.2,
                       language="en", segments=(Segment(0.0, length, "".join(w.text for w in words), words),),
                       done=length)


@pytest.fixture
def scripted(tiny_whisper_en) -> ScriptedWhisper:
    whisper = ScriptedWhisper()
    whisper.real = Recognizer.load(tiny_whisper_en, device="cpu")   # the app's own log-mel
    return whisper


def test_a_short_clip_is_one_window_with_its_lead_in_and_tail(scripted):
    audio = (np.random.default_rng(0).standard_normal(int(2.5 * SAMPLE_RATE)) * 0.1).astype(np.float32)
    events = []
    transcribe_audio(scripted, audio, vad=ScriptedVad([(0.3, 1.9)]), progress=events.append)
    # the quiet start and end are decoded too: the 0.3 s before speech is within the pad, and
    # 0.6 s of quiet after it does not end the speech
    assert scripted.windows == [(audio.size, audio.size // 160)]
    assert [e.done for e in events if isinstance(e, Progress)][-1] == pytest.approx(2.5)


def test_long_silence_is_not_decoded_and_words_keep_their_recording_times(scripted):
    audio = (np.random.default_rng(1).standard_normal(40 * SAMPLE_RATE) * 0.1).astype(np.float32)
    events = []
    transcript = transcribe_audio(scripted, audio, vad=ScriptedVad([(2.4, 4.6), (30.4, 33.6)]),
                                  progress=events.append)
    # 3 s + 4 s of padded speech joined: one window, the 25 s between never decoded
    assert scripted.windows == [(7 * SAMPLE_RATE, 700)]
    (segment,) = transcript.segments
    spans = [t for w in segment.words for t in (w.start, w.end)]
    # words 0-2 lie in the first chunk (2.0-5.0 s), words 3-6 in the second (30.0-34.0 s)
    assert spans == pytest.approx([2.1, 2.9, 3.1, 3.9, 4.1, 4.9, 30.1, 30.9, 31.1, 31.9, 32.1, 32.9, 33.1, 33.9])
    finals = [e for e in events if isinstance(e, Final)]
    assert [(f.start, f.end) for f in finals] == [(segment.start, segment.end)]
    progress = [e.done for e in events if isinstance(e, Progress)]
    assert progress == sorted(progress) and progress[-1] == pytest.approx(40.0)


def test_speech_longer_than_a_window_is_decoded_in_turn(scripted):
    audio = (np.random.default_rng(2).standard_normal(50 * SAMPLE_RATE) * 0.1).astype(np.float32)
    transcript = transcribe_audio(scripted, audio, vad=ScriptedVad([(0.0, 50.0)]))
    assert scripted.windows == [(30 * SAMPLE_RATE, 3000), (20 * SAMPLE_RATE, 2000)]
    starts = [w.start for s in transcript for w in s.words]
    assert starts[30] == pytest.approx(30.1) and starts[-1] == pytest.approx(49.1)


def test_the_recordings_log_mel_taken_in_blocks_is_the_references_with_30_s_of_silence_after_it(
        tiny_whisper_en):
    rec = Recognizer.load(tiny_whisper_en, device="cpu")
    audio = (np.random.default_rng(3).standard_normal(int(4.3 * SAMPLE_RATE)) * 0.1).astype(np.float32)
    audio[-800:] *= 20   # the loudest sound at the very end sets the scale
    audio[SAMPLE_RATE:2 * SAMPLE_RATE] *= 1e-5   # a near-silent second the scale floors
    padded = audio.size + 30 * SAMPLE_RATE
    reference = rec.processor.feature_extractor(audio, sampling_rate=SAMPLE_RATE, return_tensors="np",
                                                padding="max_length", max_length=padded).input_features
    for block in (60.0, 1.0, 0.37):   # one block, and blocks whose edges fall mid-sound
        mel = rec.log_mel(audio, block=block)
        assert mel.shape[-1] == audio.size // 160
        np.testing.assert_allclose(mel, reference[..., :mel.shape[-1]], atol=1e-5)
