"""Events and cancellation shared by every long call in models/.

Long calls take ``progress`` (a callback receiving these small dataclasses) and
``cancel`` (a CancelToken). Nothing here knows about Qt: workers/ translates the
events into signals.
"""
from __future__ import annotations

import pickle
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union


class ModelDeskError(Exception):
    """A problem the user can act on; its message is one clear sentence."""


class Cancelled(Exception):
    """Raised inside a long call when its CancelToken was set."""


@dataclass(frozen=True)
class Progress:
    done: float
    total: Optional[float] = None
    message: str = ""

    @property
    def fraction(self) -> Optional[float]:
        if not self.total:
            return None
        return max(0.0, min(1.0, self.done / self.total))


@dataclass(frozen=True)
class Partial:
    """Text that may still change (speech) or a newly streamed chunk (generation). ``restart``: the
    stream begins again from nothing (a job retried after the GPU ran out of memory), so whatever
    was shown of it before is to be dropped, not appended to."""
    text: str
    restart: bool = False


@dataclass(frozen=True)
class Final:
    """Committed text with its time span in seconds; never rewritten afterwards."""
    text: str
    start: float = 0.0
    end: float = 0.0


@dataclass(frozen=True)
class Metric:
    """One training/evaluation measurement (a loss per step, a score per epoch, ...)."""
    name: str
    value: float
    step: int = 0
    epoch: Optional[float] = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Log:
    message: str
    level: str = "info"


@dataclass(frozen=True)
class Data:
    """A structured payload for views (audio level, evaluation curves, ...)."""
    kind: str
    payload: Any


Event = Union[Progress, Partial, Final, Metric, Log, Data]
ProgressFn = Optional[Callable[[Event], None]]


class CancelToken:
    """Thread-safe stop flag checked by long calls between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds; True if cancelled meanwhile."""
        return self._event.wait(timeout)


def emit(progress: ProgressFn, event: Event) -> None:
    """Send an event if someone listens."""
    if progress is not None:
        progress(event)


def check(cancel: Optional[CancelToken]) -> None:
    """Raise Cancelled if the token is set (None means not cancellable)."""
    if cancel is not None:
        cancel.raise_if_cancelled()


def describe_error(exc: BaseException) -> str:
    """One sentence for the user; ModelDeskError messages are already written for them."""
    if isinstance(exc, ModelDeskError):
        return str(exc)
    if isinstance(exc, pickle.UnpicklingError):
        return ("The model's pickle checkpoint holds more than tensors (it could run code), so it was refused: "
                "weights_only=True loads nothing else.")
    if isinstance(exc, MemoryError):
        return "Out of memory: try a smaller model, a smaller batch or the CPU."
    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
        return f"{exc.strerror or 'File error'}: {exc.filename}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = exc.__class__.__name__
    if "out of memory" in text.lower():
        return "The device ran out of memory: try a smaller batch, a smaller model or the CPU."
    return f"The job failed ({name}: {text})" if text else f"The job failed ({name})."
