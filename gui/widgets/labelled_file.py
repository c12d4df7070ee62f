"""A labelled-file chooser: path + Browse…, the text and label columns (detected, changeable), a summary line.

The file is read in the engine (a training file can be tens of megabytes), and the latest pick wins.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QWidget)

from workers.runner import JobRunner

from .. import jobs

FILTER = QT_TRANSLATE_NOOP("labelled_file", "Labelled data (*.csv *.tsv *.tab *.jsonl *.ndjson *.json);;All files (*)")
DETECTED = QT_TRANSLATE_NOOP("LabelledFileField", "(detected)")
ERROR_STYLE = "color: #c0392b;"


class LabelledFileField(QWidget):
    """Reads the chosen file's header in the background so the user sees its columns before pressing Run."""

    changed = Signal(str)     # the path, as soon as it is chosen
    described = Signal(dict)  # what the file holds, once read

    def __init__(self, runner: JobRunner, placeholder: str = "", with_columns: bool = True,
                 parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.key = f"labelled-file-{id(self)}"
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder or self.tr("a CSV, TSV or JSON Lines file with a text and a label column"))
        self.browse = QPushButton(self.tr("Browse…"))
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
            grid.addWidget(QLabel(self.tr("Text column:")), 1, 0)
            grid.addWidget(self.text_combo, 1, 1)
            grid.addWidget(QLabel(self.tr("Label column:")), 1, 2)
            grid.addWidget(self.label_combo, 1, 3)
        grid.addWidget(self.summary, 2, 0, 1, 4)
        self.browse.clicked.connect(self._browse)
        self.edit.editingFinished.connect(lambda: self.set_path(self.edit.text()))
        self._reset_columns([])

    def path(self) -> str:
        return self.edit.text().strip()

    def set_path(self, path: str) -> None:
        """Show ``path`` and read its columns; a file that cannot be read says why in the summary line."""
        self.edit.setText(path)
        path = path.strip()
        self._reset_columns([])
        self.summary.setStyleSheet("")
        self.summary.setText(self.tr("Reading…") if path else "")
        self.changed.emit(path)
        if path:
            job = self.runner.start_latest(self.key, jobs.DESCRIBE_LABELLED, path=path)
            job.result.connect(self._show)
            job.error.connect(self._failed)

    def _show(self, info: dict) -> None:
        self._reset_columns(info["columns"], info["text_column"], info["label_column"])
        label = info["label_column"]
        self.summary.setText(self.tr("{0:,} rows · {1} · {2}").format(info["rows"], info["format"].upper(),
                                                              info["encoding"])
                             + (self.tr(" · {0} labels in '{1}'").format(info['labels'], label) if label else self.tr(" · no label column found")))
        self.described.emit(info)

    def _failed(self, message: str, _details: str) -> None:
        self.summary.setText(message)
        self.summary.setStyleSheet(ERROR_STYLE)

    def columns(self) -> tuple[Optional[str], Optional[str]]:
        """The chosen (text, label) columns; None where the user left detection on."""
        def chosen(combo: QComboBox) -> Optional[str]:
            return None if combo.currentIndex() <= 0 else combo.currentText()

        return chosen(self.text_combo), chosen(self.label_combo)

    def _reset_columns(self, columns: list[str], text: Optional[str] = None, label: Optional[str] = None) -> None:
        for combo, pick in ((self.text_combo, text), (self.label_combo, label)):
            combo.clear()
            combo.addItem(f"{self.tr(DETECTED)}: {pick}" if pick else self.tr(DETECTED))
            combo.addItems(columns)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a labelled file"), self.path(), QCoreApplication.translate("labelled_file", FILTER))
        if path:
            self.set_path(path)
