"""The app run as ``main.py`` runs it (gui.app.run_gui), driven to fail (tests/gui/test_crash_logs.py).

``exception``: a slot raises; the app goes on, then its window is closed and it exits normally.
``segfault``: a slot raises, then the process dies of SIGSEGV.
``next``: the next start; prints what it told the user about the last session, then leaves.
"""
from __future__ import annotations

import ctypes
import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from gui import app as gui_app


def failing_slot() -> None:
    raise ValueError("a slot failed on purpose")


def close_every_window() -> None:
    print("still running after the exception", flush=True)
    for widget in QApplication.topLevelWidgets():
        widget.close()


def segfault() -> None:
    print("still running after the exception", flush=True)
    ctypes.string_at(0)


def fail(then) -> int:
    gui_app.make_app()   # the timers need the application; run_gui takes this one
    QTimer.singleShot(100, failing_slot)
    QTimer.singleShot(500, then)
    return gui_app.run_gui()


def next_start() -> int:
    app, _window, _log = gui_app.start()
    for widget in app.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            print(f"{widget.text()} | {widget.informativeText()}", flush=True)
    os._exit(0)   # nothing ran yet: no engine to wait for


if __name__ == "__main__":
    modes = {"exception": lambda: fail(close_every_window), "segfault": lambda: fail(segfault), "next": next_start}
    sys.exit(modes[sys.argv[1]]())
