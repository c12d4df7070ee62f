"""The Transcribe page's file queue: several sound files, each with its own progress and status.

Files are added with a dialog or dropped on the list. Start runs them one after the other, one
engine job per file under one job key (the engine keeps the model loaded, so it loads once);
Stop ends the running file, marks it Stopped and leaves the rest queued. A finished file can be
opened in the editor, and Export all writes every finished transcript as subtitles.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from models.core.events import Progress
from models.transcribe.transcript import Segment
from workers.runner import JobRunner, JobSpec

from ..lifetime import while_alive

#: a file's states (kept in English, shown translated)
QUEUED, RUNNING, DONE, STOPPED, FAILED = (QT_TRANSLATE_NOOP("FileQueue", "Queued"),
                                          QT_TRANSLATE_NOOP("FileQueue", "Transcribing"),
                                          QT_TRANSLATE_NOOP("FileQueue", "Done"), QT_TRANSLATE_NOOP("FileQueue", "Stopped"),
                                          QT_TRANSLATE_NOOP("FileQueue", "Failed"))
SOUND_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".opus", ".aiff", ".aif", ".m4a"}


@dataclass
class QueueItem:
    path: str
    status: str = QUEUED
    detail: str = ""
    segments: list[Segment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # the job's warnings (stretches given up)


def _failure(item: QueueItem) -> str:
    """Why a file failed, naming it once (most messages name their file already)."""
    name = Path(item.path).name
    return item.detail if name in item.detail else QCoreApplication.translate("FileQueue", "{0} failed: {1}").format(
        name, item.detail)


class FileQueue(QWidget):
    """The queue's list and buttons; ``make_job(path)`` builds each file's (spec, kwargs)
    (it may raise the page's BadInput, whose sentence goes to ``status_changed``)."""

    opened = Signal(str, object)          # audio path, its segments
    status_changed = Signal(str, bool)    # text, is an error
    export_wanted = Signal()

    def __init__(self, runner: JobRunner, key: str, make_job: Callable[[str], tuple[JobSpec, dict]],
                 parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.runner, self.key, self.make_job = runner, key, make_job
        self.items: list[QueueItem] = []
        self._running: Optional[int] = None
        self.setAcceptDrops(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("File"), self.tr("Status"), self.tr("Progress")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.hint = QLabel(self.tr("Drop sound files here, or press Add files…"))
        self.add_button = QPushButton(self.tr("Add files…"))
        self.start_button = QPushButton(self.tr("Start queue"))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.open_button = QPushButton(self.tr("Open in editor"))
        self.export_button = QPushButton(self.tr("Export all…"))
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.open_button.clicked.connect(self.open_selected)
        self.export_button.clicked.connect(self.export_wanted.emit)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.start_button, self.stop_button, self.open_button, self.export_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.hint)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    # --- adding ---------------------------------------------------------------------
    def add(self, paths: list[str]) -> None:
        for path in paths:
            self.items.append(QueueItem(str(path)))
            row = self.table.rowCount()
            self.table.insertRow(row)
            name = QTableWidgetItem(Path(path).name)
            name.setToolTip(str(path))
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, QTableWidgetItem(QUEUED))
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setValue(0)
            self.table.setCellWidget(row, 2, bar)
        self._update_buttons()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        sounds = [p for p in paths if Path(p).suffix.lower() in SOUND_SUFFIXES]
        if sounds:
            self.add(sounds)
            event.acceptProposedAction()
        if len(sounds) < len(paths):
            self.status_changed.emit(self.tr("Only sound files can be queued (wav, flac, ogg, mp3, opus, aiff, m4a)."), True)

    # --- running --------------------------------------------------------------------
    def start(self) -> None:
        """Run the queued (and stopped) files, one after the other."""
        for row, item in enumerate(self.items):
            if item.status == STOPPED:
                self._set(row, QUEUED, 0)
        self._next()

    def stop(self) -> None:
        self.runner.stop(self.key)

    @property
    def running(self) -> bool:
        return self._running is not None

    def _next(self) -> None:
        if self.runner.is_running(self.key):
            return
        row = next((k for k, item in enumerate(self.items) if item.status == QUEUED), None)
        if row is None:
            self._running = None
            self._update_buttons()
            done = sum(item.status == DONE for item in self.items)
            failed = [item for item in self.items if item.status == FAILED]
            if failed and len(self.items) == 1:   # one file: its own sentence says it all
                text = _failure(failed[0])
            else:
                text = self.tr("Queue finished: {0} of {1} files transcribed.").format(done, len(self.items))
                text += f" {_failure(failed[0])}" if failed else ""
            warned = [item for item in self.items if item.status == DONE and item.notes]
            text += f" {Path(warned[0].path).name}: {warned[0].notes[0]}" if warned else ""
            self.status_changed.emit(text, bool(failed))
            return
        try:
            spec, kwargs = self.make_job(self.items[row].path)
        except Exception as exc:   # the page's BadInput: say it, run nothing
            self.status_changed.emit(str(exc), True)
            return
        self._running = row
        self.items[row].notes = []
        self._set(row, RUNNING, 0)
        job = self.runner.start(self.key, spec, **kwargs)
        job.progress.connect(while_alive(self, lambda event, r=row: self._progress(r, event)))
        job.result.connect(while_alive(self, lambda value, r=row: self._finished(r, value)))
        job.cancelled.connect(while_alive(self, lambda _value, r=row: self._stopped(r)))
        job.error.connect(while_alive(self, lambda message, _details, r=row: self._failed(r, message)))
        job.log.connect(while_alive(self, lambda message, r=row: self.items[r].notes.append(message)))
        self._update_buttons()

    def _progress(self, row: int, event: Progress) -> None:
        bar = self.table.cellWidget(row, 2)
        if bar is not None and event.fraction is not None:
            bar.setValue(int(event.fraction * 1000))
        if event.fraction is not None:
            self.table.item(row, 1).setText(f"{self.tr(RUNNING)} {event.fraction:.0%}")

    def _finished(self, row: int, transcript: Any) -> None:
        item = self.items[row]
        item.segments = list(transcript.segments)
        detail = self.tr("{0} segments").format(len(transcript.segments))
        self._set(row, DONE, 1000, " ".join([detail + ("." if item.notes else "")] + item.notes))
        if item.notes:   # a stretch given up is said, never silently lost
            warned = self.tr("{0}: {1} warning") if len(item.notes) == 1 else self.tr("{0}: {1} warnings")
            self.table.item(row, 1).setText(warned.format(self.tr(DONE), len(item.notes)))
        self._after(row)

    def _stopped(self, row: int) -> None:
        self._set(row, STOPPED, None)
        self._running = None
        self._update_buttons()
        self.status_changed.emit(self.tr("Stopped {0}; the rest stays queued.").format(Path(self.items[row].path).name), False)

    def _failed(self, row: int, message: str) -> None:
        self._set(row, FAILED, None, message)
        self.status_changed.emit(_failure(self.items[row]), True)
        self._after(row)

    def _after(self, row: int) -> None:
        self._running = None
        self._next()

    def _set(self, row: int, status: str, value: Optional[int], detail: str = "") -> None:
        item = self.items[row]
        item.status, item.detail = status, detail
        cell = self.table.item(row, 1)
        cell.setText(f"{self.tr(status)}: {detail}" if detail and status == FAILED else self.tr(status))
        cell.setToolTip(detail)
        bar = self.table.cellWidget(row, 2)
        if bar is not None and value is not None:
            bar.setValue(value)
        self._update_buttons()

    # --- finished files -----------------------------------------------------------------
    def finished_items(self) -> list[QueueItem]:
        return [item for item in self.items if item.status == DONE]

    def open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return
        item = self.items[rows[0].row()]
        if item.status == DONE:
            self.opened.emit(item.path, list(item.segments))

    def _update_buttons(self) -> None:
        busy = self._running is not None
        waiting = any(item.status in (QUEUED, STOPPED) for item in self.items)
        self.start_button.setEnabled(waiting and not busy)
        self.stop_button.setEnabled(busy)
        self.export_button.setEnabled(bool(self.finished_items()))
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        self.open_button.setEnabled(bool(rows) and self.items[rows[0].row()].status == DONE)
        self.hint.setVisible(not self.items)
