"""The GUI's side of the engine process: start it, send it messages, read what it sends back.

``models.core.engine`` describes the protocol. A reader thread blocks on the pipe and hands each
message to the GUI thread through a queued signal, so every handler runs on the GUI thread.

What the engine sends is unpickled by ``WireUnpickler``, which only resolves classes from modules
that load no heavy library: a result whose class lives in a module importing torch would
otherwise pull torch into the GUI process. A message that breaks this rule becomes an error for
its job instead.
"""
from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from typing import Any, Optional

from PySide6.QtCore import QObject, Signal

from models.core import crash
from models.core import engine as engine_side

#: models/ modules whose classes may cross from the engine to the GUI: none of them imports torch,
#: transformers, onnxruntime or scikit-learn (tests/test_boundaries.py checks this)
WIRE_MODULES = frozenset({
    "models.core.events", "models.core.store", "models.core.runtime", "models.core.runs",
    "models.core.downloads", "models.core.catalogue", "models.core.hfcache",
    "models.classify.results", "models.transcribe.transcript", "models.transcribe.audio",
    "models.transcribe.live", "models.transcribe.streaming",
})
#: other top-level packages whose classes may appear in a message
WIRE_PACKAGES = frozenset({"builtins", "copyreg", "collections", "datetime", "pathlib", "numpy", "types",
                           "enum", "_codecs", "decimal", "fractions"})


class WireError(Exception):
    """A message named a class the GUI may not import."""


class WireUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module in WIRE_MODULES or module.split(".")[0] in WIRE_PACKAGES:
            return super().find_class(module, name)
        raise WireError(f"{module}.{name}")


def loads(data: bytes) -> Any:
    return WireUnpickler(io.BytesIO(data)).load()


def decode(data: bytes) -> tuple:
    """An engine message as ``(kind, job_id, *rest)``; one the GUI may not unpickle becomes
    ``("unreadable", job_id, message, details, its kind)``."""
    kind, job_id, rest = loads(data)
    try:
        return (kind, job_id, *loads(rest))
    except WireError as exc:
        return ("unreadable", job_id, f"The engine sent something the window cannot show ({exc}).",
                f"{exc} is not in workers.engine.WIRE_MODULES", kind)


def _context() -> Any:
    """A fork server that has torch loaded makes each new engine start in milliseconds (Linux);
    elsewhere each engine is a fresh interpreter."""
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["models.core.engine", "torch"])
        return ctx
    return multiprocessing.get_context("spawn")


def signal_name(exitcode: Optional[int]) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return signal.Signals(-exitcode).name
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit status {exitcode}"


class _Session:
    """One engine process: started by its own thread, which then reads the pipe until the end."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.process: Any = None
        self.conn: Any = None
        self.pending: list[bytes] = []          # messages sent before the process was up
        self.started = threading.Event()
        self.killed = False
        self.thread: Optional[threading.Thread] = None


class EngineClient(QObject):
    """One engine process at a time, started on demand, off the GUI thread.

    ``message`` carries each message of the current engine; ``ended`` says it is gone (its
    argument: why, in words), after its last message. Starting an engine can take a second (the
    fork server loads torch once), so a thread starts it while messages for it wait in a queue.
    """

    message = Signal(object)
    ended = Signal(str)
    _received = Signal(object)   # (generation, message), emitted by a session's thread

    def __init__(self, threads: Optional[int] = None, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.threads = threads
        self._lock = threading.Lock()
        self._session: Optional[_Session] = None
        self._generation = 0
        self._received.connect(self._on_received)

    @property
    def running(self) -> bool:
        return self._session is not None

    @property
    def pid(self) -> Optional[int]:
        session = self._session
        return session.process.pid if session is not None and session.process is not None else None

    def send(self, *message: Any) -> None:
        """Send a message, starting the engine first if there is none."""
        data = engine_side.dumps(message)
        with self._lock:
            session = self._session
            if session is None:
                session = self._session = self._begin()
            if session.conn is None:
                session.pending.append(data)
                return
        try:
            session.conn.send_bytes(data)
        except (BrokenPipeError, OSError):
            pass   # the engine just died: its thread reports it

    def _begin(self) -> _Session:
        self._generation += 1
        session = _Session(self._generation)
        config = {"env": dict(os.environ), "threads": self.threads}
        session.thread = threading.Thread(target=self._serve, args=(session, config), name="modeldesk-engine-reader",
                                          daemon=True)
        session.thread.start()
        return session

    def _serve(self, session: _Session, config: dict) -> None:
        """A session's thread: start the process, send what waited, then hand each message to the
        GUI thread; at the end, say how the engine ended."""
        ctx = _context()
        ours, theirs = ctx.Pipe()
        process = ctx.Process(target=engine_side.main, args=(theirs, config), name="modeldesk-engine", daemon=True)
        process.start()
        theirs.close()
        with self._lock:
            session.process = process
            try:
                for data in session.pending:
                    ours.send_bytes(data)
            except (BrokenPipeError, OSError):
                pass
            session.pending = []
            session.conn = ours
            killed = session.killed
        session.started.set()
        if killed:
            process.kill()
        while True:
            try:
                data = ours.recv_bytes()
            except (EOFError, OSError):
                break
            self._received.emit((session.generation, decode(data)))
        ours.close()   # only here: closing it under a blocked read could hand its number to a new pipe
        process.join(10)
        crashed = process.exitcode is not None and process.exitcode < 0
        self._received.emit((session.generation,
                             ("ended", process.exitcode, crash.crash_log_of(process.pid) if crashed else None)))

    def _on_received(self, item: tuple) -> None:
        generation, message = item
        if generation != self._generation or self._session is None:
            return   # from an engine that was already stopped
        if message[0] == "ended":
            self._session = None
            log = f"; its crash log is {message[2]}" if message[2] else ""
            self.ended.emit(f"the model engine stopped unexpectedly ({signal_name(message[1])}{log})")
            return
        self.message.emit(message)

    def _detach(self) -> Optional[_Session]:
        """Stop listening to the current engine (its thread ends at the pipe's end)."""
        with self._lock:
            session, self._session = self._session, None
            self._generation += 1
            if session is not None and session.process is None:
                session.killed = True   # still starting: it is killed as soon as it exists
        return session

    def kill(self) -> None:
        """End the engine at once (Stop now); its remaining messages are dropped."""
        session = self._detach()
        if session is None:
            return
        if session.process is not None:
            session.process.kill()
        session.thread.join(10)
        self.ended.emit("the model engine was restarted")

    def shutdown(self, seconds: float) -> bool:
        """Ask the engine to cancel its jobs and exit within ``seconds``; kill it after that.
        True if it exited by itself."""
        deadline = time.monotonic() + seconds
        session = self._session
        if session is None:
            return True
        session.started.wait(seconds)
        session = self._detach()
        clean = False
        if session.process is not None:
            try:
                session.conn.send_bytes(engine_side.dumps(("quit", max(0.0, deadline - time.monotonic() - 0.5))))
            except (BrokenPipeError, OSError, AttributeError):
                pass
            session.process.join(max(0.0, deadline - time.monotonic()))
            clean = not session.process.is_alive()
            if not clean:
                session.process.kill()
        session.thread.join(10)
        return clean
