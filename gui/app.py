"""Create the QApplication and the main window (or render a screenshot)."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


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

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ModelDesk")
    app.setOrganizationName("ModelDesk")
    app.setApplicationDisplayName("ModelDesk")
    icon = RESOURCES / "icon.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    style = RESOURCES / "style.qss"
    if style.is_file():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


def run_gui(panel: Optional[str] = None, screenshot: Optional[str] = None) -> int:
    _ensure_platform(headless=screenshot is not None)
    app = make_app()
    from .main_window import MainWindow

    window = MainWindow(warm_up=screenshot is None)
    if panel:
        window.show_panel(panel)
    if screenshot:
        window.resize(1200, 800)
        window.show()
        app.processEvents()
        ok = window.grab().save(screenshot)
        window.close()
        if not ok:
            print(f"modeldesk: error: could not write {screenshot}", file=sys.stderr)
            return 2
        return 0
    window.show()
    return app.exec()
