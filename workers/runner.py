"""JobRunner owns the QThreads: one running job per key, always cleaned up."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject, QThread, Signal

from .worker import Target, Worker


class JobRunner(QObject):
    """Starts workers on their own QThread (moveToThread) and tears them down when done."""

    busy_changed = Signal(str, bool)  # key, running

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._jobs: dict[str, tuple[QThread, Worker]] = {}

    def is_running(self, key: str) -> bool:
        return key in self._jobs

    def worker(self, key: str) -> Optional[Worker]:
        job = self._jobs.get(key)
        return job[1] if job else None

    def start(self, key: str, target: Target, /, **kwargs) -> Worker:
        """Create a worker for ``target``; connect its signals, then call ``launch(worker)``.

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
        thread.finished.connect(lambda k=key, t=thread: self._cleanup(k, t))
        self._jobs[key] = (thread, worker)
        return worker

    def launch(self, key: str) -> None:
        """Start the thread of a job created with ``start`` (after its signals are connected)."""
        thread, _ = self._jobs[key]
        thread.start()
        self.busy_changed.emit(key, True)

    def stop(self, key: str) -> None:
        job = self._jobs.get(key)
        if job:
            job[1].cancel()

    def _cleanup(self, key: str, thread: QThread) -> None:
        job = self._jobs.get(key)
        if job and job[0] is thread:
            del self._jobs[key]
            job[1].deleteLater()
            thread.deleteLater()
            self.busy_changed.emit(key, False)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel every job and wait for its thread; True if all stopped in time."""
        for _, worker in self._jobs.values():
            worker.cancel()
        ok = True
        for thread, _ in list(self._jobs.values()):
            thread.quit()
            ok = thread.wait(timeout_ms) and ok
        return ok
