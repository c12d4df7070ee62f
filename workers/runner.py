"""JobRunner: the GUI's jobs, run by the engine process, one running job per key.

A page asks ``start(key, spec, **kwargs)`` and gets a ``Job``: a GUI-thread object whose
signals carry the job's events and its end. Every job ends with exactly one of ``result``
(it finished), ``cancelled`` (it was stopped; the argument is the partial result it returned,
or None) or ``error`` (message, details), and then ``finished``. The key is free again before
any of these is emitted, so a click on Run in a handler, or right after, starts the next job.

``spec`` names the job's target (``spec.target``, "package.module:function") and the runtime
options it takes (``spec.options``: device, backend, allow_pickle); the runner merges those
from ``options(kwargs)`` into every job's arguments, so no page passes them itself.
"""
from __future__ import annotations

import itertools
import time
from typing import Any, Callable, Optional, Union

from PySide6.QtCore import QObject, QTimer, Signal

from models.core.events import Data, Final, Log, Metric, Partial, Progress

from .engine import EngineClient

#: the options a job's spec may name, with what a runner without settings gives
DEFAULT_OPTIONS = {"device": "auto", "backend": "torch", "allow_pickle": False}


class Job(QObject):
    """One job's events and end, on the GUI thread."""

    progress = Signal(object)   # Progress
    partial = Signal(object)    # Partial or Final
    metric = Signal(object)     # Metric
    data = Signal(object)       # Data
    log = Signal(str)
    result = Signal(object)
    cancelled = Signal(object)  # the partial result, or None
    error = Signal(str, str)    # message, details
    finished = Signal()

    def __init__(self, runner: "JobRunner", key: str, job_id: int, target: str, kwargs: dict,
                 engine: str = "main") -> None:
        super().__init__(runner)
        self.runner = runner
        self.key = key
        self.id = job_id
        self.target = target
        self.kwargs = kwargs
        self.engine = engine         # the name of the engine process it runs in
        self.sent = False            # the engine has it
        self.stopping = False        # Stop was pressed
        self.superseded = False      # a newer request for the key replaced it: its result never lands

    def cancel(self) -> None:
        self.runner.cancel_job(self)

    def dispatch(self, event: Any) -> None:
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


#: the engine every job runs in unless its spec names another
MAIN_ENGINE = "main"
#: the engine of long training jobs: Stop now or a crash elsewhere leaves a training run going
TRAINING_ENGINE = "training"


class JobSpec:
    """What the runner needs of a registered job (``gui/jobs.py`` holds the registry): its target, the
    runtime options it takes, and the engine process it runs in."""

    def __init__(self, target: str, options: tuple[str, ...] = (), engine: str = MAIN_ENGINE) -> None:
        self.target = target
        self.options = options
        self.engine = engine


SpecLike = Union[JobSpec, str, Callable[..., Any]]


def as_spec(spec: SpecLike) -> Any:
    """A spec, a "module:function" string, or a module-level function (tests)."""
    if isinstance(spec, str):
        return JobSpec(spec)
    if callable(spec) and not hasattr(spec, "target"):
        return JobSpec(f"{spec.__module__}:{spec.__qualname__}")
    return spec


class JobRunner(QObject):
    """Starts jobs in the engines and relays what comes back; one running job per key.

    Each engine is its own process, started on demand: ``main`` for most jobs, ``training`` for the
    long training jobs (their specs say so), so Stop now or a crash in one ends only its own jobs."""

    busy_changed = Signal(str, bool)  # key, running

    def __init__(self, engine: Optional[EngineClient] = None,
                 options: Optional[Callable[[dict], dict]] = None, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._injected = engine is not None   # a test's engine serves every engine name
        self.engine = engine or EngineClient(parent=self)
        self.engines: dict[str, EngineClient] = {MAIN_ENGINE: self.engine}
        self._closing = False
        self.options = options or (lambda _kwargs: dict(DEFAULT_OPTIONS))
        self._ids = itertools.count(1)
        self._jobs: dict[str, Job] = {}          # key -> the running job
        self._queued: dict[str, Job] = {}        # key -> the newest request waiting for it
        self._by_id: dict[int, Job] = {}         # jobs the engines have
        self._watch(MAIN_ENGINE, self.engine)

    # --- asking -------------------------------------------------------------
    def is_running(self, key: str) -> bool:
        return key in self._jobs

    def is_waiting(self, key: str) -> bool:
        """A request for ``key`` waits for the running one to give way (``start_latest``)."""
        return key in self._queued

    def running_keys(self) -> list[str]:
        return sorted(self._jobs)

    def job(self, key: str) -> Optional[Job]:
        return self._jobs.get(key)

    def start(self, key: str, spec: SpecLike, /, **kwargs: Any) -> Job:
        """Run a job now. Raises RuntimeError if ``key`` has a running job.

        ``key`` and ``spec`` are positional-only, so a job may take keyword arguments of
        those names.
        """
        if key in self._jobs:
            raise RuntimeError(f"a job is already running for {key}")
        job = self._make(key, spec, kwargs)
        self._jobs[key] = job
        self._send(job)
        self.busy_changed.emit(key, True)
        return job

    def start_latest(self, key: str, spec: SpecLike, /, **kwargs: Any) -> Job:
        """The latest request wins: a running job of ``key`` is cancelled, an older waiting
        request is dropped, and this one runs as soon as the key is free. A superseded job's
        result never lands (it ends ``cancelled``)."""
        if key not in self._jobs:
            return self.start(key, spec, **kwargs)
        job = self._make(key, spec, kwargs)
        older = self._queued.pop(key, None)
        if older is not None:   # it never ran; it ends once control is back in the event loop
            QTimer.singleShot(0, lambda: self._dropped(older))
        self._queued[key] = job
        running = self._jobs[key]
        running.superseded = True
        self.cancel_job(running)
        return job

    def stop(self, key: str) -> None:
        job = self._jobs.get(key)
        if job is not None:
            self.cancel_job(job)

    def cancel_job(self, job: Job) -> None:
        job.stopping = True
        if job.sent and job.id in self._by_id:
            self.engine_of(job).send("cancel", job.id)

    def stop_now(self, key: str) -> None:
        """For work that cannot check its token: end the job's engine (every job in that engine
        ends, those in other engines go on) and let its next job start a fresh one."""
        job = self._jobs.get(key)
        if job is not None:
            job.stopping = True
            self.engine_of(job).kill()

    def running_engines(self) -> dict[str, Optional[int]]:
        """The engines whose process runs now, with its process id (the window shows them)."""
        return {name: engine.pid for name, engine in self.engines.items() if engine.running}

    def engine_of(self, job: Job) -> EngineClient:
        """The engine ``job`` runs in, created (not yet started) the first time it is named."""
        if job.engine not in self.engines:
            engine = self.engine if self._injected else EngineClient(self.engine.threads, parent=self)
            self.engines[job.engine] = engine
            if engine is not self.engine:
                self._watch(job.engine, engine)
        return self.engines[job.engine]

    def shutdown(self, seconds: float = 5.0) -> bool:
        """Cancel every job and end every engine, all within ``seconds``; True if the jobs ended
        by themselves in time. Nothing is emitted afterwards."""
        deadline = time.monotonic() + seconds
        self._queued.clear()
        for job in list(self._jobs.values()):
            job.stopping = True
        self._closing = True
        clean = True
        for engine in dict.fromkeys(self.engines.values()):   # each once (a test's engine serves all names)
            clean = engine.shutdown(max(0.0, deadline - time.monotonic())) and clean
        self._closing = False
        for key in list(self._jobs):
            self._jobs.pop(key).deleteLater()
        self._by_id.clear()
        return clean

    # --- plumbing -----------------------------------------------------------
    def _make(self, key: str, spec: SpecLike, kwargs: dict) -> Job:
        spec = as_spec(spec)
        clash = set(kwargs) & set(spec.options)
        if clash:
            raise ValueError(f"{sorted(clash)} are runtime options: the runner sets them")
        options = self.options(kwargs)
        merged = {**kwargs, **{name: options[name] for name in spec.options}}
        return Job(self, key, next(self._ids), spec.target, merged, getattr(spec, "engine", MAIN_ENGINE))

    def _watch(self, name: str, engine: EngineClient) -> None:
        engine.message.connect(self._on_message)
        engine.ended.connect(lambda why, name=name: self._on_engine_ended(name, why))

    def _send(self, job: Job) -> None:
        self._by_id[job.id] = job
        job.sent = True
        self.engine_of(job).send("run", job.id, job.target, job.kwargs)

    def _on_message(self, message: tuple) -> None:
        kind, job_id = message[0], message[1]
        job = self._by_id.get(job_id) if job_id is not None else None
        if job is None:
            return   # "ready", "bye", or a job already ended
        if kind == "event":
            if not job.superseded:
                job.dispatch(message[2])
        elif kind == "result":
            self._end(job, "cancelled" if job.superseded else "result", None if job.superseded else message[2])
        elif kind == "stopped":
            self._end(job, "cancelled", None if job.superseded else message[2])
        elif kind in ("error", "unreadable"):
            if kind == "unreadable" and message[4] == "event":
                self.engine_of(job).send("cancel", job.id)   # it still runs there: nobody would hear of it
            if job.superseded:
                self._end(job, "cancelled", None)
            else:
                self._end(job, "error", message[2], message[3])

    def _end(self, job: Job, outcome: str, *args: Any) -> None:
        """Free the key (starting a waiting request), then tell the page."""
        self._by_id.pop(job.id, None)
        if self._jobs.get(job.key) is job:
            del self._jobs[job.key]
            waiting = self._queued.pop(job.key, None)
            if waiting is not None:
                self._jobs[job.key] = waiting
                self._send(waiting)
            else:
                self.busy_changed.emit(job.key, False)
        getattr(job, outcome).emit(*args)
        job.finished.emit()
        job.deleteLater()

    @staticmethod
    def _dropped(job: Job) -> None:
        job.cancelled.emit(None)
        job.finished.emit()
        job.deleteLater()

    def _on_engine_ended(self, name: str, why: str) -> None:
        """An engine is gone: every job it had ends now; waiting ones go to a fresh engine. Jobs in
        the other engines go on."""
        if self._closing:
            return
        served = {n for n, engine in self.engines.items() if engine is self.engines[name]}
        for job in [j for j in self._by_id.values() if j.engine in served]:
            if job.stopping:
                self._end(job, "cancelled", None)
            else:
                self._end(job, "error", f"Interrupted: {why}. Run it again to start a fresh engine.", why)
