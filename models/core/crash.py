"""Crash logs: what a user can attach to a report when the app or its engine dies.

``faulthandler`` writes the Python stack of every thread to ``logs/crash-<time>-<process>-<pid>.log``
when a fatal signal (SIGSEGV, SIGABRT, SIGFPE, SIGBUS) arrives; an uncaught Python exception is
appended to the same file with its traceback (``install_hooks``). A process that ends normally
removes its log if it is still empty, so any crash log left behind records a crash.
"""
from __future__ import annotations

import faulthandler
import logging
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from types import TracebackType
from typing import IO, Callable, Optional

from models.core import paths

log = logging.getLogger(__name__)

#: ``notify(cause, log_path)``: how a process tells its user that an exception was logged
Notify = Callable[[str, Path], None]


class CrashLog:
    """An open crash log; ``close`` at a normal exit removes it if nothing was written."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self._handle: Optional[IO[str]] = handle
        self._lock = threading.Lock()

    def record(self, exc_type: type[BaseException], exc: BaseException, tb: Optional[TracebackType],
               where: str) -> Path:
        """Append an uncaught exception's traceback. The file faulthandler holds is written through the
        same handle, so a later fatal signal's stacks follow it instead of overwriting it."""
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        with self._lock:
            handle = self._handle or open(self.path, "a", encoding="utf-8")
            handle.write(f"Uncaught exception in {where} at {time.strftime('%Y-%m-%d %H:%M:%S')}:\n{text}\n")
            handle.flush()
            if handle is not self._handle:
                handle.close()
        log.error("uncaught exception in %s (crash log %s):\n%s", where, self.path, text)
        return self.path

    def close(self) -> None:
        with self._lock:
            if self._handle is None:
                return
            faulthandler.disable()
            self._handle.close()
            self._handle = None
        if self.path.exists() and self.path.stat().st_size == 0:
            self.path.unlink()


def install(process: str) -> CrashLog:
    """Route fatal-signal tracebacks of this process to a fresh crash log."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = paths.logs_dir() / f"crash-{stamp}-{process}-{os.getpid()}.log"
    handle = open(path, "w", encoding="utf-8")   # faulthandler writes to it from a signal handler
    faulthandler.enable(handle, all_threads=True)
    return CrashLog(path, handle)


def cause(exc: BaseException) -> str:
    """An exception in one line: its type and the first line of its message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def install_hooks(crash_log: CrashLog, notify: Notify) -> None:
    """Log every uncaught exception (main thread, Qt slots, other threads) to ``crash_log``, then
    ``notify`` the user. The process goes on: an exception in a slot or a thread ends only that
    call. Ctrl-C keeps Python's own handling."""

    def excepthook(exc_type: type[BaseException], exc: BaseException, tb: Optional[TracebackType]) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        notify(cause(exc), crash_log.record(exc_type, exc, tb, f"thread {threading.current_thread().name}"))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        notify(cause(args.exc_value), crash_log.record(args.exc_type, args.exc_value, args.exc_traceback,
                                                       f"thread {name}"))

    sys.excepthook = excepthook
    threading.excepthook = thread_hook


def crash_logs(since: float = 0.0) -> list[Path]:
    """Crash logs with content, newest first, written after ``since`` (a time.time())."""
    found = []
    for path in paths.logs_dir().glob("crash-*.log"):
        try:
            stat = path.stat()
        except OSError:   # another process removed its empty log meanwhile
            continue
        if stat.st_size > 0 and stat.st_mtime > since:
            found.append((stat.st_mtime, path))
    return [path for _, path in sorted(found, reverse=True)]


def crash_log_of(pid: int) -> Optional[Path]:
    """The crash log a process wrote (its pid ends the name), if it wrote one."""
    return next((p for p in crash_logs() if p.stem.endswith(f"-{pid}")), None)
