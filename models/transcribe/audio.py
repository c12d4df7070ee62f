"""Audio plumbing without Qt: input devices and sources behind one interface (the ring buffer and
resampler are in buffers.py, the voice-activity detectors in vad.py).

Every source delivers mono float32 blocks at its own sample rate through ``read(timeout)``.
The microphone's sounddevice callback only copies the block into a bounded queue (it never
blocks and never calls a model); a full queue drops the block and counts an overflow.
torch and onnxruntime are imported inside functions: the GUI imports this module to list
microphones without paying for them.
"""
from __future__ import annotations

import logging
import math
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Union

import numpy as np

from models.core.events import ModelDeskError

if TYPE_CHECKING:  # pragma: no cover
    import soundfile

TARGET_RATE = 16000
DeviceSpec = Union[str, int, None]


class Block(NamedTuple):
    """A block of mono samples and the monotonic time it reached the application."""
    samples: np.ndarray
    arrived: float


def to_mono(data: np.ndarray) -> np.ndarray:
    """Average the channels of a (frames, channels) block into a new float32 mono array.

    Always a copy for 2-D input: PortAudio reuses its buffer after the callback returns.
    """
    data = np.asarray(data, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0].copy()
    return np.ascontiguousarray(data, dtype=np.float32)


def level_db(samples: np.ndarray) -> float:
    """RMS level in dBFS (-100 for digital silence)."""
    if samples.size == 0:
        return -100.0
    power = float(np.mean(np.square(samples, dtype=np.float64)))
    return max(-100.0, 10.0 * math.log10(power + 1e-10))


# --- devices ----------------------------------------------------------------

@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    channels: int
    default_rate: float
    hostapi: str
    is_default: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} ({self.hostapi})"


_open_streams = 0
_open_lock = threading.Lock()
#: how long closing an input stream may take before it is given up on (see MicrophoneSource.stop)
CLOSE_SECONDS = 2.0
log = logging.getLogger(__name__)


def _stream_opened(delta: int) -> None:
    global _open_streams
    with _open_lock:
        _open_streams = max(0, _open_streams + delta)


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # libportaudio2 missing
        raise ModelDeskError(f"Audio input is unavailable: the PortAudio library could not be loaded ({exc}).") from exc
    return sounddevice


def _rescan(sd: Any) -> None:
    """Re-initialise PortAudio so devices plugged in (or servers started) since import show up.

    sounddevice only scans at initialisation; terminating is unsafe while a stream is open, so
    the scan is skipped then (the list cannot have changed for the open stream anyway).
    """
    with _open_lock:
        if _open_streams == 0:
            sd._terminate()
            sd._initialize()


def list_input_devices(rescan: bool = True) -> list[InputDevice]:
    """Every device with at least one input channel, the system default first."""
    sd = _sounddevice()
    if rescan:
        _rescan(sd)
    try:
        devices = sd.query_devices()
        hostapis = sd.query_hostapis()
        default_in = sd.default.device[0]
    except sd.PortAudioError as exc:
        raise ModelDeskError(f"Could not list the audio devices: {exc}.") from exc
    found = []
    for dev in devices:
        if dev["max_input_channels"] < 1:
            continue
        found.append(InputDevice(index=int(dev["index"]), name=str(dev["name"]),
                                 channels=int(dev["max_input_channels"]),
                                 default_rate=float(dev["default_samplerate"]),
                                 hostapi=str(hostapis[dev["hostapi"]]["name"]),
                                 is_default=int(dev["index"]) == default_in))
    found.sort(key=lambda d: not d.is_default)
    return found


def find_input_device(spec: DeviceSpec = None, rescan: bool = True) -> InputDevice:
    """The input device named (exactly, else by unique substring) or numbered by ``spec``.

    ``None`` or "" or "default" means the system default input.
    """
    devices = list_input_devices(rescan=rescan)
    if not devices:
        raise ModelDeskError("No audio input device was found: connect a microphone (or check the sound server).")
    text = "" if spec is None else str(spec).strip()
    if text in ("", "default"):
        return next((d for d in devices if d.is_default), devices[0])
    if text.isdigit():
        for dev in devices:
            if dev.index == int(text):
                return dev
        raise ModelDeskError(f"There is no input device number {text}; the inputs are: {_names(devices)}.")
    exact = [d for d in devices if d.name.lower() == text.lower()]
    if exact:
        return exact[0]
    partial = [d for d in devices if text.lower() in d.name.lower()]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise ModelDeskError(f"The device name '{text}' matches several inputs: {_names(partial)}.")
    raise ModelDeskError(f"There is no input device called '{text}'; the inputs are: {_names(devices)}.")


def _names(devices: list[InputDevice]) -> str:
    return ", ".join(f"{d.index}: {d.name}" for d in devices)


# --- sources ------------------------------------------------------------------

class AudioSource:
    """One interface for the microphone, a file and an in-memory array.

    ``start()``, then ``read(timeout)`` until ``ended``; ``stop()`` is safe to call any time,
    from any thread, more than once. ``live`` sources run on their own clock, so a consumer
    that falls behind must drop audio; other sources wait for the consumer.
    """

    name = "audio"
    sample_rate = TARGET_RATE
    live = True

    def __init__(self) -> None:
        self.overflows = 0          # blocks dropped before the application saw them
        self.dropped_seconds = 0.0
        self.error: Optional[str] = None   # why the source ended early, in one sentence

    def start(self) -> None:
        """Begin delivering audio."""

    def read(self, timeout: float = 0.1) -> Optional[Block]:
        """The next block, or None when none came within ``timeout`` (see ``ended``)."""
        raise NotImplementedError

    @property
    def ended(self) -> bool:
        """True once no more audio will come (end of data, stop, or a lost device)."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop delivering audio and release the device."""

    def __enter__(self) -> "AudioSource":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def device_lost(name: str) -> str:
    """One message for a device that went away, whether PortAudio ended the stream or it just went quiet.

    Which of the two happens when a sound server dies depends on timing inside PortAudio, so the user
    must not see a different story for the same event.
    """
    return f"The input device '{name}' stopped delivering audio (was it unplugged?)."


class MicrophoneSource(AudioSource):
    """A sounddevice InputStream at the device's own rate, mixed down to mono.

    The callback runs on PortAudio's thread: it copies the block into a bounded queue and
    returns; when the queue is full the block is dropped and counted. A stream that finishes
    without ``stop()`` (device unplugged, sound server gone) ends the source with ``error``.
    """

    def __init__(self, device: DeviceSpec = None, block_seconds: float = 0.02, queue_seconds: float = 5.0,
                 sample_rate: Optional[int] = None) -> None:
        super().__init__()
        self.device_spec = device
        self.block_seconds = block_seconds
        self.queue_seconds = queue_seconds
        self.requested_rate = sample_rate
        self.device: Optional[InputDevice] = None
        self._stream: Any = None
        self._queue: "queue.Queue[Block]" = queue.Queue(maxsize=max(2, int(queue_seconds / block_seconds)))
        self._finished = threading.Event()
        self._stopping = False

    def start(self) -> None:
        sd = _sounddevice()
        self.device = find_input_device(self.device_spec)
        self.name = self.device.name
        self.sample_rate = int(self.requested_rate or round(self.device.default_rate) or 48000)
        channels = min(self.device.channels, 2)
        _stream_opened(+1)
        stream = None
        try:
            stream = sd.InputStream(device=self.device.index, channels=channels, samplerate=self.sample_rate,
                                    dtype="float32", blocksize=int(self.sample_rate * self.block_seconds),
                                    latency="low", callback=self._callback,
                                    finished_callback=self._on_finished)
            stream.start()
        except sd.PortAudioError as exc:
            if stream is not None:
                stream.close(ignore_errors=True)
            _stream_opened(-1)
            raise ModelDeskError(f"Could not open the input device '{self.device.name}': {exc}.") from exc
        self._stream = stream

    def _callback(self, indata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        if status.input_overflow:
            self.overflows += 1
        try:
            self._queue.put_nowait(Block(to_mono(indata), time.monotonic()))
        except queue.Full:
            self.overflows += 1
            self.dropped_seconds += frames / self.sample_rate

    def _on_finished(self) -> None:
        if not self._stopping:
            self.error = device_lost(self.name)
        self._finished.set()

    def read(self, timeout: float = 0.1) -> Optional[Block]:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    @property
    def ended(self) -> bool:
        return self._finished.is_set() and self._queue.empty()

    def stop(self) -> None:
        """Close the stream, waiting at most CLOSE_SECONDS.

        When the sound server dies under an ALSA stream, PortAudio's capture thread can spin on a
        failing poll, and aborting the stream then blocks forever (seen with the ``pulse`` device).
        A stream that does not close in time is left to the process's exit, and PortAudio's own
        exit handler (which would block on it the same way) is dropped.
        """
        self._stopping = True
        stream, self._stream = self._stream, None
        if stream is not None:
            closed = threading.Event()

            def close() -> None:
                stream.abort(ignore_errors=True)
                stream.close(ignore_errors=True)
                closed.set()

            threading.Thread(target=close, name="modeldesk-close-input", daemon=True).start()
            if closed.wait(CLOSE_SECONDS):
                _stream_opened(-1)
            else:   # the stream stays counted as open: a device rescan would block on it too
                import atexit

                atexit.unregister(_sounddevice()._exit_handler)
                log.warning("The input device '%s' did not close; it is left to the process's exit.", self.name)
        self._finished.set()


class _PacedSource(AudioSource):
    """Replays blocks at ``speed`` times real time (``speed=None``: as fast as they are read).

    Pacing happens inside ``read`` against the monotonic clock, so no thread is needed; a
    paced replay behaves like a device (``live``), an unpaced one waits for its consumer.
    """

    def __init__(self, speed: Optional[float] = 1.0, block_seconds: float = 0.05) -> None:
        super().__init__()
        if speed is not None and speed <= 0:
            raise ModelDeskError("The replay speed must be positive.")
        self.speed = speed
        self.live = speed is not None
        self.block_seconds = block_seconds
        self._t0: Optional[float] = None
        self._sent = 0          # samples delivered so far
        self._done = False
        self._stop = threading.Event()

    def __getstate__(self) -> dict:
        """A replay crosses to the engine process unstarted (its stop flag is made anew there)."""
        state = dict(self.__dict__)
        del state["_stop"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._stop = threading.Event()

    def _next_samples(self, count: int) -> np.ndarray:
        """Up to ``count`` mono samples; fewer (or none) at the end."""
        raise NotImplementedError

    def start(self) -> None:
        self._t0 = time.monotonic()

    def read(self, timeout: float = 0.1) -> Optional[Block]:
        if self._t0 is None:
            self.start()
        if self._done or self._stop.is_set():
            return None
        count = max(1, int(self.sample_rate * self.block_seconds))
        if self.speed is not None:
            due = self._t0 + (self._sent + count) / self.sample_rate / self.speed
            wait = due - time.monotonic()
            if wait > timeout:
                self._stop.wait(timeout)
                return None
            if wait > 0 and self._stop.wait(wait):
                return None
        samples = self._next_samples(count)
        if samples.size == 0:
            self._done = True
            return None
        self._sent += samples.size
        if samples.size < count:
            self._done = True
        return Block(samples, time.monotonic())

    @property
    def ended(self) -> bool:
        return self._done or self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()


class ArraySource(_PacedSource):
    """An in-memory mono array replayed at real speed or faster (tests, benchmarks)."""

    def __init__(self, audio: np.ndarray, sample_rate: int = TARGET_RATE, speed: Optional[float] = 1.0,
                 block_seconds: float = 0.05, name: str = "array") -> None:
        super().__init__(speed, block_seconds)
        self.audio = to_mono(audio)
        self.sample_rate = int(sample_rate)
        self.name = name

    def _next_samples(self, count: int) -> np.ndarray:
        return self.audio[self._sent:self._sent + count]


class FileSource(_PacedSource):
    """A sound file read block by block with soundfile (long files never sit in memory whole)."""

    def __init__(self, path: Union[str, Path], speed: Optional[float] = None, block_seconds: float = 0.05) -> None:
        super().__init__(speed, block_seconds)
        self.path = Path(path)
        self._file = open_sound_file(self.path)
        self.sample_rate = int(self._file.samplerate)
        self.name = self.path.name

    def _next_samples(self, count: int) -> np.ndarray:
        data = self._file.read(count, dtype="float32", always_2d=True)
        return to_mono(data)

    def stop(self) -> None:
        super().stop()
        self._file.close()


def open_sound_file(path: Union[str, Path]) -> "soundfile.SoundFile":
    """Open a sound file for reading, or say in one sentence why it cannot be read."""
    import soundfile as sf

    path = Path(path)
    if not path.is_file():
        raise ModelDeskError(f"The sound file {path} does not exist.")
    if path.stat().st_size == 0:
        raise ModelDeskError(f"{path.name} is empty (0 bytes): it holds no sound.")
    try:
        return sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise ModelDeskError(f"{path.name} is not a sound file ModelDesk can read (unsupported or corrupt): "
                             f"{str(exc).rstrip('.')}.") from exc


def read_sound_file(path: Union[str, Path]) -> tuple[np.ndarray, int]:
    """A whole file as mono float32 plus its sample rate."""
    with open_sound_file(path) as fh:
        try:
            data = fh.read(dtype="float32", always_2d=True)
        except RuntimeError as exc:
            raise ModelDeskError(f"{Path(path).name} is corrupt: {exc}.") from exc
        return to_mono(data), int(fh.samplerate)
