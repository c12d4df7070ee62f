"""A live transcription session: one capture thread, one recogniser loop.

The capture thread only moves blocks from the source into a bounded ring buffer and reports
the level (so the meter keeps moving while a decode runs); the recogniser loop, in the
calling thread (a Worker's QThread or the CLI's main thread), resamples, runs the streaming
recogniser, autosaves committed text and emits events. Decodes stay on that one thread (on a
shared two-core CPU a second decoding thread only made every decode slower); torch uses the
process's thread count (benchmarks/live_transcribe.py on two cores: median latency 0.58 s with
two torch threads, 0.80 s with one). While a partial decode runs the loop keeps taking audio
from the ring (``_listen``) so a pause can interrupt it. No Qt here: the CLI uses it too.

Falling behind loses no audio: the loop tells the recogniser how much audio waits behind each
block; partials wait until it has caught up, and past a few seconds behind the waiting sentences
are decoded together (streaming.py), several times cheaper, so the session catches up. The ring
holds a minute; only a session that stays a minute behind loses its oldest audio (and says so).

Stopping: the cancel token is checked between decodes; the source is stopped, the capture
thread is joined with a timeout (it never waits on anything unbounded), and the utterance in
progress is finalised. A device that disappears ends the session with ``error`` set and the
transcript intact.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from models.transcribe import audio, buffers
from models.transcribe.autosave import Autosave
from models.core.events import CancelToken, Data, Event, Final, Log, Metric, ModelDeskError, ProgressFn, emit
from models.transcribe.streaming import StreamConfig, StreamingRecognizer
from models.transcribe.transcript import Segment

LEVEL_INTERVAL = 0.05     # seconds between level-meter updates
WAVE_STEP = 0.01          # one waveform point per 10 ms


@dataclass
class LiveResult:
    """What a session produced; ``error`` says why it ended early (None: stopped or finished)."""
    segments: list[Segment]
    device: str
    session_file: Optional[Path] = None
    audio_seconds: float = 0.0
    overflows: int = 0
    dropped_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    decodes: int = 0
    error: Optional[str] = None


class LiveSession:
    """Runs ``source`` through ``recognizer`` until the source ends, ``duration`` passes or cancel."""

    def __init__(self, source: audio.AudioSource, recognizer: StreamingRecognizer, progress: ProgressFn = None,
                 cancel: Optional[CancelToken] = None, autosave: Optional[Autosave] = None,
                 duration: Optional[float] = None, ring_seconds: float = 60.0,
                 stall_seconds: float = 5.0) -> None:
        self.source = source
        self.recognizer = recognizer
        self.progress = progress
        self.cancel = cancel or CancelToken()
        self.autosave = autosave
        self.duration = duration
        self.ring_seconds = ring_seconds
        self.stall_seconds = stall_seconds
        self.ring: Optional[buffers.RingBuffer] = None
        self.error: Optional[str] = None
        self._stop = threading.Event()
        self._backlog: deque = deque()          # blocks taken from the ring, not yet recognised
        self._queued = 0                        # samples in the backlog
        self._expected = 0                      # ring index of the next contiguous block
        self._resampler: Optional[buffers.StreamResampler] = None
        self._latencies: list[float] = []
        self._source_losses: Optional[tuple[int, float]] = None   # the source's (overflows, seconds) when capture ended

    # --- the capture thread ---------------------------------------------------------
    def _capture(self, ring: buffers.RingBuffer) -> None:
        source, rate = self.source, self.source.sample_rate
        limit = int(self.duration * rate) if self.duration else None
        last_audio = time.monotonic()
        meter = _LevelMeter(rate, self.progress)
        try:
            while not self._stop.is_set():
                block = source.read(0.1)
                if block is None:
                    if source.ended:
                        self.error = self.error or source.error
                        return
                    if source.live and time.monotonic() - last_audio > self.stall_seconds:
                        self.error = audio.device_lost(source.name)
                        return
                    continue
                last_audio = time.monotonic()
                if limit is not None and ring.written + block.samples.size >= limit:
                    block = audio.Block(block.samples[:max(0, limit - ring.written)], block.arrived)
                    self._stop.set()
                meter.add(block.samples)
                while not ring.write(block, drop_oldest=source.live) and not self._stop.is_set():
                    pass   # a replay waits for the recogniser; a device never waits
        except Exception as exc:  # the session must end cleanly whatever the source did
            self.error = f"Audio capture failed: {exc}"
        finally:
            # what the device drops after this (its stream runs until the last decode ends) was never the session's
            self._source_losses = (source.overflows, source.dropped_seconds)
            ring.close()

    # --- the recogniser loop ------------------------------------------------------------
    def run(self) -> LiveResult:
        source, rec = self.source, self.recognizer
        source.start()
        ring = self.ring = buffers.RingBuffer(int(self.ring_seconds * source.sample_rate))
        self._resampler = buffers.StreamResampler(source.sample_rate)
        emit(self.progress, Log(f"listening on {source.name}"))
        capture = threading.Thread(target=self._capture, args=(ring,), name="modeldesk-capture", daemon=True)
        capture.start()
        reported = 0
        try:
            with rec.listening_while_decoding(self._listen):
                while not self.cancel.cancelled:
                    self._queue(ring.read(0.1))
                    if not self._backlog:
                        if ring.closed:
                            break
                        continue
                    while self._backlog and not self.cancel.cancelled:
                        start, block = self._next_block()
                        caught_up = source.live and not self._backlog
                        self._send(self._feed(start, block, caught_up))
                    reported = self._report_overflow(reported)
        finally:
            self._stop.set()
            source.stop()
            capture.join(timeout=2.0)
            ring.close()
        self._send(rec.accept(self._resampler.flush()))
        self._send(rec.finish())
        self._report_overflow(reported)
        if self.error:
            where = f" in {self.autosave.path}" if self.autosave and rec.segments else ""
            emit(self.progress, Log(f"{self.error} The transcript so far is kept{where}.", level="error"))
        return LiveResult(segments=[Segment(f.start, f.end, f.text) for f in rec.segments], device=source.name,
                          session_file=self.autosave.path if self.autosave and rec.segments else None,
                          audio_seconds=rec.index / audio.TARGET_RATE, overflows=self._overflows(),
                          dropped_seconds=self._dropped(), latencies=list(self._latencies),
                          decodes=rec.decodes, error=self.error)

    def _feed(self, start: int, block: audio.Block, caught_up: bool) -> list[Event]:
        """Resample one block from the ring and pass it to the recogniser."""
        rate, gap_end = self.source.sample_rate, None
        if start != self._expected:   # the ring dropped audio: restart resampling after the gap
            tail = self.recognizer.accept(self._resampler.flush(), caught_up=False)
            self._send(tail)
            self._resampler = buffers.StreamResampler(rate)
            gap_end = round(start * audio.TARGET_RATE / rate)
        self._expected = start + block.samples.size
        return self.recognizer.accept(self._resampler(block.samples), start=gap_end, arrived=block.arrived,
                                      caught_up=caught_up, waiting=self._queued / rate)

    def _queue(self, blocks: list[tuple[int, audio.Block]]) -> None:
        self._backlog.extend(blocks)
        self._queued += sum(block.samples.size for _, block in blocks)

    def _next_block(self) -> tuple[int, audio.Block]:
        start, block = self._backlog.popleft()
        self._queued -= block.samples.size
        return start, block

    def _listen(self) -> None:
        """Called from inside a partial decode: feed the audio that arrived since (no gaps here:
        a gap waits for the loop). The recogniser raises Preempted out of it at a pause."""
        assert self.ring is not None
        self._queue(self.ring.read(0))
        while self._backlog and self._backlog[0][0] == self._expected:
            start, block = self._next_block()
            self._send(self._feed(start, block, caught_up=False))

    def _send(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, Final) and self.autosave is not None:
                self.autosave.append(event)   # on disk before anyone sees it
            if isinstance(event, Metric) and event.name == "latency":
                self._latencies.append(event.value)
            emit(self.progress, event)

    def _losses(self) -> tuple[int, float]:
        """The source's overflows and dropped seconds while the session captured."""
        return self._source_losses or (self.source.overflows, self.source.dropped_seconds)

    def _overflows(self) -> int:
        return self._losses()[0] + (self.ring.overflows if self.ring else 0)

    def _dropped(self) -> float:
        ring = (self.ring.dropped_samples / self.source.sample_rate) if self.ring else 0.0
        return self._losses()[1] + ring

    def _report_overflow(self, reported: int) -> int:
        count = self._overflows()
        if count > reported:
            seconds = self._dropped()
            emit(self.progress, Log(f"Recognition fell behind the audio: {seconds:.1f} s skipped so far "
                                    f"({count} overflows); transcription goes on.", level="warning"))
            emit(self.progress, Data("overflow", {"count": count, "seconds": seconds}))
        return count


class _LevelMeter:
    """Turns captured blocks into throttled level/waveform events for the GUI meter."""

    def __init__(self, rate: int, progress: ProgressFn) -> None:
        self.rate, self.progress = rate, progress
        self.step = max(1, int(rate * WAVE_STEP))
        self._pending: list[np.ndarray] = []
        self._last = 0.0

    def add(self, samples: np.ndarray) -> None:
        if self.progress is None:
            return
        self._pending.append(samples)
        now = time.monotonic()
        if now - self._last < LEVEL_INTERVAL:
            return
        self._last = now
        data = np.concatenate(self._pending)
        self._pending = []
        usable = data.size - data.size % self.step
        wave = np.abs(data[:usable]).reshape(-1, self.step).max(axis=1) if usable else np.zeros(0, np.float32)
        emit(self.progress, Data("level", {"db": audio.level_db(data), "peak": float(np.abs(data).max(initial=0.0)),
                                           "wave": wave.astype(np.float32)}))


def run_live(model: str, microphone: audio.DeviceSpec = None, source: Optional[audio.AudioSource] = None,
             language: Optional[str] = None, task: str = "transcribe", duration: Optional[float] = None,
             autosave: bool = True, session: Optional[str] = None, config: Optional[StreamConfig] = None,
             device: str = "auto", backend: str = "torch", allow_pickle: bool = False,
             progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> LiveResult:
    """Transcribe ``microphone`` (an input device name or number; None: the default) or ``source`` live
    until cancelled, ``duration`` or the end.

    ``device``, ``backend`` and ``allow_pickle`` are the runtime options every job takes
    (where the model runs, torch or the model's ONNX export, pickle consent), as for transcribe_file.

    It runs with the process's torch thread count (runtime.set_threads, at start-up): changing
    it here would change it for every job running beside the session.
    """
    if duration is not None and duration <= 0:
        raise ModelDeskError("The duration must be a positive number of seconds.")
    if source is None:
        audio.find_input_device(microphone)   # a wrong device name fails before the model loads
        source = audio.MicrophoneSource(microphone)
    from models.transcribe.recognizer import Recognizer

    recognizer = Recognizer.load(model, device=device, allow_pickle=allow_pickle, backend=backend)
    language = recognizer.check_request(language, task)
    streaming = StreamingRecognizer(recognizer, config=config, language=language, task=task)
    saver = Autosave(session, model=recognizer.name, language=language, task=task) if autosave else None
    try:
        return LiveSession(source, streaming, progress=progress, cancel=cancel, autosave=saver,
                           duration=duration).run()
    finally:
        if saver is not None:
            saver.close()
