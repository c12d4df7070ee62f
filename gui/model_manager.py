"""The Models page: every model the store knows, and the actions on them.

Import, download and ONNX conversion run as jobs (they copy, fetch or export
for seconds to minutes); listing and removing are quick and run in place.
``models_changed`` tells the rest of the window to refresh its model pickers.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Optional

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QFileDialog, QHBoxLayout, QHeaderView,
                               QInputDialog, QLabel, QMessageBox, QProgressBar, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from models.core import cache, store
from models.core.events import ModelDeskError, Progress
from models.classify.onnx_export import format_parity
from workers.runner import JobRunner
from workers.worker import Target

COLUMNS = ("Name", "Task", "Source", "Weights", "ONNX", "Path")
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


class ModelManager(QWidget):
    """A table of models with Import folder…, Download…, Convert to ONNX + INT8, Remove and Refresh."""

    models_changed = Signal()
    job_key = "models"

    def __init__(self, runner: JobRunner, settings: QSettings, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.models: list[store.ModelInfo] = []
        self._on_result: Callable[[Any], None] = lambda _value: None
        self._stopped = False
        self._converting = ""
        outer = QVBoxLayout(self)
        outer.addWidget(QLabel("<h2>Models</h2>"))
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        outer.addWidget(self.table, 1)
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.details)

        self.import_button = QPushButton("Import folder…")
        self.import_button.setToolTip("A model folder in Hugging Face layout, or a faster-whisper (CTranslate2) folder")
        self.copy_check = QCheckBox("copy into the app's folder")
        self.copy_check.setToolTip("Otherwise the folder is used where it lies")
        self.download_button = QPushButton("Download…")
        self.download_button.setToolTip("Fetch a model from the Hugging Face hub by its repository id")
        self.convert_button = QPushButton("Convert to ONNX + INT8")
        self.convert_button.setToolTip("Export the selected classifier for ONNX Runtime and check it against torch")
        self.remove_button = QPushButton("Remove")
        self.refresh_button = QPushButton("Refresh")
        buttons = QHBoxLayout()
        for widget in (self.import_button, self.copy_check, self.download_button, self.convert_button,
                       self.remove_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        outer.addLayout(buttons)

        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        jobs = QHBoxLayout()
        jobs.addWidget(self.stop_button)
        jobs.addWidget(self.progress_bar, 1)
        outer.addLayout(jobs)
        self.status = QLabel("Ready.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.status)

        self.import_button.clicked.connect(self.import_folder)
        self.download_button.clicked.connect(self.download)
        self.convert_button.clicked.connect(self.convert)
        self.remove_button.clicked.connect(self.remove)
        self.refresh_button.clicked.connect(self.refresh)
        self.stop_button.clicked.connect(lambda: self.runner.stop(self.job_key))
        self.runner.busy_changed.connect(self._on_busy)
        self.table.itemSelectionChanged.connect(self._show_details)
        self.refresh()

    # --- the table --------------------------------------------------------
    def refresh(self) -> None:
        """List the store's models again, keeping the selection where it can."""
        chosen = self.selected()
        self.models = store.list_models()
        self.table.setRowCount(len(self.models))
        for row, info in enumerate(self.models):
            cells = (info.name, info.task, info.source, info.weights, "yes" if info.has_onnx else "no", str(info.path))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(info.path))
                self.table.setItem(row, column, item)
            if chosen is not None and info.path == chosen.path:
                self.table.selectRow(row)
        self._show_details()  # the selected row may be the same model with a new manifest

    def _show_details(self) -> None:
        """The selected model's manifest: where it came from and, once converted, its ONNX parity."""
        info = self.selected()
        if info is None:
            self.details.setText("")
            return
        lines = [f"<b>{info.name}</b> · {info.task} · {info.model_type or 'unknown type'}"]
        if info.manifest.get("source"):
            lines.append(f"Source: {info.manifest['source']}")
        if isinstance(info.manifest.get("parity"), dict):
            lines.append(f"Parity: {format_parity(info.manifest['parity'])}")
        self.details.setText("<br>".join(lines))

    def selected(self) -> Optional[store.ModelInfo]:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.models[rows[0].row()] if rows and rows[0].row() < len(self.models) else None

    def select(self, name: str) -> bool:
        for row, info in enumerate(self.models):
            if info.name == name:
                self.table.selectRow(row)
                return True
        return False

    # --- actions ----------------------------------------------------------
    def import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a model folder")
        if not folder:
            return
        try:  # say what is wrong with the folder now, rather than from a job
            store.inspect(folder)
        except ModelDeskError as exc:
            self.set_status(str(exc), error=True)
            return
        self._start("models.core.store:import_folder", f"Importing {Path(folder).name}…", self._imported,
                    folder=folder, copy=self.copy_check.isChecked())

    def download(self) -> None:
        repo_id, ok = QInputDialog.getText(self, "Download a model",
                                           "Hugging Face repository id (e.g. Helsinki-NLP/opus-mt-en-de):")
        repo_id = repo_id.strip()
        if not ok or not repo_id:
            return
        if not REPO_ID.match(repo_id):
            self.set_status(f"'{repo_id}' is not a repository id; it looks like owner/name.", error=True)
            return
        self._start("models.core.store:download", f"Downloading {repo_id}…", self._imported, repo_id=repo_id)

    def convert(self) -> None:
        info = self.selected()
        if info is None or info.task != "classify":
            self.set_status("Select a classifier to convert: ONNX export is for sequence classifiers.", error=True)
            return
        self._converting = info.name
        self._start("models.classify.onnx_export:export_classifier", f"Exporting {info.name} to ONNX…", self._converted,
                    model=str(info.path))

    def remove(self) -> None:
        info = self.selected()
        if info is None:
            self.set_status("Select a model to remove.", error=True)
            return
        if info.source == "hf-cache":
            self.set_status(f"{info.name} is in the Hugging Face cache; remove it with the huggingface-cli tools.",
                            error=True)
            return
        question = (f"Delete {info.name} and its folder {info.path}?" if info.source == "app"
                    else f"Forget {info.name}? Its folder {info.path} stays on disk.")
        answer = QMessageBox.question(self, "Remove model", question)
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            store.remove(info.name)
        except (ModelDeskError, OSError) as exc:
            self.set_status(f"Could not remove {info.name}: {exc}", error=True)
            return
        cache.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == str(info.path))
        self.set_status(f"Removed {info.name}.")
        self.refresh()
        self.models_changed.emit()

    # --- jobs ---------------------------------------------------------------
    def _start(self, target: Target, message: str, on_result: Callable[[Any], None], **kwargs: Any) -> None:
        """Run a job; worker signals go to bound slots (a lambda would run in the worker's thread)."""
        if self.runner.is_running(self.job_key):
            self.set_status("Another model job is running; wait for it or press Stop.", error=True)
            return
        worker = self.runner.start(self.job_key, target, **kwargs)
        self._on_result = on_result
        self._stopped = False
        worker.progress.connect(self._on_progress)
        worker.result.connect(self._on_job_result)
        worker.error.connect(self._on_job_error)
        worker.cancelled.connect(self._on_job_cancelled)
        self.progress_bar.setRange(0, 0)
        self.set_status(message)
        self.runner.launch(self.job_key)

    def _on_job_result(self, value: Any) -> None:
        if not self._stopped:  # a stopped job's partial result is not a new model
            self._on_result(value)

    def _on_job_error(self, message: str, _details: str) -> None:
        self.set_status(message, error=True)

    def _on_job_cancelled(self) -> None:
        self._stopped = True
        self.set_status("Stopped.")

    def _imported(self, info: store.ModelInfo) -> None:
        self.refresh()
        self.select(info.name)
        self.set_status(f"{info.name}: {info.task} model, at {info.path}.")
        self.models_changed.emit()

    def _converted(self, parity: dict) -> None:
        name = self._converting
        self.refresh()
        self.select(name)
        self.set_status(f"{name} converted. {format_parity(parity)}")
        self.models_changed.emit()

    def _on_progress(self, event: Progress) -> None:
        if event.fraction is not None:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(event.fraction * 1000))
        if event.message:
            self.set_status(event.message)

    def _on_busy(self, key: str, running: bool) -> None:
        if key != self.job_key:
            return
        self.stop_button.setEnabled(running)
        for button in (self.import_button, self.download_button, self.convert_button, self.remove_button):
            button.setEnabled(not running)
        if not running:
            self.progress_bar.setRange(0, 1)
            self.progress_bar.setValue(1)

    def set_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #c0392b;" if error else "")
