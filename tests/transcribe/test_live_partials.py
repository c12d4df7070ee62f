"""Live partials follow the fallback's rule (issue 18): a greedy partial the fallback would have
decoded again, because the model doubts it, commits nothing; the final decides."""
from __future__ import annotations

from models.core.events import Final
from models.transcribe.recognizer import Decoded
from models.transcribe.streaming import LivePartial, StreamConfig, StreamingRecognizer
from tests.fixtures.audio_env import RATE, FakeDecoder, utterances

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


class DoubtfulPartials(FakeDecoder):
    """Greedy partials come back with a mean log-probability under -1 (and a wrong word); decodes
    with the fallback are right and sure."""

    def decode(self, audio, fallback: bool = True, **kwargs):
        result = super().decode(audio, fallback=fallback, **kwargs)
        if fallback:
            return result
        return Decoded(text=result.text + " wrong", no_speech_prob=0.01, avg_logprob=-1.4)


def run(decoder: FakeDecoder) -> list:
    rec = StreamingRecognizer(decoder, StreamConfig(vad="energy", pause=0.3))   # the gaps between words are no pause
    audio, step, events = utterances([WORDS], pause=1.0), int(0.05 * RATE), []
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
