"""The streaming contract with tone "words" and a fake decoder: partials first, committed text
never rewritten, silence gives nothing, overflow is reported and the session goes on."""
from __future__ import annotations

import numpy as np
import pytest

from models.transcribe.audio import ArraySource
from models.transcribe.vad import EnergyVad
from models.core.events import Data, Final, Log, Metric
from models.transcribe.streaming import LivePartial, StreamConfig, StreamingRecognizer
from tests.fixtures.audio_env import RATE, FakeDecoder, silence, tone_words, utterances
from models.transcribe.live import LiveSession

SENTENCES = [["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"],
             ["golf", "hotel", "india", "juliet"],
             ["echo", "delta", "charlie", "bravo", "alpha"]]


def energy_config(**changes) -> StreamConfig:
    return StreamConfig(vad="energy", **changes)


def feed(rec: StreamingRecognizer, audio: np.ndarray, block: float = 0.05) -> list:
    """Feed like a live device: small blocks, each time caught up."""
    events, step = [], int(block * RATE)
    for start in range(0, audio.size, step):
        events += rec.accept(audio[start:start + step])
    return events + rec.finish()


def split_by_utterance(events: list) -> list[tuple[list[LivePartial], Final]]:
    """(the partials of each utterance, its final)."""
    out, partials = [], []
    for ev in events:
        if isinstance(ev, LivePartial):
            partials.append(ev)
        elif isinstance(ev, Final):
            out.append((partials, ev))
            partials = []
    assert not partials, "partials after the last final"
    return out


@pytest.mark.parametrize("unstable", [False, True])
def test_partials_come_first_and_committed_text_is_never_rewritten(unstable: bool) -> None:
    decoder = FakeDecoder(unstable=unstable)
    rec = StreamingRecognizer(decoder, config=energy_config(partial_every=0.5))
    events = feed(rec, utterances(SENTENCES))

    spans = split_by_utterance(events)
    assert len(spans) == len(SENTENCES)
    for (partials, final), words in zip(spans, SENTENCES):
        assert partials, "a partial must come before the final of a 2 s utterance"
        committed = [p.committed.split() for p in partials]
        for earlier, later in zip(committed, committed[1:]):
            assert later[:len(earlier)] == earlier          # commits only grow
        assert final.text.split()[:len(committed[-1])] == committed[-1]
        assert any(committed), "LocalAgreement should commit the stable prefix before the end"
        spoken = final.text.split()
        assert spoken[:len(words)] == words
        if unstable:
            assert all("um" not in c and "uh" not in c for c in committed)   # a flickering word is never committed
        else:
            assert spoken == words
    finals = [f for _, f in spans]
    assert all(a.end < b.start for a, b in zip(finals, finals[1:]))
    assert rec.segments == finals


def test_final_times_follow_the_audio() -> None:
    audio = np.concatenate([silence(2.0), tone_words(["alpha", "bravo", "charlie"]), silence(1.0)])
    events = feed(StreamingRecognizer(FakeDecoder(), config=energy_config()), audio)
    (final,) = [e for e in events if isinstance(e, Final)]
    speech_seconds = 3 * 0.35 - 0.1
    assert final.start == pytest.approx(2.0, abs=0.05)
    assert final.end == pytest.approx(2.0 + speech_seconds, abs=0.06)


def test_silence_and_steady_noise_produce_no_text_and_no_decode_with_the_energy_vad() -> None:
    decoder = FakeDecoder(always="thank you")   # the hallucination a model says over silence
    # (a sudden loud noise looks like speech to an energy detector: silero handles that, below)
    quiet = np.concatenate([silence(9.0, noise_db=-40, seed=1), silence(3.0)])
    quiet[int(5 * RATE):int(9 * RATE)] *= 1.4     # 3 dB louder: the floor follows
    events = feed(StreamingRecognizer(decoder, config=StreamConfig(vad="energy")), quiet)
    assert events == []
    assert decoder.calls == []


def test_silence_and_sudden_noise_produce_no_text_and_no_decode_with_silero() -> None:
    decoder = FakeDecoder(always="thank you")
    quiet = np.concatenate([silence(3.0), silence(4.0, noise_db=-45, seed=1), silence(3.0, noise_db=-25, seed=2)])
    events = feed(StreamingRecognizer(decoder, config=StreamConfig(vad="silero")), quiet)
    assert events == []
    assert decoder.calls == []


def test_no_speech_probability_gates_hallucinated_text() -> None:
    decoder = FakeDecoder(no_speech=0.95)   # the model is sure nothing was said
    events = feed(StreamingRecognizer(decoder, config=energy_config()), utterances(SENTENCES[:1]))
    assert decoder.calls, "the VAD heard something, so the model was asked"
    assert not [e for e in events if isinstance(e, (Final, LivePartial))]


def test_a_click_is_not_an_utterance() -> None:
    click = np.concatenate([silence(1.0), tone_words(["alpha"])[:int(0.1 * RATE)], silence(1.0)])
    decoder = FakeDecoder()
    assert feed(StreamingRecognizer(decoder, config=energy_config()), click) == []
    assert decoder.calls == []


def test_long_speech_is_cut_at_a_pause_without_losing_words() -> None:
    words = [w for _ in range(4) for w in SENTENCES[0] + SENTENCES[1]]   # 40 words, 14 s without a pause
    rec = StreamingRecognizer(FakeDecoder(), config=energy_config(max_utterance=5.0))
    finals = [e for e in feed(rec, np.concatenate([silence(0.5), tone_words(words), silence(1.0)]))
              if isinstance(e, Final)]
    assert len(finals) >= 3
    assert all(f.end - f.start <= 5.0 for f in finals)
    assert " ".join(f.text for f in finals).split() == words


def test_audio_lost_in_a_gap_closes_the_utterance_before_it() -> None:
    rec = StreamingRecognizer(FakeDecoder(), config=energy_config())
    first = np.concatenate([silence(0.5), tone_words(["alpha", "bravo", "charlie"])])
    events = rec.accept(first)
    events += rec.accept(tone_words(["delta", "echo"]), start=first.size + 5 * RATE)
    events += rec.accept(silence(1.0)) + rec.finish()
    finals = [e for e in events if isinstance(e, Final)]
    assert [f.text for f in finals] == ["alpha bravo charlie", "delta echo"]
    assert finals[1].start == pytest.approx(first.size / RATE + 5, abs=0.05)


def test_latency_is_measured_from_the_arrival_of_the_last_speech() -> None:
    clock = {"now": 100.0}
    rec = StreamingRecognizer(FakeDecoder(), config=energy_config(), clock=lambda: clock["now"])
    audio = np.concatenate([silence(0.5), tone_words(["alpha", "bravo"]), silence(1.0)])
    events = []
    step = int(0.05 * RATE)
    for i, start in enumerate(range(0, audio.size, step)):
        clock["now"] = 100.0 + (start + step) / RATE    # blocks arrive in real time
        events += rec.accept(audio[start:start + step], arrived=clock["now"])
    (metric,) = [e for e in events if isinstance(e, Metric)]
    assert metric.name == "latency"
    # the final came once end_silence had passed after the last tone (within one 50 ms block)
    assert rec.config.end_silence - 1e-9 <= metric.value <= rec.config.end_silence + 0.1


class Arrivals:
    """Audio arriving block by block: the loop takes blocks, and so does a decode in progress
    (through ``listen``), as in a live session; each listen brings one 32 ms block."""

    def __init__(self, rec: StreamingRecognizer, audio: np.ndarray, block: int = 512) -> None:
        self.rec, self.events = rec, []
        self.blocks = [audio[i:i + block] for i in range(0, audio.size, block)]

    def listen(self) -> None:
        if self.blocks:
            self.events += self.rec.accept(self.blocks.pop(0), caught_up=False)

    def run(self) -> list:
        with self.rec.listening_while_decoding(self.listen):
            while self.blocks:
                self.events += self.rec.accept(self.blocks.pop(0))
        return self.events + self.rec.finish()


def test_a_pause_interrupts_a_partial_decode_and_speech_interrupts_a_pause_decode() -> None:
    first, second = SENTENCES[0], ["golf", "hotel", "india"]
    speech = np.concatenate([silence(0.5), tone_words(first), silence(0.15), tone_words(second), silence(1.5)])
    decoder = FakeDecoder(steps=40)    # a decode lasts 40 blocks of arriving audio (1.3 s)
    rec = StreamingRecognizer(decoder, config=energy_config(pause=0.15, tail=0.15))
    events = Arrivals(rec, speech).run()

    assert rec.preemptions >= 2        # a partial cut by the pause, then that pause decode by speech
    assert len(decoder.calls) > len(decoder.finished)
    (final,) = [e for e in events if isinstance(e, Final)]
    assert final.text.split() == first + second
    covered = decoder.finished[-1] / RATE        # the final text came from a decode of all the speech
    assert covered >= final.end - final.start
    partials = [e.committed.split() for e in events if isinstance(e, LivePartial)]
    assert all(b[:len(a)] == a for a, b in zip(partials, partials[1:]))


def test_live_session_replays_in_real_time_with_partials() -> None:
    audio = utterances(SENTENCES[:2], pause=0.8)
    decoder = FakeDecoder(delay=0.05)
    events: list = []
    session = LiveSession(ArraySource(audio, RATE, speed=2.0), StreamingRecognizer(decoder, energy_config()),
                          progress=events.append)
    result = session.run()
    assert result.error is None and result.overflows == 0
    assert [s.text for s in result.segments] == [" ".join(w) for w in SENTENCES[:2]]
    assert isinstance(events[0], Log) and events[0].message == "listening on array"
    kinds = [type(e) for e in events if isinstance(e, (LivePartial, Final))]
    assert kinds.index(LivePartial) < kinds.index(Final)
    levels = [e for e in events if isinstance(e, Data) and e.kind == "level"]
    assert levels and max(e.payload["db"] for e in levels) > -20 > min(e.payload["db"] for e in levels)
    assert result.audio_seconds == pytest.approx(audio.size / RATE, abs=0.05)


def test_overflow_is_reported_and_the_session_keeps_going() -> None:
    # a decoder 10x slower than the replay: the 1 s ring must overflow
    sentences = SENTENCES * 3
    audio = utterances(sentences, pause=0.6)
    events: list = []
    session = LiveSession(ArraySource(audio, RATE, speed=8.0, block_seconds=0.02),
                          StreamingRecognizer(FakeDecoder(delay=0.4), energy_config()),
                          progress=events.append, ring_seconds=1.0)
    result = session.run()
    assert result.overflows > 0 and result.dropped_seconds > 0
    warnings = [e for e in events if isinstance(e, Log) and e.level == "warning"]
    assert warnings and "fell behind" in warnings[0].message
    assert any(isinstance(e, Data) and e.kind == "overflow" for e in events)
    assert result.segments, "text kept coming after the overflow"
    assert all(a.end <= b.start for a, b in zip(result.segments, result.segments[1:]))
    assert result.segments[-1].end > (audio.size / RATE) * 0.7     # the timeline kept real time
    assert result.error is None


def test_cancel_stops_promptly_and_keeps_the_utterance_in_progress() -> None:
    from models.core.events import CancelToken

    token = CancelToken()
    audio = np.concatenate([silence(0.3), tone_words(SENTENCES[0] * 5)])   # 10 s of speech

    def progress(event) -> None:
        if isinstance(event, LivePartial) and len(event.committed.split()) >= 3:
            token.cancel()

    session = LiveSession(ArraySource(audio, RATE, speed=4.0), StreamingRecognizer(FakeDecoder(), energy_config()),
                          progress=progress, cancel=token)
    result = session.run()
    assert token.cancelled
    assert len(result.segments) == 1
    assert result.segments[0].text.split()[:3] == SENTENCES[0][:3]
    assert result.audio_seconds < audio.size / RATE / 2


class StalledSource(ArraySource):
    """A device that stops delivering without saying so."""

    def read(self, timeout: float = 0.1):
        if self._sent >= self.audio.size // 2:
            self._stop.wait(timeout)
            return None
        return super().read(timeout)

    @property
    def ended(self) -> bool:
        return False


def test_a_stalled_device_ends_the_session_with_a_message_and_the_transcript() -> None:
    audio = np.concatenate([utterances(SENTENCES[:1]), silence(2.0)])
    session = LiveSession(StalledSource(audio, RATE, speed=4.0), StreamingRecognizer(FakeDecoder(), energy_config()),
                          stall_seconds=0.5)
    result = session.run()
    assert result.error == "The input device 'array' stopped delivering audio (was it unplugged?)."
    assert [s.text for s in result.segments] == [" ".join(SENTENCES[0])]


def test_energy_vad_learns_the_noise_floor() -> None:
    vad = EnergyVad()
    noise = silence(3.0, noise_db=-35, seed=3)
    frames = noise[:noise.size - noise.size % 480].reshape(-1, 480)
    scores = [vad(f) for f in frames]
    assert sum(scores[-50:]) == 0            # steady noise is not speech once learned
    loud = tone_words(["alpha"], amplitude=0.3)[:480]
    assert vad(loud) == 1.0


@pytest.mark.parametrize("model, language, task", [("tiny_ctc", None, "transcribe"),
                                                    ("tiny_whisper", "de", "translate")])
def test_live_runs_ctc_and_multilingual_whisper_models(request, model, language, task, espeak_wav) -> None:
    from models.transcribe.recognizer import read_audio
    from models.transcribe.live import run_live

    speech = np.concatenate([silence(0.5), read_audio(espeak_wav[0]), silence(1.0)])
    result = run_live(str(request.getfixturevalue(model)), source=ArraySource(speech, RATE, speed=None),
                      language=language, task=task, autosave=False)
    assert result.error is None and result.decodes >= 1      # random weights: the words are noise
    assert result.audio_seconds == pytest.approx(speech.size / RATE, abs=0.05)


def test_live_refuses_what_an_english_only_model_cannot_do(tiny_whisper_en) -> None:
    from models.core.events import ModelDeskError
    from models.transcribe.live import run_live

    with pytest.raises(ModelDeskError, match="English-only model: it cannot translate"):
        run_live(str(tiny_whisper_en), source=ArraySource(silence(1.0), RATE), task="translate", autosave=False)
