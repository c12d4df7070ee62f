"""The engine: the process that runs model jobs for the GUI.

The GUI process never imports torch: every job runs here, each on its own thread, and its
events stream back over one pipe. A native crash (a segfault in a library) ends this process,
not the app; the GUI starts a fresh engine for the next job. Work that cannot check its cancel
token is stopped by ending the process.

Messages are pickled tuples, one per ``send_bytes``:

- GUI → engine: ``("run", job_id, "package.module:function", kwargs)``, ``("cancel", job_id)``,
  ``("quit", seconds)``: cancel every job, wait up to ``seconds`` for them, then exit.
- engine → GUI: ``("ready", None, pid)``, ``("event", job_id, event)``, then exactly one of
  ``("result", job_id, value)``, ``("stopped", job_id, partial_value_or_None)`` or
  ``("error", job_id, message, details)`` per job; ``("bye", None)`` before a clean exit.
  Each is sent as ``(kind, job_id, pickled_rest)`` so that the GUI can tell which job a
  message belongs to even when it refuses to unpickle the rest (see ``workers/engine.py``).

A target is called as ``target(**kwargs, progress=..., cancel=...)`` (a quick one that takes
neither, such as a listing, without them). One that returns after its
token was cancelled ends ``stopped`` with what it returned (a partial result, such as the last
saved epoch); one that raises ``Cancelled`` ends ``stopped`` with None.

No Qt here: this module is the engine's side only; ``workers/engine.py`` is the GUI's.
"""
from __future__ import annotations

import importlib
import inspect
import logging
import os
import pickle
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Optional

from models.core import in_use, paths
from models.core.events import Cancelled, CancelToken, describe_error

log = logging.getLogger(__name__)

PROTOCOL = pickle.HIGHEST_PROTOCOL


def resolve_target(target: str) -> Callable[..., Any]:
    """``"package.module:function"`` → the function (imported here, in the engine)."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"a job target looks like 'package.module:function', not {target!r}")
    return getattr(importlib.import_module(module_name), attr)


def call(fn: Callable[..., Any], kwargs: dict, progress: Callable[[Any], None], cancel: CancelToken) -> Any:
    """``fn(**kwargs)`` with ``progress`` and ``cancel`` where it takes them."""
    params = inspect.signature(fn).parameters
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    extra = {name: value for name, value in (("progress", progress), ("cancel", cancel))
             if takes_all or name in params}
    return fn(**kwargs, **extra)


def _model_folders(kwargs: dict) -> list[Path]:
    """The folders of the models a job was given (``model``, ``pivot``: a path or an app model's name),
    so that none is removed under it. Only the app's own folders can be deleted, so no lookup beyond."""
    found = []
    for key in ("model", "pivot"):
        value = kwargs.get(key)
        if not isinstance(value, (str, os.PathLike)) or not str(value):
            continue
        for candidate in (Path(value).expanduser(), paths.models_dir() / str(value)):
            if candidate.is_dir():
                found.append(candidate)
                break
    return found


def dumps(message: tuple) -> bytes:
    """A GUI → engine message."""
    return pickle.dumps(message, protocol=PROTOCOL)


def encode(kind: str, job_id: Optional[int], *rest: Any) -> bytes:
    """An engine → GUI message: the kind and job in the clear, the rest pickled inside."""
    return pickle.dumps((kind, job_id, pickle.dumps(rest, protocol=PROTOCOL)), protocol=PROTOCOL)


class Engine:
    """Serves one connection: a thread per job, one lock around the pipe."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._send_lock = threading.Lock()
        self._jobs: dict[int, tuple[threading.Thread, CancelToken]] = {}
        self._jobs_lock = threading.Lock()

    def send(self, kind: str, job_id: Optional[int], *rest: Any) -> None:
        data = encode(kind, job_id, *rest)
        with self._send_lock:
            try:
                self.conn.send_bytes(data)
            except (BrokenPipeError, EOFError, OSError):
                os._exit(0)   # the GUI is gone: nobody is left to report to

    def serve(self) -> None:
        self.send("ready", None, os.getpid())
        while True:
            try:
                message = pickle.loads(self.conn.recv_bytes())
            except (EOFError, OSError):
                self._quit(2.0)   # the GUI closed the pipe (or died)
                return
            kind = message[0]
            if kind == "run":
                self._start(*message[1:])
            elif kind == "cancel":
                self._cancel(message[1])
            elif kind == "quit":
                self._quit(float(message[1]))
                self.send("bye", None)
                return

    def _start(self, job_id: int, target: str, kwargs: dict) -> None:
        token = CancelToken()
        thread = threading.Thread(target=self._run, args=(job_id, target, kwargs, token),
                                  name=f"job-{job_id}", daemon=True)
        with self._jobs_lock:
            self._jobs[job_id] = (thread, token)
        thread.start()

    def _cancel(self, job_id: int) -> None:
        with self._jobs_lock:
            entry = self._jobs.get(job_id)
        if entry is not None:
            entry[1].cancel()

    def _run(self, job_id: int, target: str, kwargs: dict, token: CancelToken) -> None:
        def progress(event: Any) -> None:
            self.send("event", job_id, event)

        try:
            with in_use.using(_model_folders(kwargs)):
                value = call(resolve_target(target), kwargs, progress, token)
        except Cancelled:
            self.send("stopped", job_id, None)
        except BaseException as exc:  # a job must never take the engine down
            details = traceback.format_exc()
            log.warning("job %s (%s) failed: %s", job_id, target, details)
            self.send("error", job_id, describe_error(exc), details)
        else:
            self.send("stopped" if token.cancelled else "result", job_id, value)
        finally:
            with self._jobs_lock:
                self._jobs.pop(job_id, None)

    def _quit(self, seconds: float) -> None:
        """Cancel every job and give them ``seconds`` in all to end."""
        with self._jobs_lock:
            entries = list(self._jobs.values())
        for _, token in entries:
            token.cancel()
        deadline = time.monotonic() + seconds
        for thread, _ in entries:
            thread.join(max(0.0, deadline - time.monotonic()))


def main(conn: Any, config: dict) -> None:
    """The engine process's entry point.

    ``config["env"]`` is the GUI's environment when it started the engine (a forked engine
    would otherwise keep its fork server's); ``config["threads"]`` is torch's thread count,
    set here once for the process and never changed by a job.
    """
    os.environ.clear()
    os.environ.update(config.get("env", {}))
    from models.core import crash, runtime

    crash_log = crash.install("engine")
    runtime.set_threads(config.get("threads") or None)
    Engine(conn).serve()
    crash_log.close()
    os._exit(0)   # job threads still stuck in uncancellable work end with the process
