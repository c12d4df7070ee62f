"""The transcript editor: a table of cues whose text and times can be edited, split and merged.

Clicking a cue asks for its stretch of audio to be played (``play_requested``; the page runs
that as an engine job). Every change is one step on an undo stack (Ctrl+Z, Ctrl+Shift+Z), kept
as the cue list before and after it. Saving writes SRT or VTT atomically, each cue's text
wrapped to the page's line rules.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from models.core.events import ModelDeskError
from models.core.scripts import display_width, join, units
from models.transcribe.cues import CueRules, line_width, wrap
from models.transcribe.transcript import Segment, Word, export

START, END, TEXT = range(3)
_TIME = re.compile(r"^(?:(\d+):)?(?:(\d+):)?(\d+(?:[.,]\d+)?)$")


def clock(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    return f"{hours:02d}:{minutes:02d}:{ms / 1000:06.3f}"


def one_line(text: str) -> str:
    """A cue's lines as one line: a space between spaced-script words, none between Chinese characters."""
    return join(text.split())


def parse_clock(text: str) -> float:
    """'01:02:03.5', '2:03,5' or '123.5' in seconds; ValueError for anything else."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(QCoreApplication.translate("TranscriptEditor", "'{0}' is not a time (write 00:01:02.500).")
                         .format(text))
    parts = [p for p in match.groups() if p is not None]
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part.replace(",", "."))
    return seconds


class _Change(QUndoCommand):
    """One edit: the cue list before and after it."""

    def __init__(self, editor: "TranscriptEditor", after: list[Segment], label: str) -> None:
        super().__init__(label)
        self.editor, self.before, self.after = editor, list(editor.cues), after

    def redo(self) -> None:
        self.editor.set_cues(self.after)

    def undo(self) -> None:
        self.editor.set_cues(self.before)


class TranscriptEditor(QWidget):
    play_requested = Signal(str, float, float)   # audio file, start, end
    status_changed = Signal(str, bool)

    def __init__(self, rules: Callable[[], CueRules], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.rules = rules
        self.cues: list[Segment] = []
        self.audio_path: Optional[str] = None
        self.target: Optional[Path] = None
        self.undo_stack = QUndoStack(self)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("Start"), self.tr("End"), self.tr("Text")])
        self.table.horizontalHeader().setSectionResizeMode(TEXT, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.itemChanged.connect(self._edited)
        self.table.cellClicked.connect(lambda row, _column: self.play(row))
        self.play_button = QPushButton(self.tr("Play"))
        self.split_button = QPushButton(self.tr("Split"))
        self.merge_button = QPushButton(self.tr("Merge with next"))
        self.undo_button = QPushButton(self.tr("Undo"))
        self.save_button = QPushButton(self.tr("Save…"))
        self.play_button.clicked.connect(lambda: self.play(self.table.currentRow()))
        self.split_button.clicked.connect(lambda: self.split(self.table.currentRow()))
        self.merge_button.clicked.connect(lambda: self.merge(self.table.currentRow()))
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.save_button.clicked.connect(self._choose_target)
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        buttons = QHBoxLayout()
        for button in (self.play_button, self.split_button, self.merge_button, self.undo_button, self.save_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.undo_button.setEnabled(False)
        self._update_buttons()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+Z and Ctrl+Shift+Z (the platform's undo/redo keys) anywhere in the editor."""
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo_stack.undo()
        elif event.matches(QKeySequence.StandardKey.Redo):
            self.undo_stack.redo()
        else:
            super().keyPressEvent(event)

    # --- the cues ------------------------------------------------------------------------
    def load(self, cues: list[Segment], audio_path: Optional[str] = None, target: Optional[Path] = None) -> None:
        """Edit ``cues`` (from ``audio_path``, played on click); ``target`` is where Save suggests."""
        self.audio_path, self.target = audio_path, target
        self.undo_stack.clear()
        self.set_cues(cues)

    def set_cues(self, cues: list[Segment]) -> None:
        row = self.table.currentRow()
        self.cues = list(cues)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.cues))
        for k, cue in enumerate(self.cues):
            for column, text in ((START, clock(cue.start)), (END, clock(cue.end)), (TEXT, one_line(cue.text))):
                self.table.setItem(k, column, QTableWidgetItem(text))
        self.table.blockSignals(False)
        if self.cues:
            self.table.setCurrentCell(min(max(row, 0), len(self.cues) - 1), TEXT)
        self._update_buttons()

    def _edited(self, item: QTableWidgetItem) -> None:
        row, cue = item.row(), self.cues[item.row()]
        try:
            if item.column() == TEXT:
                text = one_line(item.text())
                if not text:
                    raise ValueError(self.tr("A cue needs some text: merge it or delete its words instead."))
                changed = Segment(cue.start, cue.end, text, cue.words if text == one_line(cue.text) else ())
            else:
                seconds = parse_clock(item.text())
                start, end = (seconds, cue.end) if item.column() == START else (cue.start, seconds)
                if end <= start:
                    raise ValueError(self.tr("A cue must end after it starts."))
                changed = Segment(start, end, cue.text, cue.words)
        except ValueError as exc:
            self.status_changed.emit(str(exc), True)
            self.set_cues(self.cues)
            return
        after = list(self.cues)
        after[row] = changed
        self.undo_stack.push(_Change(self, after, self.tr("Edit cue")))

    def split(self, row: int) -> None:
        """Split a cue in two at its middle word; times follow its words, else the text's length."""
        if not 0 <= row < len(self.cues):
            return
        cue = self.cues[row]
        words = units(one_line(cue.text))   # in Chinese and Japanese, every character
        if len(words) < 2:
            self.status_changed.emit(self.tr("A cue of one word cannot be split."), True)
            return
        half = len(words) // 2
        if len(cue.words) == len(words):
            at = cue.words[half].start
        else:
            at = cue.start + (cue.end - cue.start) * display_width(join(words[:half])) / display_width(join(words))
        first = Segment(cue.start, at, join(words[:half]), tuple(cue.words[:half]))
        second = Segment(at, cue.end, join(words[half:]), tuple(cue.words[half:]))
        self.undo_stack.push(_Change(self, self.cues[:row] + [first, second] + self.cues[row + 1:], self.tr("Split cue")))

    def merge(self, row: int) -> None:
        """Merge a cue with the next one."""
        if not 0 <= row < len(self.cues) - 1:
            return
        a, b = self.cues[row], self.cues[row + 1]
        words: tuple[Word, ...] = a.words + b.words if a.words and b.words else ()
        merged = Segment(a.start, max(a.end, b.end), join([one_line(a.text), " " + one_line(b.text)]), words)
        self.undo_stack.push(_Change(self, self.cues[:row] + [merged] + self.cues[row + 2:], self.tr("Merge cues")))

    def play(self, row: int) -> None:
        if self.audio_path and 0 <= row < len(self.cues):
            cue = self.cues[row]
            self.play_requested.emit(self.audio_path, cue.start, cue.end)

    # --- saving ---------------------------------------------------------------------------
    def _choose_target(self) -> None:
        suggested = str(self.target) if self.target else "transcript.srt"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the subtitles"), suggested,
                                              self.tr("SubRip subtitles (*.srt);;WebVTT subtitles (*.vtt)"))
        if path:
            self.save(path)

    def save(self, path: str) -> None:
        """SRT or VTT by the suffix, written atomically, each cue wrapped to the line rules."""
        rules = self.rules()
        wrapped = [Segment(c.start, c.end, "\n".join(wrap(c.text, line_width(rules, c.text)) or [c.text]), c.words)
                   for c in self.cues]
        try:
            saved = export(wrapped, path)
        except (ModelDeskError, OSError) as exc:
            self.status_changed.emit(self.tr("Could not save: {0}").format(exc), True)
            return
        self.target = saved
        self.undo_stack.setClean()
        self.status_changed.emit(self.tr("Saved {0}.").format(saved), False)

    def _update_buttons(self) -> None:
        has = bool(self.cues)
        for button in (self.play_button, self.split_button, self.save_button):
            button.setEnabled(has)
        self.merge_button.setEnabled(len(self.cues) > 1)
