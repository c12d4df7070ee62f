"""The Translate page: languages by name (a pair model's own, pivots through English, a multilingual model's
codes), beam size and length, translate-as-you-type, and documents (.txt, .md, .srt, .vtt) translated to a
file with progress and Stop."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

from PySide6.QtCore import QCoreApplication, QLocale, QT_TRANSLATE_NOOP, QTimer
from PySide6.QtGui import QShowEvent, QTextCursor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QSpinBox, QSplitter, QWidget)

from models.core.events import Final, Partial
from workers.runner import Job, JobSpec

from .. import jobs
from ..lifetime import while_alive
from ..panel import BadInput, TaskPanel
from ..settings import Key
from ..widgets.job_controls import JobControls

#: how long typing must pause before the text is translated
TYPING_PAUSE_MS = 400
DOCUMENTS = QT_TRANSLATE_NOOP("translate", "Documents (*.txt *.md *.srt *.vtt);;All files (*)")


def language_name(code: str) -> str:
    """"French (fra_Latn)" for a code Qt knows the language of, else the code itself."""
    language = QLocale.codeToLanguage(re.split(r"[_-]", code)[0])
    if language == QLocale.Language.AnyLanguage:
        return code
    return f"{QLocale.languageToString(language)} ({code})"


class TranslatePanel(TaskPanel):
    name = "translate"
    title = QT_TRANSLATE_NOOP("TaskPanel", "Translate")
    task = "translate"
    run_label = QT_TRANSLATE_NOOP("TaskPanel", "Translate")

    def build(self) -> None:
        self.source_combo = QComboBox()
        self.target_combo = QComboBox()
        for combo, key in ((self.source_combo, Key.TRANSLATE_SOURCE), (self.target_combo, Key.TRANSLATE_TARGET)):
            combo.setMinimumContentsLength(16)
            combo.setEnabled(False)
            combo.currentIndexChanged.connect(lambda _i, c=combo, k=key: self._remember(c, k))
        self.swap_button = QPushButton("⇄")
        self.swap_button.setToolTip(self.tr("Swap the languages"))
        self.swap_button.setFixedWidth(36)
        self.swap_button.setEnabled(False)
        self.swap_button.clicked.connect(self._swap)
        self.beam_size = self._spin(Key.TRANSLATE_BEAM_SIZE, 1, 16, self.tr("Beam size: more beams weigh more "
                                                                   "alternatives (slower); 1 is greedy"))
        self.max_length = self._spin(Key.TRANSLATE_MAX_LENGTH, 0, 1024, self.tr("Most tokens per translated sentence"))
        self.max_length.setSpecialValueText(self.tr("auto"))
        self.as_you_type = QCheckBox(self.tr("As you type"))
        self.as_you_type.setToolTip(self.tr("Translate after each pause in typing; the newest text wins"))
        self.as_you_type.setChecked(self.settings.get(Key.TRANSLATE_AS_YOU_TYPE))
        self.as_you_type.toggled.connect(lambda on: self.settings.set(Key.TRANSLATE_AS_YOU_TYPE, on))
        self.form.addRow(self.tr("Languages:"), self._row(QLabel(self.tr("From")), self.source_combo, self.swap_button, QLabel(self.tr("to")),
                                                 self.target_combo))
        self.form.addRow(self.tr("Decoding:"), self._row(QLabel(self.tr("Beam size")), self.beam_size, QLabel(self.tr("Max length")),
                                                self.max_length, self.as_you_type))
        self.input = QPlainTextEdit()
        self.input.setPlaceholderText(self.tr("Type, paste or open a text to translate…"))
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setPlaceholderText(self.tr("The translation appears here."))
        split = QSplitter()
        split.addWidget(self.input)
        split.addWidget(self.output)
        self.body.addWidget(split, 1)
        self.open_button = QPushButton(self.tr("Open a text…"))
        self.open_button.clicked.connect(self._open_file)
        self.save_button = QPushButton(self.tr("Save the translation…"))
        self.save_button.clicked.connect(self._save_dialog)
        self.body.addWidget(self._row(self.open_button, self.save_button))
        self.document = JobControls(self.runner, f"{self.name}-document", self.tr("Translate a document…"))
        self.document.run_button.setToolTip(self.tr("A .txt, .md, .srt or .vtt file, translated into a new file; its "
                                            "lines, markers, code blocks, cue numbers and timestamps are kept"))
        self.document.run_clicked.connect(self._document_dialog)
        self.body.addWidget(self.document)
        self.typing = QTimer(self)
        self.typing.setSingleShot(True)
        self.typing.setInterval(TYPING_PAUSE_MS)
        self.typing.timeout.connect(self._typed)
        self.input.textChanged.connect(self._on_text_changed)
        self._latest = False
        self._wanted_model = ""
        self._requested_model: Optional[str] = None
        if self.picker is not None:
            self.picker.changed.connect(self._model_changed)
            self._model_changed(self.picker.path())

    @staticmethod
    def _row(*widgets: QWidget) -> QWidget:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in widgets:
            row.addWidget(widget)
        row.addStretch(1)
        return holder

    def _spin(self, key: Key, low: int, high: int, tip: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(low, high)
        box.setToolTip(tip)
        box.setValue(self.settings.get(key))
        box.valueChanged.connect(lambda value: self.settings.set(key, value))
        return box

    # --- languages of the chosen model, read in the background ------------------
    def _languages_key(self) -> str:
        return f"{self.name}-languages"

    def _model_changed(self, path: str) -> None:
        self._wanted_model = path
        self._set_codes([], note=self.tr("choose a model") if not path else self.tr("reading…"))
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
        job = self.runner.start_latest(self._languages_key(), jobs.TRANSLATE_DESCRIBE, model=path)
        job.result.connect(self._described)
        job.error.connect(while_alive(self, lambda message, _details: self._languages_failed(message)))

    def _languages_failed(self, message: str) -> None:
        self._set_codes([], note="unavailable")
        self.set_status(message, error=True)

    def _described(self, facts: dict) -> None:
        if facts["codes"]:
            self._set_codes(facts["codes"])
        else:
            self._set_pair(facts["pair"], facts["pivots"])

    @staticmethod
    def _fill(combo: QComboBox, items: list[tuple[str, Any]], note: str) -> None:
        combo.blockSignals(True)
        combo.clear()
        for text, data in items:
            combo.addItem(text, data)
        combo.setPlaceholderText(note)
        combo.blockSignals(False)

    def _set_codes(self, codes: list[str], note: str = "") -> None:
        """A multilingual model: every code by name in both combos (remembering the last choice)."""
        for combo, key in ((self.source_combo, Key.TRANSLATE_SOURCE), (self.target_combo, Key.TRANSLATE_TARGET)):
            self._fill(combo, [(language_name(c), c) for c in codes], note)
            combo.setEnabled(bool(codes))
            remembered = combo.findData(self.settings.get(key))
            combo.blockSignals(True)
            combo.setCurrentIndex(remembered if remembered >= 0 else (-1 if combo is self.target_combo else 0))
            combo.blockSignals(False)
        self.swap_button.setEnabled(bool(codes))
        if codes:
            self.set_status(self.tr("{0} languages.").format(len(codes)))

    def _set_pair(self, pair: Optional[list[str]], pivots: list[dict]) -> None:
        """A pair model: its own two languages, and the targets it reaches through English."""
        source, target = pair or ("", "")
        self._fill(self.source_combo, [(language_name(source), None)] if pair else [], self.tr("fixed pair"))
        targets = [(language_name(target), None)] if pair else []
        targets += [(self.tr("{0} through English ({1})").format(language_name(p['target']), p['name']), p["model"]) for p in pivots]
        self._fill(self.target_combo, targets, self.tr("fixed pair"))
        self.source_combo.setEnabled(False)
        self.target_combo.setEnabled(len(targets) > 1)
        self.swap_button.setEnabled(False)
        for combo in (self.source_combo, self.target_combo):
            combo.setCurrentIndex(0 if combo.count() else -1)
        if pivots:
            self.set_status(self.tr("{0} more target{1} through English.").format(len(pivots), 's' if len(pivots) > 1 else ''))

    @property
    def multilingual(self) -> bool:
        return self.source_combo.isEnabled()

    def _remember(self, combo: QComboBox, key: Key) -> None:
        if self.multilingual and combo.currentData():
            self.settings.set(key, combo.currentData())

    def choose(self, source: Optional[str], target: str) -> None:
        """Select languages by code (multilingual) or a pivot target by its model path (pair models)."""
        if source is not None:
            self.source_combo.setCurrentIndex(self.source_combo.findData(source))
        self.target_combo.setCurrentIndex(self.target_combo.findData(target))

    def _swap(self) -> None:
        source, target = self.source_combo.currentData(), self.target_combo.currentData()
        self.choose(target, source)
        if self.output.toPlainText().strip():
            self.input.setPlainText(self.output.toPlainText())
            self.output.clear()

    def _languages(self) -> dict[str, Any]:
        """The job's language arguments: codes for a multilingual model, a pivot model for a pair."""
        if self.multilingual:
            if not self.target_combo.currentData():
                raise BadInput(self.tr("Choose the language to translate into."))
            return {"source": self.source_combo.currentData(), "target": self.target_combo.currentData()}
        return {"pivot": self.target_combo.currentData()}

    def _decoding(self) -> dict[str, Any]:
        return {"beam_size": self.beam_size.value(), "max_length": self.max_length.value() or None}

    # --- text, as you type ------------------------------------------------------------
    def _on_text_changed(self) -> None:
        if self.as_you_type.isChecked():
            self.typing.start()   # restarts: only a pause in typing translates

    def _typed(self) -> None:
        if self.input.toPlainText().strip() and self.picker is not None and self.picker.path():
            self._latest = True
            self.run(latest=True)
            self._latest = False

    def build_job(self) -> tuple[JobSpec, dict[str, Any]]:
        model = self.model_path()
        text = self.input.toPlainText()
        if not text.strip():
            raise BadInput(self.tr("Type or open a text to translate first."))
        languages = self._languages()
        if not self._latest:   # as you type, the last translation stays until the new one replaces it
            self.output.clear()
        return jobs.TRANSLATE, {"model": model, "text": text, **languages, **self._decoding()}

    def show_result(self, value: Any) -> None:
        self.output.setPlainText(value)

    # --- files ------------------------------------------------------------------------
    def _open_file(self) -> None:
        folder = self.settings.get(Key.TRANSLATE_DIR)
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a text file"), folder, QCoreApplication.translate("translate", DOCUMENTS))
        if path:
            self.settings.set(Key.TRANSLATE_DIR, str(Path(path).parent))
            self.load_file(path)

    def load_file(self, path: str) -> None:
        """Read a text file into the input box (in the engine: a document can be large)."""
        job = self.runner.start_latest(f"{self.name}-open", jobs.READ_TEXT, path=path)
        job.result.connect(while_alive(self, lambda text: self._opened(Path(path).name, text)))
        job.error.connect(while_alive(self, lambda message, _details: self.set_status(message, error=True)))

    def _opened(self, name: str, text: str) -> None:
        self.input.setPlainText(text)
        self.set_status(self.tr("Opened {0}.").format(name))

    def _save_dialog(self) -> None:
        if not self.output.toPlainText():
            self.set_status(self.tr("Nothing to save yet: translate a text first."), error=True)
            return
        folder = self.settings.get(Key.TRANSLATE_DIR)
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the translation"), folder, self.tr("Text files (*.txt)"))
        if path:
            self.save_translation(path)

    def save_translation(self, path: str) -> None:
        """Write the translation shown to ``path`` (in the engine, atomically)."""
        self.settings.set(Key.TRANSLATE_DIR, str(Path(path).parent))
        job = self.runner.start_latest(f"{self.name}-save", jobs.SAVE_TEXT, target=path,
                                       text=self.output.toPlainText())
        job.result.connect(while_alive(self, lambda _none: self.set_status(self.tr("Saved the translation to {0}.").format(path))))
        job.error.connect(while_alive(self, lambda message, _details: self.set_status(message, error=True)))

    def _document_dialog(self) -> None:
        folder = self.settings.get(Key.TRANSLATE_DIR)
        source, _ = QFileDialog.getOpenFileName(self, self.tr("Translate a document"), folder, QCoreApplication.translate("translate", DOCUMENTS))
        if not source:
            return
        self.settings.set(Key.TRANSLATE_DIR, str(Path(source).parent))
        tag = (self.target_combo.currentData() if self.multilingual else "") or "translated"
        suggested = Path(source).with_name(f"{Path(source).stem}.{Path(tag).name}{Path(source).suffix}")
        out, _ = QFileDialog.getSaveFileName(self, self.tr("Save the translated document as"), str(suggested))
        if out:
            self.translate_document(source, out)

    def translate_document(self, source: str, out: str) -> Optional[Job]:
        """Translate a document into ``out`` (written only when complete); it streams into the output box."""
        try:
            kwargs = {"model": self.model_path(), "path": source, "out": out, **self._languages(),
                      **self._decoding()}
        except BadInput as exc:
            self.document.set_status(str(exc), error=True)
            return None
        self.output.clear()
        job = self.document.start(jobs.TRANSLATE_FILE, **kwargs)
        job.partial.connect(self._document_partial)
        job.result.connect(lambda result: self.document.set_status(
            self.tr("Done: {0} passages translated into {1}.").format(result['units'], result['out'])))
        return job

    def _document_partial(self, event: Partial | Final) -> None:
        if isinstance(event, Partial) and event.restart:   # retried after the GPU ran out of memory
            self.output.clear()
        self.output.moveCursor(QTextCursor.MoveOperation.End)
        self.output.insertPlainText(event.text)
