"""The Translate page: language choice for multilingual models, input and output text, open a .txt file."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QSplitter, QWidget)

from workers.runner import JobSpec

from .. import jobs
from ..panel import BadInput, TaskPanel
from ..settings import Key


class TranslatePanel(TaskPanel):
    name = "translate"
    title = "Translate"
    task = "translate"
    run_label = "Translate"

    def build(self) -> None:
        self.source_combo = QComboBox()
        self.target_combo = QComboBox()
        for combo in (self.source_combo, self.target_combo):
            combo.setEditable(False)
            combo.setMinimumContentsLength(12)
            combo.setEnabled(False)
        self.source_combo.currentTextChanged.connect(lambda t: t and self.settings.set(Key.TRANSLATE_SOURCE, t))
        self.target_combo.currentTextChanged.connect(lambda t: t and self.settings.set(Key.TRANSLATE_TARGET, t))
        self.swap_button = QPushButton("⇄")
        self.swap_button.setToolTip("Swap the languages")
        self.swap_button.setFixedWidth(36)
        self.swap_button.setEnabled(False)
        self.swap_button.clicked.connect(self._swap)
        self.open_button = QPushButton("Open .txt…")
        self.open_button.clicked.connect(self._open_file)
        languages = QWidget()
        row = QHBoxLayout(languages)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("From"))
        row.addWidget(self.source_combo, 1)
        row.addWidget(self.swap_button)
        row.addWidget(QLabel("to"))
        row.addWidget(self.target_combo, 1)
        row.addStretch(1)
        row.addWidget(self.open_button)
        self.form.addRow("Languages:", languages)
        self.input = QPlainTextEdit()
        self.input.setPlaceholderText("Type, paste or open a text to translate…")
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setPlaceholderText("The translation appears here.")
        split = QSplitter()
        split.addWidget(self.input)
        split.addWidget(self.output)
        self.body.addWidget(split, 1)
        self._wanted_model = ""
        self._requested_model = None
        if self.picker is not None:
            self.picker.changed.connect(self._model_changed)
            self._model_changed(self.picker.path())

    # --- languages of the chosen model, read in the background ------------------
    def _languages_key(self) -> str:
        return f"{self.name}-languages"

    def _model_changed(self, path: str) -> None:
        self._wanted_model = path
        self._set_codes([], note="choose a model" if not path else "reading…")
        if self.isVisible():  # a hidden page loads its model when first shown, not at start-up
            self._load_languages()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._wanted_model != self._requested_model:
            self._load_languages()

    def _load_languages(self) -> None:
        """Read the chosen model's languages in the engine (it loads the model); the latest choice wins."""
        path = self._requested_model = self._wanted_model
        if not path:
            return
        job = self.runner.start_latest(self._languages_key(), jobs.TRANSLATE_LANGUAGES, model=path)
        job.result.connect(self._set_codes)
        job.error.connect(lambda message, _details: self._languages_failed(message))

    def _languages_failed(self, message: str) -> None:
        self._set_codes([], note="unavailable")
        self.set_status(message, error=True)

    def _set_codes(self, codes: list[str], note: str = "fixed pair") -> None:
        """Fill both combos (remembering the last choice); a pair model leaves them disabled."""
        for combo, key in ((self.source_combo, Key.TRANSLATE_SOURCE), (self.target_combo, Key.TRANSLATE_TARGET)):
            remembered = self.settings.get(key)
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(codes)
            combo.setPlaceholderText(note)
            combo.setEnabled(bool(codes))
            if remembered in codes:
                combo.setCurrentText(remembered)
            elif codes:
                combo.setCurrentIndex(-1 if combo is self.target_combo else 0)
            combo.blockSignals(False)
        self.swap_button.setEnabled(bool(codes))
        if codes:
            self.set_status(f"{len(codes)} languages.")

    def _swap(self) -> None:
        source, target = self.source_combo.currentText(), self.target_combo.currentText()
        self.source_combo.setCurrentText(target)
        self.target_combo.setCurrentText(source)
        if self.output.toPlainText().strip():
            self.input.setPlainText(self.output.toPlainText())
            self.output.clear()

    # --- files and jobs -----------------------------------------------------------
    def _open_file(self) -> None:
        folder = self.settings.get(Key.TRANSLATE_DIR)
        path, _ = QFileDialog.getOpenFileName(self, "Open a text file", folder, "Text files (*.txt);;All files (*)")
        if path:
            self.settings.set(Key.TRANSLATE_DIR, str(Path(path).parent))
            self.load_file(path)

    def load_file(self, path: str) -> None:
        """Read a text file into the input box (in the engine: a document can be large)."""
        job = self.runner.start_latest(f"{self.name}-open", jobs.READ_TEXT, path=path)
        job.result.connect(lambda text: self._opened(Path(path).name, text))
        job.error.connect(lambda message, _details: self.set_status(message, error=True))

    def _opened(self, name: str, text: str) -> None:
        self.input.setPlainText(text)
        self.set_status(f"Opened {name}.")

    def build_job(self) -> tuple[JobSpec, dict[str, Any]]:
        model = self.model_path()
        text = self.input.toPlainText()
        if not text.strip():
            raise BadInput("Type or open a text to translate first.")
        multilingual = self.target_combo.isEnabled()
        if multilingual and not self.target_combo.currentText():
            raise BadInput("Choose the language to translate into.")
        self.output.clear()
        return jobs.TRANSLATE, {
            "model": model, "text": text,
            "source": self.source_combo.currentText() or None if multilingual else None,
            "target": self.target_combo.currentText() or None if multilingual else None}

    def show_result(self, value: Any) -> None:
        self.output.setPlainText(value)
