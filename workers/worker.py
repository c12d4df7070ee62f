"""One Worker runs one models/ call off the UI thread and reports through signals."""
from __future__ import annotations

import importlib
import logging
import traceback
from typing import Any, Callable, Union

from PySide6.QtCore import QObject, Signal, Slot

from models.core.events import (Cancelled, CancelToken, Data, Final, Log, Metric, Partial, Progress,
                           describe_error)

log = logging.getLogger(__name__)

#: "package.module:function" (imported in the worker thread, so the GUI never
#: imports torch) or a plain callable
Target = Union[str, Callable[..., Any]]


def resolve_target(target: Target) -> Callable[..., Any]:
    if callable(target):
        return target
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


class Worker(QObject):
    """Runs ``target(**kwargs, progress=..., cancel=...)``; ``cancel()`` sets its token.

    Signals cross to the GUI thread as queued connections. Every outcome ends
    with ``finished``; exactly one of ``result``, ``error`` or ``cancelled`` comes first.
    """

    started = Signal()
    progress = Signal(object)   # Progress
    partial = Signal(object)    # Partial or Final
    metric = Signal(object)     # Metric
    data = Signal(object)       # Data
    log = Signal(str)
    result = Signal(object)
    error = Signal(str, str)    # message, details (traceback)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, target: Target, kwargs: dict | None = None) -> None:
        super().__init__()
        self.target = target
        self.kwargs = dict(kwargs or {})
        self.token = CancelToken()

    def cancel(self) -> None:
        self.token.cancel()

    def dispatch(self, event: object) -> None:
        """The ``progress`` callback given to models/: route each event to its signal."""
        if isinstance(event, Progress):
            self.progress.emit(event)
        elif isinstance(event, (Partial, Final)):
            self.partial.emit(event)
        elif isinstance(event, Metric):
            self.metric.emit(event)
        elif isinstance(event, Data):
            self.data.emit(event)
        elif isinstance(event, Log):
            self.log.emit(event.message)

    @Slot()
    def run(self) -> None:
        self.started.emit()
        try:
            fn = resolve_target(self.target)
            value = fn(**self.kwargs, progress=self.dispatch, cancel=self.token)
        except Cancelled:
            self.cancelled.emit()
        except BaseException as exc:  # a job must never take the app down
            details = traceback.format_exc()
            log.warning("job %s failed: %s", self.target, details)
            self.error.emit(describe_error(exc), details)
        else:
            if self.token.cancelled:
                self.cancelled.emit()
            self.result.emit(value)
        finally:
            # Nothing after this touches Qt from this thread: object lifetime is the GUI thread's
            # business (JobRunner drops its reference there). Deleting or moving a PySide object
            # here deadlocked: Qt's connection lock taken while holding the GIL.
            self.finished.emit()
