"""A live session that falls behind the audio (issue 18): it drops partials, not audio, and
decodes the sentences that wait together until it has caught up."""
from __future__ import annotations

import threading

import numpy as np

from models.core.events import Final, Log
from models.transcribe.audio import ArraySource
from models.transcribe.live import LiveSession
from models.transcribe.streaming import LivePartial, StreamConfig, StreamingRecognizer
from tests.fixtures.audio_env import RATE, TONE_WORDS, FakeDecoder, utterances

SENTENCES = [["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"],
             ["golf", "hotel", "india", "juliet"],
             ["echo", "delta", "charlie", "bravo", "alpha"]]
#: sixteen different five-word sentences, as a speaker says them (the repeat guard would take out a
#: sentence said twice in one utterance, which a real speaker does not do)
MANY = [[str(w) for w in row] for row in
        (np.random.default_rng(1 + k).permutation(list(TONE_WORDS.values()))[:5] for k in range(16))]


def fed(audio: np.ndarray, waiting: float, **config) -> tuple[StreamingRecognizer, FakeDecoder, list]:
    """Feed ``audio`` in 50 ms blocks as the session does, each with ``waiting`` seconds queued behind it."""
    decoder = FakeDecoder()
    rec = StreamingRecognizer(decoder, StreamConfig(vad="energy", **config))
    events, step = [], int(0.05 * RATE)
    for start in range(0, audio.size, step):
        events += rec.accept(audio[start:start + step], caught_up=waiting == 0, waiting=waiting)
    return rec, decoder, events + rec.finish()


def test_behind_the_audio_the_waiting_sentences_are_decoded_together() -> None:
    audio = utterances(SENTENCES, pause=0.8)

    rec, decoder, events = fed(audio, waiting=0.0)
    assert [e.text for e in events if isinstance(e, Final)] == [" ".join(w) for w in SENTENCES]
    assert rec.merged == 0 and any(isinstance(e, LivePartial) for e in events)

    rec, decoder, events = fed(audio, waiting=12.0)
    finals = [e for e in events if isinstance(e, Final)]
    assert [f.text.split() for f in finals] == [sum(SENTENCES, [])]   # every word, one decode
    assert len(decoder.calls) == 1 and not any(isinstance(e, LivePartial) for e in events)
    assert rec.merged == 3              # the pause after each sentence did not end the utterance
    (note,) = [e for e in events if isinstance(e, Log)]
    assert note.level == "warning" and note.message.startswith("Recognition is 12 s behind the audio")
    assert finals[0].start < 0.6 and finals[0].end > audio.size / RATE - 1.0


def test_a_merged_utterance_ends_at_the_first_pause_past_the_catch_up_window() -> None:
    audio = utterances(MANY[:9], pause=0.8)     # about 24 s
    rec, decoder, events = fed(audio, waiting=12.0, catch_up_window=6.0)
    finals = [e for e in events if isinstance(e, Final)]
    assert " ".join(f.text for f in finals).split() == sum(MANY[:9], [])
    assert 3 <= len(finals) < 9 and len(decoder.calls) == len(finals)
    longest_sentence = 5 * 0.35 + 0.8
    assert all(f.end - f.start <= 6.0 + longest_sentence for f in finals)
    assert all(a.end <= b.start for a, b in zip(finals, finals[1:]))


class FirstDecodeWaits(FakeDecoder):
    """A decoder whose first decode lasts until the whole recording has reached the ring: the
    session ends up far behind, as on a CPU shared with other work."""

    def __init__(self, delivered: threading.Event) -> None:
        super().__init__()
        self.delivered = delivered

    def decode(self, audio, **kwargs):
        if not self.calls:
            assert self.delivered.wait(30), "the source never finished"
        return super().decode(audio, **kwargs)


class CountingSource(ArraySource):
    """A device (a paced replay, so ``live``) that says when it has delivered everything."""

    def __init__(self, audio: np.ndarray) -> None:
        super().__init__(audio, RATE, speed=200.0)
        self.delivered = threading.Event()

    def read(self, timeout: float = 0.1):
        block = super().read(timeout)
        if self._done:
            self.delivered.set()
        return block


def test_a_session_far_behind_loses_no_audio_and_catches_up() -> None:
    audio = utterances(MANY, pause=0.8)     # 41 s: over twice the 20 s ring that used to drop it
    source = CountingSource(audio)
    decoder = FirstDecodeWaits(source.delivered)
    rec = StreamingRecognizer(decoder, StreamConfig(vad="energy"))
    result = LiveSession(source, rec).run()

    assert result.error is None
    assert result.overflows == 0 and result.dropped_seconds == 0
    assert " ".join(s.text for s in result.segments).split() == sum(MANY, [])
    assert rec.merged > 0 and len(result.segments) < len(MANY)  # the backlog went in fewer, longer decodes
    assert result.audio_seconds == audio.size / RATE



class DeviceRunningOn(CountingSource):
    """A device whose stream runs on after the session's duration: its callback drops (and counts)
    every block nobody reads any more, as MicrophoneSource does into a full queue."""

    def __init__(self, audio: np.ndarray, duration: float) -> None:
        super().__init__(audio)
        self.limit = int(duration * RATE)
        self.reached = threading.Event()

    def read(self, timeout: float = 0.1):
        block = super().read(timeout)
        if self._sent >= self.limit:
            self.reached.set()
        return block

    def unread_block(self) -> None:
        if self.reached.is_set():
            self.overflows += 1
            self.dropped_seconds += 0.5


class DecodesAfterTheEnd(FakeDecoder):
    """Every decode waits until the session has stopped reading the device, which then drops a block."""

    def __init__(self, source: DeviceRunningOn) -> None:
        super().__init__()
        self.source = source

    def decode(self, audio, **kwargs):
        assert self.source.reached.wait(30), "the duration was never reached"
        for capture in [t for t in threading.enumerate() if t.name == "modeldesk-capture"]:
            capture.join(30)   # the session has stopped reading the device
        self.source.unread_block()
        return super().decode(audio, **kwargs)


def test_audio_the_device_drops_after_the_duration_is_not_skipped_audio() -> None:
    audio = utterances(MANY[:4], pause=0.8)
    source = DeviceRunningOn(audio, duration=audio.size / RATE - 0.5)
    decoder = DecodesAfterTheEnd(source)
    result = LiveSession(source, StreamingRecognizer(decoder, StreamConfig(vad="energy")),
                         duration=audio.size / RATE - 0.5).run()
    assert source.overflows > 0 and decoder.calls      # the device did drop blocks, after the end
    assert result.overflows == 0 and result.dropped_seconds == 0
    assert " ".join(s.text for s in result.segments).split() == sum(MANY[:4], [])
