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
from typing import Any, Optional

from PySide6.QtCore import QObject, Signal

from models.core import engine as engine_side

#: models/ modules whose classes may cross from the engine to the GUI: none of them imports torch,
#: transformers, onnxruntime or scikit-learn (tests/test_boundaries.py checks this)
WIRE_MODULES = frozenset({
    "models.core.events", "models.core.store", "models.core.runtime", "models.core.runs",
    "models.classify.results", "models.transcribe.transcript", "models.transcribe.audio",
    "models.transcribe.live",
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
    """An engine message as ``(kind, job_id, *rest)``; one the GUI may not unpickle becomes an
    error for its job."""
    kind, job_id, rest = loads(data)
    try:
        return (kind, job_id, *loads(rest))
    except WireError as exc:
        return ("error", job_id, f"The engine sent a result the window cannot show ({exc}).",
                f"{exc} is not in workers.engine.WIRE_MODULES")


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


class EngineClient(QObject):
    """One engine process at a time, started on demand.

    ``message`` carries each message of the current engine; ``ended`` says it is gone (its
    argument: why, in words), after its last message.
    """

    message = Signal(object)
    ended = Signal(str)
    _received = Signal(object)   # (generation, message), emitted by the reader thread

    def __init__(self, threads: Optional[int] = None, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.threads = threads
        self._process: Any = None
        self._conn: Any = None
        self._reader: Optional[threading.Thread] = None
        self._generation = 0
        self.pid: Optional[int] = None
        self._received.connect(self._on_received)

    @property
    def running(self) -> bool:
        return self._process is not None

    def send(self, *message: Any) -> None:
        """Send a message, starting the engine first if there is none."""
        if self._process is None:
            self._start()
        try:
            self._conn.send_bytes(engine_side.dumps(message))
        except (BrokenPipeError, OSError):
            pass   # the engine just died: the reader reports it

    def _start(self) -> None:
        ctx = _context()
        ours, theirs = ctx.Pipe()
        config = {"env": dict(os.environ), "threads": self.threads}
        process = ctx.Process(target=engine_side.main, args=(theirs, config), name="modeldesk-engine", daemon=True)
        process.start()
        theirs.close()
        self._generation += 1
        self._process, self._conn, self.pid = process, ours, process.pid
        self._reader = threading.Thread(target=self._read, args=(ours, process, self._generation),
                                        name="modeldesk-engine-reader", daemon=True)
        self._reader.start()

    def _read(self, conn: Any, process: Any, generation: int) -> None:
        """The reader thread: each message to the GUI thread; at the end, how the engine ended."""
        while True:
            try:
                data = conn.recv_bytes()
            except (EOFError, OSError):
                break
            self._received.emit((generation, decode(data)))
        process.join(10)
        self._received.emit((generation, ("ended", process.exitcode)))

    def _on_received(self, item: tuple) -> None:
        generation, message = item
        if generation != self._generation:
            return   # from an engine that was already stopped
        if message[0] == "ended":
            self._forget()
            self.ended.emit(f"the model engine stopped unexpectedly ({signal_name(message[1])})")
            return
        self.message.emit(message)

    def _forget(self) -> None:
        self._generation += 1
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None

    def kill(self) -> None:
        """End the engine at once (Stop now); its remaining messages are dropped."""
        process = self._process
        if process is None:
            return
        self._forget()
        process.kill()
        process.join(5)
        self.ended.emit("the model engine was restarted")

    def shutdown(self, seconds: float) -> bool:
        """Ask the engine to cancel its jobs and exit within ``seconds``; kill it after that.
        True if it exited by itself."""
        process, conn = self._process, self._conn
        if process is None:
            return True
        try:
            conn.send_bytes(engine_side.dumps(("quit", max(0.0, seconds - 0.5))))
        except (BrokenPipeError, OSError):
            pass
        process.join(seconds)
        clean = not process.is_alive()
        if not clean:
            process.kill()
            process.join(5)
        self._forget()
        if self._reader is not None:
            self._reader.join(5)
        return clean

