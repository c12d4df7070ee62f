"""JobRunner owns the QThreads: one running job per key, always cleaned up."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject, QThread, Signal

from models.core.events import CancelToken

from .worker import Target, Worker

#: the Worker signals a Job relays to the GUI thread
RELAYED = ("started", "progress", "partial", "metric", "data", "log", "result", "error", "cancelled", "finished")


class Job(QObject):
    """The GUI thread's handle on a running Worker.

    It lives in the GUI thread and re-emits the worker's signals there, so any
    slot connected to it (a lambda too) runs on the GUI thread. A lambda
    connected to the Worker itself would run in the worker's thread.
    """

    started = Signal()
    progress = Signal(object)
    partial = Signal(object)
    metric = Signal(object)
    data = Signal(object)
    log = Signal(str)
    result = Signal(object)
    error = Signal(str, str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, key: str, worker: Worker, thread: QThread, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.key = key
        self.thread = thread
        self.worker = worker  # the only reference: the worker is freed with the Job, on the GUI thread
        self.token: CancelToken = worker.token
        for name in RELAYED:
            getattr(worker, name).connect(getattr(self, name))

    def cancel(self) -> None:
        self.token.cancel()


class JobRunner(QObject):
    """Starts workers on their own QThread (moveToThread) and tears them down when done."""

    busy_changed = Signal(str, bool)  # key, running

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._jobs: dict[str, Job] = {}

    def is_running(self, key: str) -> bool:
        return key in self._jobs

    def job(self, key: str) -> Optional[Job]:
        return self._jobs.get(key)

    def start(self, key: str, target: Target, /, **kwargs) -> Job:
        """Create a job for ``target``; connect its signals, then call ``launch(key)``.

        ``key`` and ``target`` are positional-only, so a job may take keyword
        arguments of those names (``translate(..., target="fra_Latn")``).
        Raises RuntimeError if ``key`` already has a running job.
        """
        if key in self._jobs:
            raise RuntimeError(f"a job is already running for {key}")
        thread = QThread()
        thread.setObjectName(f"job-{key}")
        worker = Worker(target, kwargs)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(thread.quit)
        job = Job(key, worker, thread, self)
        thread.finished.connect(self._on_thread_finished)
        self._jobs[key] = job
        return job

    def launch(self, key: str) -> None:
        """Start the thread of a job created with ``start`` (after its signals are connected)."""
        self._jobs[key].thread.start()
        self.busy_changed.emit(key, True)

    def stop(self, key: str) -> None:
        job = self._jobs.get(key)
        if job:
            job.cancel()

    def _on_thread_finished(self) -> None:
        thread = self.sender()
        for key, job in list(self._jobs.items()):
            if job.thread is thread:
                del self._jobs[key]
                thread.deleteLater()
                job.deleteLater()
                self.busy_changed.emit(key, False)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel every job and wait for its thread; True if all stopped in time."""
        for job in self._jobs.values():
            job.cancel()
        ok = True
        for job in list(self._jobs.values()):
            job.thread.quit()
            ok = job.thread.wait(timeout_ms) and ok
        return ok
