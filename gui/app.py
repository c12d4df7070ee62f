"""Create the QApplication and the main window (or render a screenshot)."""
from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any, Optional

#: the desktop entry's file name, the Wayland app id and the X11 instance name (first half of WM_CLASS)
APP_ID = "modeldesk"
#: the application name, which Qt makes the X11 class name (second half of WM_CLASS): the desktop
#: entry's StartupWMClass, so the dock groups the window with its launcher
APP_NAME = "ModelDesk"


def resource(name: str) -> Path:
    """A file of the ``resources`` package (icon, style sheet, desktop entry), wherever it is installed."""
    return Path(str(resources.files("resources").joinpath(name)))


def _ensure_platform(headless: bool) -> None:
    """Qt aborts without a display; fall back to offscreen with a note instead."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print("modeldesk: no display found (DISPLAY is unset); running offscreen", file=sys.stderr)
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def make_app():
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    # argv[0] names the X11 instance whichever way the app was started (launcher, main.py, python -m)
    app = QApplication.instance() or QApplication([APP_ID])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName(APP_ID)
    from .i18n import install
    from .settings import Key, Settings

    if app.property("modeldesk_translators") is None:   # once per app (tests make windows on one app)
        install(app, Settings().get(Key.LANGUAGE))
    icon = resource("icon.svg")
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    style = resource("style.qss")
    if style.is_file():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


def start(panel: Optional[str] = None) -> tuple[Any, Any, Any]:
    """The app with its crash handling, and its window shown: (app, window, crash log).

    Fatal signals and uncaught exceptions go to a crash log (an exception also opens a dialog and
    the app goes on); a crash log left by an earlier session is reported once the window shows.
    """
    from models.core import crash

    crash_log = crash.install("gui")
    app = make_app()
    from .crash_report import CrashReporter, report_last_crash
    from .main_window import MainWindow

    crash.install_hooks(crash_log, CrashReporter(app).notify)
    window = MainWindow(warm_up=True)
    if panel:
        window.show_panel(panel)
    window.show()
    report_last_crash(window, window.settings, own_log=crash_log.path)
    return app, window, crash_log


def run_gui(panel: Optional[str] = None, screenshot: Optional[str] = None) -> int:
    _ensure_platform(headless=screenshot is not None)
    if screenshot:
        return _screenshot(panel, screenshot)
    app, _window, crash_log = start(panel)
    try:
        return app.exec()
    finally:
        crash_log.close()


def _screenshot(panel: Optional[str], path: str) -> int:
    app = make_app()
    from .main_window import MainWindow

    window = MainWindow(warm_up=False)
    if panel:
        window.show_panel(panel)
    window.resize(1200, 800)
    window.show()
    app.processEvents()
    ok = window.grab().save(path)
    window.close()
    if not ok:
        print(f"modeldesk: error: could not write {path}", file=sys.stderr)
        return 2
    return 0
