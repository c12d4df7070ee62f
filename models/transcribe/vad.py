"""Voice-activity detection: an adaptive energy gate and the silero network on ONNX Runtime.

Kept apart from the capture code so that listing microphones never imports a detector, and a
detector never imports the microphone plumbing.
"""
from __future__ import annotations

import functools
from collections import deque
from pathlib import Path
from typing import Any, Iterator, Optional, Union

import numpy as np

from models.core.events import ModelDeskError
from models.transcribe.audio import TARGET_RATE, level_db


class EnergyVad:
    """Speech where a frame is well above an adaptive noise floor.

    The floor is the quietest frame of the last few seconds (minimum statistics): steady
    background noise is learned within those seconds, while speech, which always has quieter
    moments between syllables, never drags the floor up to its own level.
    """

    frame_samples = 480   # 30 ms at 16 kHz

    def __init__(self, margin_db: float = 10.0, min_db: float = -55.0, window_seconds: float = 3.0) -> None:
        self.margin_db = margin_db
        self.min_db = min_db
        self.window = max(1, int(window_seconds * TARGET_RATE / self.frame_samples))
        self.reset()

    def reset(self) -> None:
        self._levels: "deque[float]" = deque(maxlen=self.window)

    @property
    def floor(self) -> float:
        return min(self._levels) if self._levels else -100.0

    def __call__(self, frame: np.ndarray) -> float:
        """1.0 for speech, 0.0 otherwise (a probability-like score, as the model VAD gives)."""
        level = level_db(frame)
        self._levels.append(level)
        return 1.0 if level > self.floor + self.margin_db and level > self.min_db else 0.0


class SileroVad:
    """The silero VAD network (its ONNX file from the silero-vad wheel) run with onnxruntime.

    It needs 512-sample frames at 16 kHz, with the previous 64 samples as context and a
    recurrent state carried between frames.
    """

    frame_samples = 512
    context_samples = 64

    def __init__(self, model_path: Optional[Union[str, Path]] = None) -> None:
        path = Path(model_path) if model_path else silero_model_path()
        self._session = _silero_session(str(path))
        self._sr = np.array(TARGET_RATE, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._context = np.zeros(self.context_samples, dtype=np.float32)

    def __call__(self, frame: np.ndarray) -> float:
        x = np.concatenate([self._context, frame.astype(np.float32, copy=False)])[None, :]
        prob, self._state = self._session.run(None, {"input": x, "state": self._state, "sr": self._sr})
        self._context = x[0, -self.context_samples:]
        return float(prob[0, 0])


@functools.lru_cache(maxsize=2)
def _silero_session(path: str) -> Any:
    """One session per file for the whole process: every file transcribed builds a detector, and
    creating the session took longer than running it over a 4 s clip. The recurrent state lives
    in each SileroVad, so detectors on several threads can share it (ORT's run is thread-safe)."""
    from models.core import runtime

    return runtime.ort_session(path, "cpu", threads=1)


def silero_model_path() -> Path:
    """The ONNX file shipped in the silero-vad wheel (used without its torch helpers)."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("silero_vad")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ModelDeskError("The silero-vad package is not installed: use the energy detector instead.")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "silero_vad.onnx"


def make_vad(kind: str = "energy") -> Union[EnergyVad, SileroVad]:
    """``energy`` or ``silero``."""
    if kind == "energy":
        return EnergyVad()
    if kind == "silero":
        return SileroVad()
    raise ModelDeskError(f"Unknown voice-activity detector '{kind}': use energy or silero.")


def frames(samples: np.ndarray, size: int) -> Iterator[np.ndarray]:
    """Consecutive whole frames of ``size`` samples (a trailing partial frame is left out)."""
    for start in range(0, samples.size - size + 1, size):
        yield samples[start:start + size]
