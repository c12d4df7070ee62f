"""The live session on a core of its own, whatever else the machine runs (issue 18).

On a CPU shared with other work, a real-time run through the virtual microphone measures the
load as much as the session. Here the audio arrives on a virtual clock at real speed, in the
session's blocks, and each decode moves that clock on by the CPU time it took (this process's,
every thread: what the session itself spends). Blocks that arrive during a decode wait and are
fed to the recogniser as the session's loop feeds them (``waiting``, not ``caught_up``), so
partials, pause decodes and catching up behave as they would on a dedicated core. With one torch
thread, CPU time is the wall time a free core would take. Decodes listen to the audio that
arrives meanwhile, as in the real session (``listening_while_decoding``), so a pause cuts a
partial short here too.

Used by live_transcribe.py --heldout; alone:
    .venv/bin/python benchmarks/live_simulated.py [--quick] [--threads 1]
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import speech_corpus  # noqa: E402
from models.core.events import Final  # noqa: E402
from models.transcribe.audio import TARGET_RATE  # noqa: E402
from models.transcribe.streaming import StreamConfig, StreamingRecognizer  # noqa: E402

BLOCK = 0.1   # seconds per block, as the microphone delivers them


def p90(values: list[float]) -> float:
    """The 90th percentile (nearest rank); nan for none."""
    ordered = sorted(values)
    return ordered[int(round(0.9 * (len(ordered) - 1)))] if ordered else float("nan")


class LatencyFigures:
    """Median and p90 of a figures class's ``latencies`` (seconds from arrival to final text)."""
    latencies: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p90(self) -> float:
        return p90(self.latencies)


@dataclass
class Simulated(LatencyFigures):
    """The session's figures on the virtual clock."""
    texts: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    missed: int = 0
    cpu_seconds: float = 0.0
    audio_seconds: float = 0.0
    most_behind: float = 0.0     # the most audio (s) ever waiting: what the ring must hold
    merged: int = 0


class _CpuClock:
    """A decoder wrapper that advances the virtual clock by each decode's CPU time (its
    ``step_hooks`` show through, so the session listens during decodes as it does for real)."""

    def __init__(self, inner) -> None:
        self.inner, self.cpu, self.clock = inner, 0.0, 0.0
        self.step_hooks = getattr(inner, "step_hooks", None)
        self._started: Optional[float] = None

    def now(self) -> float:
        """The virtual time, counting the decode in progress."""
        running = time.process_time() - self._started if self._started is not None else 0.0
        return self.clock + running

    def decode(self, samples, **kwargs):
        self._started = time.process_time()
        try:
            return self.inner.decode(samples, **kwargs)
        finally:
            spent = time.process_time() - self._started
            self._started = None
            self.cpu += spent
            self.clock += spent


class _Replay:
    """The session's loop on the virtual clock: blocks arrive at real speed, wait while it decodes."""

    def __init__(self, recognizer, audio: np.ndarray, config: StreamConfig) -> None:
        self.timed = _CpuClock(recognizer)
        self.rec = StreamingRecognizer(self.timed, config=config, clock=self.timed.now)
        self.audio, self.size = audio, int(BLOCK * TARGET_RATE)
        self.count = -(-audio.size // self.size)
        self.next = 0                      # the next block to arrive
        self.waiting: deque[int] = deque()
        self.finals: list[tuple[Final, float]] = []
        self.most_behind = 0.0

    def _arrive(self) -> None:
        now = self.timed.now()
        while self.next < self.count and (self.next + 1) * BLOCK <= now + 1e-9:
            self.waiting.append(self.next)
            self.next += 1
        self.most_behind = max(self.most_behind, len(self.waiting) * BLOCK)

    def _feed(self, caught_up: bool) -> None:
        i = self.waiting.popleft()
        events = self.rec.accept(self.audio[i * self.size:(i + 1) * self.size], arrived=(i + 1) * BLOCK,
                                 caught_up=caught_up and not self.waiting, waiting=len(self.waiting) * BLOCK)
        self.finals += [(e, self.timed.now()) for e in events if isinstance(e, Final)]

    def _listen(self) -> None:
        """Inside a decode, as LiveSession._listen: what arrived meanwhile (may raise Preempted)."""
        self._arrive()
        while self.waiting:
            self._feed(caught_up=False)

    def run(self) -> list[tuple[Final, float]]:
        with self.rec.listening_while_decoding(self._listen):
            while self.next < self.count or self.waiting:
                self._arrive()
                if not self.waiting:
                    self.timed.clock = (self.next + 1) * BLOCK    # idle until the next block
                    continue
                self._feed(caught_up=True)
        self.finals += [(e, self.timed.now()) for e in self.rec.finish() if isinstance(e, Final)]
        return self.finals


def simulate(recognizer, corpus: speech_corpus.Corpus, config: StreamConfig) -> Simulated:
    """Run ``corpus`` through a streaming session on the virtual clock (module docstring)."""
    replay = _Replay(recognizer, corpus.audio, config)
    finals = replay.run()
    out = Simulated(audio_seconds=corpus.audio.size / TARGET_RATE, most_behind=replay.most_behind,
                    cpu_seconds=replay.timed.cpu, merged=replay.rec.merged, texts=[f.text for f, _ in finals])
    for start, end in corpus.spans:
        hits = [when for f, when in finals if f.start < end + 0.3 and f.end > start - 0.3]
        if hits:
            out.latencies.append(max(hits) - math.ceil(end / BLOCK) * BLOCK)
        else:
            out.missed += 1
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the held-out corpus's first 8 clips")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: CPU time is a free core's time)")
    args = parser.parse_args()

    from benchmarks.live_transcribe import heldout_corpus, repeated_sentences, tiny_en
    from models.core import runtime
    from models.transcribe.recognizer import Recognizer
    from models.transcribe.wer import word_error_rate

    runtime.set_threads(args.threads)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        recognizer = Recognizer.load(tiny_en(Path(tmp)), device="cpu")
        corpus = heldout_corpus(8 if args.quick else None)
        recognizer.decode(corpus.audio[:TARGET_RATE])   # warm-up
        sim = simulate(recognizer, corpus, StreamConfig())
    print(f"on a core of its own: WER {word_error_rate(corpus.reference, ' '.join(sim.texts)):.3f}, "
          f"{repeated_sentences(sim.texts)} repeats, latency median {sim.median:.2f} s, p90 {sim.p90:.2f} s, "
          f"CPU {sim.cpu_seconds / sim.audio_seconds:.3f} s per audio s, at most {sim.most_behind:.1f} s behind, "
          f"{sim.merged} pauses merged, {sim.missed} sentences missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
