"""Live decodes (issue 18): a greedy partial the fallback would have decoded again, because the
model doubts it, commits nothing (the final decides); the encoder input fits the utterance."""
from __future__ import annotations

import numpy as np

from models.core.events import Final
from models.transcribe.recognizer import Decoded
from models.transcribe.streaming import LivePartial, StreamConfig, StreamingRecognizer, encoder_input
from tests.fixtures.audio_env import RATE, TONE_WORDS, FakeDecoder, utterances

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


class DoubtfulPartials(FakeDecoder):
    """Greedy partials come back with a mean log-probability under -1 (and a wrong word); decodes
    with the fallback are right and sure."""

    def decode(self, audio, fallback: bool = True, **kwargs):
        result = super().decode(audio, fallback=fallback, **kwargs)
        if fallback:
            return result
        return Decoded(text=result.text + " wrong", no_speech_prob=0.01, avg_logprob=-1.4)


def run(decoder: FakeDecoder, words: list[str] = WORDS, **config) -> list:
    rec = StreamingRecognizer(decoder, StreamConfig(vad="energy", pause=0.3, **config))   # gaps between words: no pause
    audio, step, events = utterances([words], pause=1.0), int(0.05 * RATE), []
    for start in range(0, audio.size, step):
        events += rec.accept(audio[start:start + step])
    return events + rec.finish()


def test_a_doubtful_partial_commits_nothing_and_the_final_decides() -> None:
    sure = run(FakeDecoder())
    assert any(isinstance(e, LivePartial) and e.committed for e in sure)   # sure partials do commit

    decoder = DoubtfulPartials()
    events = run(decoder)
    assert len(decoder.calls) >= 3                                    # partials ran before the final
    shown = [f"{e.committed} | {e.text}" for e in events if isinstance(e, LivePartial)]
    assert not any("wrong" in text for text in shown), shown   # none of the doubtful words was shown
    assert [e.text for e in events if isinstance(e, Final)] == [" ".join(WORDS)]


def test_the_encoder_input_fits_the_utterance() -> None:
    assert encoder_input(2.5, StreamConfig()) == 10.0                 # at least 10 s
    assert encoder_input(12.2, StreamConfig()) == 14.0                # a second more, whole seconds
    assert encoder_input(29.5, StreamConfig()) == 30.0                # at most 30 s
    assert encoder_input(2.5, StreamConfig(window_floor=30.0)) == 30.0

    long = [str(w) for k in range(4) for w in np.random.default_rng(k).permutation(list(TONE_WORDS.values()))]
    decoder = FakeDecoder()
    events = run(decoder, long)                                        # one 14 s sentence
    assert [e.text for e in events if isinstance(e, Final)] == [" ".join(long)]
    final_seconds = decoder.calls[-1] / RATE
    assert final_seconds > 13 and decoder.windows[-1] == encoder_input(final_seconds, StreamConfig())
    assert decoder.windows[0] == 10.0 and decoder.windows == sorted(decoder.windows)

    decoder = FakeDecoder()
    run(decoder, window_floor=30.0)
    assert set(decoder.windows) == {30.0}
