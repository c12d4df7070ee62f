"""The app started as ``main.py`` starts it, driven to crash (tests/gui/test_crash_logs.py runs it).

``crash``: a slot raises (the app must go on), then the process dies of SIGSEGV.
``next``: the next start; prints what it told the user about the last session, then leaves.
"""
from __future__ import annotations

import ctypes
import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from gui import app as gui_app


def crash() -> int:
    app, _window, _log = gui_app.start()

    def failing_slot() -> None:
        raise ValueError("a slot failed on purpose")

    def segfault() -> None:
        print("still running after the exception", flush=True)
        ctypes.string_at(0)

    QTimer.singleShot(50, failing_slot)
    QTimer.singleShot(400, segfault)
    return app.exec()


def next_start() -> int:
    app, _window, _log = gui_app.start()
    for widget in app.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            print(f"{widget.text()} | {widget.informativeText()}", flush=True)
    os._exit(0)   # the engine, still starting, ends with its pipe


if __name__ == "__main__":
    sys.exit({"crash": crash, "next": next_start}[sys.argv[1]]())
