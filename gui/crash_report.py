"""Crashes as the user sees them: a dialog for an exception nobody caught, and at start-up a notice
that the last session crashed, each with the crash log to attach to a report (models.core.crash
writes the logs)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from models.core import crash

from .settings import Key, Settings


def _notice(parent: Optional[QWidget], icon: QMessageBox.Icon, text: str, details: str) -> QMessageBox:
    """A message box that does not block: the app goes on while it is open."""
    box = QMessageBox(icon, "ModelDesk", text, QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText(details)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


class CrashReporter(QObject):
    """Shows a dialog for each uncaught exception, whatever thread it happened on (the signal
    carries it to the GUI thread). One dialog at a time: the log keeps every exception."""

    _report = Signal(str, str)   # cause, log path

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.dialog: Optional[QMessageBox] = None
        self._showing = False
        self._report.connect(self._show)

    def notify(self, cause: str, path: Path) -> None:
        self._report.emit(cause, str(path))

    def _show(self, cause: str, path: str) -> None:
        if self.dialog is not None or self._showing:   # _showing: an error while showing is not shown again
            return
        self._showing = True
        try:
            self.dialog = _notice(QApplication.activeWindow(), QMessageBox.Icon.Critical,
                                  self.tr("Something went wrong: {0}").format(cause),
                                  self.tr("ModelDesk keeps running, but what you were doing may not have finished. The details are in {0}.").format(path))
            self.dialog.finished.connect(self._closed)
        finally:
            self._showing = False

    def _closed(self, _result: int) -> None:
        self.dialog = None


def report_last_crash(parent: Optional[QWidget], settings: Settings,
                      own_log: Optional[Path] = None) -> list[Path]:
    """Say that the last session crashed when a crash log was written since the last time this was
    said (``own_log``, this process's, is left out); returns the logs it reported."""
    logs = [p for p in crash.crash_logs(since=settings.get(Key.CRASH_SEEN)) if p != own_log]
    if not logs:
        return []
    settings.set(Key.CRASH_SEEN, max(p.stat().st_mtime for p in logs))
    more = QCoreApplication.translate("crash_report", " ({0} older ones are beside it)").format(len(logs) - 1) if len(logs) > 1 else ""
    _notice(parent, QMessageBox.Icon.Warning, QCoreApplication.translate("crash_report", "The last ModelDesk session crashed."),
            QCoreApplication.translate("crash_report", "Its crash log is {0}{1}; please attach it to a bug report.").format(logs[0], more))
    return logs
