"""A labelled-file chooser: path + Browse…, the text and label columns (detected, changeable), a summary line."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QWidget)

from models.classify import tabular
from models.core.events import ModelDeskError

FILTER = "Labelled data (*.csv *.tsv *.tab *.jsonl *.ndjson *.json);;All files (*)"
DETECTED = "(detected)"


class LabelledFileField(QWidget):
    """Reads the chosen file's header at once so the user sees its columns before pressing Run."""

    changed = Signal(str)

    def __init__(self, placeholder: str = "", with_columns: bool = True, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder or "a CSV, TSV or JSON Lines file with a text and a label column")
        self.browse = QPushButton("Browse…")
        self.text_combo = QComboBox()
        self.label_combo = QComboBox()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.browse)
        grid.addLayout(row, 0, 0, 1, 4)
        if with_columns:
            grid.addWidget(QLabel("Text column:"), 1, 0)
            grid.addWidget(self.text_combo, 1, 1)
            grid.addWidget(QLabel("Label column:"), 1, 2)
            grid.addWidget(self.label_combo, 1, 3)
        grid.addWidget(self.summary, 2, 0, 1, 4)
        self.browse.clicked.connect(self._browse)
        self.edit.editingFinished.connect(lambda: self.set_path(self.edit.text()))
        self._reset_columns([])

    def path(self) -> str:
        return self.edit.text().strip()

    def set_path(self, path: str) -> None:
        """Show ``path`` and its columns; a file that cannot be read says why in the summary line."""
        self.edit.setText(path)
        path = path.strip()
        if not path:
            self._reset_columns([])
            self.summary.setText("")
            return
        try:
            table = tabular.read_table(path)
        except ModelDeskError as exc:
            self._reset_columns([])
            self.summary.setText(str(exc))
            self.summary.setStyleSheet("color: #c0392b;")
            self.changed.emit(path)
            return
        text, label = tabular.detect_columns(table)
        self._reset_columns(table.columns, text, label)
        labels = len({r.get(label, "").strip() for r in table.rows} - {""}) if label else 0
        self.summary.setStyleSheet("")
        self.summary.setText(f"{len(table.rows):,} rows · {table.format.upper()} · {table.encoding}"
                             + (f" · {labels} labels in '{label}'" if label else " · no label column found"))
        self.changed.emit(path)

    def columns(self) -> tuple[Optional[str], Optional[str]]:
        """The chosen (text, label) columns; None where the user left detection on."""
        def chosen(combo: QComboBox) -> Optional[str]:
            return None if combo.currentIndex() <= 0 else combo.currentText()

        return chosen(self.text_combo), chosen(self.label_combo)

    def _reset_columns(self, columns: list[str], text: Optional[str] = None, label: Optional[str] = None) -> None:
        for combo, pick in ((self.text_combo, text), (self.label_combo, label)):
            combo.clear()
            combo.addItem(f"{DETECTED}: {pick}" if pick else DETECTED)
            combo.addItems(columns)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a labelled file", self.path(), FILTER)
        if path:
            self.set_path(path)
