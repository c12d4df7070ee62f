"""Crash logs: what a user can attach to a report when the app or its engine dies.

``faulthandler`` writes the Python stack of every thread to ``logs/crash-<time>-<process>.log``
when a fatal signal (SIGSEGV, SIGABRT, SIGFPE, SIGBUS) arrives; a process that ends normally
removes its empty log, so any crash log left behind is a crash.
"""
from __future__ import annotations

import faulthandler
import os
import time
from pathlib import Path
from typing import IO, Optional

from models.core import paths


class CrashLog:
    """An open crash log; ``close`` at a normal exit removes it if nothing was written."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self._handle: Optional[IO[str]] = handle

    def close(self) -> None:
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


def crash_logs(since: float = 0.0) -> list[Path]:
    """Crash logs with content, newest first, written after ``since`` (a time.time())."""
    found = [p for p in paths.logs_dir().glob("crash-*.log") if p.stat().st_size > 0 and p.stat().st_mtime > since]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)
