"""The Models page: the installed models and the actions on them, the catalogue, and the Hugging Face cache.

Listing, import, download, ONNX conversion and removal run as jobs in the engine (they read,
copy, fetch, export or delete for up to minutes). The Installed tab shows the shared list of
installed models, which every model picker shows too; downloads run through the shared
``ctx.downloads`` (several at once, each with its own Stop), whose news shows in the status line.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Callable, Optional

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QHBoxLayout, QInputDialog, QLabel, QMessageBox,
                               QPushButton, QTabWidget, QVBoxLayout, QWidget)

from models.core import store
from models.core.parity import format_parity
from workers.runner import JobSpec

from . import jobs
from .catalogue_view import CatalogueView
from .context import AppContext
from .hf_cache_view import HfCacheView
from .widgets.job_controls import JobControls
from .widgets.row_table import RowTable

COLUMNS = (QT_TRANSLATE_NOOP("RowTable", "Name"), QT_TRANSLATE_NOOP("RowTable", "Task"),
           QT_TRANSLATE_NOOP("RowTable", "Source"), QT_TRANSLATE_NOOP("RowTable", "Weights"), "ONNX",
           QT_TRANSLATE_NOOP("RowTable", "Path"))
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


class ModelManager(QWidget):
    """Tabs: Installed (Import folder…, Download…, Convert to ONNX + INT8, Remove, Refresh), Catalogue and
    Hugging Face cache."""

    job_key = "models"

    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = ctx.runner
        self._converting = ""
        self._select_after = ""
        self._showed_catalogue = False
        outer = QVBoxLayout(self)
        outer.addWidget(QLabel(self.tr("<h2>Models</h2>")))
        installed = QWidget()
        page = QVBoxLayout(installed)
        self.table = RowTable(COLUMNS)
        page.addWidget(self.table, 1)
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        page.addWidget(self.details)

        self.import_button = QPushButton(self.tr("Import folder…"))
        self.import_button.setToolTip(self.tr("A model folder in Hugging Face layout, a faster-whisper (CTranslate2) folder, "
                                      "or a folder holding an ONNX face generator"))
        self.import_file_button = QPushButton(self.tr("Import ONNX generator…"))
        self.import_file_button.setToolTip(self.tr("A face generator as one .onnx file (input z, output [N, 3, H, W]), with "
                                           "its optional .json sidecar; it is copied into the app's folder"))
        self.copy_check = QCheckBox(self.tr("copy into the app's folder"))
        self.copy_check.setToolTip(self.tr("Otherwise the folder is used where it lies"))
        self.download_button = QPushButton(self.tr("Download…"))
        self.download_button.setToolTip(self.tr("Fetch a model from the Hugging Face hub by its repository id"))
        self.convert_button = QPushButton(self.tr("Convert to ONNX + INT8"))
        self.convert_button.setToolTip(self.tr("Export the selected model for ONNX Runtime (fp32 and INT8) and check it "
                                       "against torch"))
        self.calibration_button = QPushButton(self.tr("Calibration file…"))
        self.calibration_button.setToolTip(self.tr("Your rows (labelled or not) to choose a classifier's INT8 on some and "
                                           "check it on the others, for a classifier not fine-tuned here (one "
                                           "fine-tuned here uses its validation rows)"))
        self.calibration = ""
        self.remove_button = QPushButton(self.tr("Remove"))
        self.refresh_button = QPushButton(self.tr("Refresh"))
        buttons = QHBoxLayout()
        for widget in (self.import_button, self.copy_check, self.import_file_button, self.download_button,
                       self.convert_button, self.calibration_button, self.remove_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        page.addLayout(buttons)

        self.catalogue = CatalogueView(ctx, self.set_status)
        self.cache_view = HfCacheView(ctx, self._start, self.set_status)
        self.tabs = QTabWidget()
        self.tabs.addTab(installed, self.tr("Installed"))
        self.tabs.addTab(self.catalogue, self.tr("Catalogue"))
        self.tabs.addTab(self.cache_view, self.tr("Hugging Face cache"))
        outer.addWidget(self.tabs, 1)
        self.controls = JobControls(self.runner, self.job_key, with_run=False)
        outer.addWidget(self.controls)

        self.import_button.clicked.connect(self.import_folder)
        self.import_file_button.clicked.connect(self.import_onnx_file)
        self.download_button.clicked.connect(self.download)
        self.convert_button.clicked.connect(self.convert)
        self.calibration_button.clicked.connect(self.choose_calibration)
        self.remove_button.clicked.connect(self.remove)
        self.refresh_button.clicked.connect(ctx.models.refresh)
        self.runner.busy_changed.connect(self._on_busy)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.tabs.currentChanged.connect(self._on_tab)
        ctx.models.changed.connect(self.refresh)
        ctx.downloads.changed.connect(self._on_download)
        ctx.downloads.finished.connect(lambda _name, info: self._imported(info))
        self.refresh()

    # --- the table --------------------------------------------------------
    def refresh(self) -> None:
        """Show the installed models, keeping the selection (or selecting the model a job just made)."""
        self.table.show_items(self.ctx.models.for_task(None), lambda info: (
            info.name, info.task, info.source, info.weights, "yes" if info.has_onnx else "no", str(info.path)),
            tooltip=lambda info: str(info.path), key=lambda info: info.path)
        if self._select_after:
            self.select(self._select_after)
        self._select_after = ""
        self._show_details()  # the selected row may be the same model with a new manifest
        if self.ctx.models.loaded and not self.table.items and not self._showed_catalogue:
            self._showed_catalogue = True   # nothing installed yet: start where the models are
            self.tabs.setCurrentWidget(self.catalogue)

    def _show_details(self) -> None:
        """The selected model's manifest: where it came from and, once converted, its ONNX parity."""
        info = self.selected()
        if info is None:
            self.details.setText("")
            return
        lines = [f"<b>{info.name}</b> · {info.task} · {info.model_type or self.tr('unknown type')}"]
        if info.manifest.get("source"):
            lines.append(self.tr("Source: {0}").format(info.manifest["source"]))
        if isinstance(info.manifest.get("parity"), dict):
            lines.append(self.tr("Parity: {0}").format(format_parity(info.manifest["parity"])))
        kept = (info.manifest.get("quantization") or {}).get("fp32")
        if kept:
            lines.append(self.tr("INT8 keeps in fp32: {0}").format(', '.join(map(str, kept))))
        if self.calibration:
            lines.append(self.tr("Calibration file for the next conversion: {0}").format(self.calibration))
        self.details.setText("<br>".join(html.escape(line) if i else line for i, line in enumerate(lines)))

    def selected(self) -> Optional[store.ModelInfo]:
        return self.table.selected()

    def select(self, name: str) -> bool:
        return self.table.select(lambda info: info.name == name)

    # --- actions ----------------------------------------------------------
    def import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Import a model folder"))
        if folder:
            self._start(jobs.IMPORT_MODEL, self.tr("Importing {0}…").format(Path(folder).name), self._imported,
                        folder=folder, copy=self.copy_check.isChecked())

    def import_onnx_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import an ONNX face generator"), "", self.tr("ONNX models (*.onnx)"))
        if path:
            self._start(jobs.IMPORT_MODEL, self.tr("Importing {0}…").format(Path(path).name), self._imported, folder=path)

    def download(self) -> None:
        repo_id, ok = QInputDialog.getText(self, self.tr("Download a model"),
                                           self.tr("Hugging Face repository id (e.g. Helsinki-NLP/opus-mt-en-de):"))
        repo_id = repo_id.strip()
        if not ok or not repo_id:
            return
        if not REPO_ID.match(repo_id):
            self.set_status(self.tr("'{0}' is not a repository id; it looks like owner/name.").format(repo_id), error=True)
            return
        self.ctx.downloads.request(self, repo_id)

    def convert(self) -> None:
        info = self.selected()
        if info is None:
            self.set_status(self.tr("Select a model to convert."), error=True)
            return
        self._converting = info.name
        extra = {"calibration": self.calibration} if self.calibration else {}
        self._start(jobs.EXPORT_ONNX, self.tr("Exporting {0} to ONNX…").format(info.name), self._converted, model=str(info.path),
                    **extra)

    def choose_calibration(self) -> None:
        """A file of the user's rows (CSV/TSV/JSON Lines) the next conversion of the selected classifier chooses
        and checks INT8 on."""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Your rows to choose and check INT8 on"),
                                              filter=self.tr("Data files (*.csv *.tsv *.tab *.jsonl *.ndjson *.json)"))
        if path:
            self.calibration = path
            self._show_details()

    def _on_selection(self) -> None:
        self.calibration = ""   # a calibration file belongs to the model it was chosen for
        self._show_details()

    def remove(self) -> None:
        info = self.selected()
        if info is None:
            self.set_status(self.tr("Select a model to remove."), error=True)
            return
        if info.source == "hf-cache":
            self.cache_view.confirm_delete(info.name)
            return
        question = (self.tr("Delete {0} and its folder {1}?").format(info.name, info.path) if info.source == "app"
                    else self.tr("Forget {0}? Its folder {1} stays on disk.").format(info.name, info.path))
        if QMessageBox.question(self, self.tr("Remove model"), question) != QMessageBox.StandardButton.Yes:
            return
        self._start(jobs.REMOVE_MODEL, self.tr("Removing {0}…").format(info.name), lambda _value: self._removed(info.name),
                    name=info.name)

    # --- jobs ---------------------------------------------------------------
    def _start(self, spec: JobSpec, message: str, on_result: Callable[[Any], None], **kwargs: Any) -> None:
        if self.runner.is_running(self.job_key):
            self.set_status(self.tr("Another model job is running; wait for it or press Stop."), error=True)
            return
        job = self.controls.start(spec, **kwargs)
        job.result.connect(on_result)
        self.set_status(message)

    def _imported(self, info: store.ModelInfo) -> None:
        self._select_after = info.name
        self.set_status(self.tr("{0}: {1} model, at {2}.").format(info.name, info.task, info.path))
        self.ctx.models.refresh()

    def _converted(self, parity: dict) -> None:
        self._select_after = self._converting
        self.set_status(self.tr("{0} converted. {1}").format(self._converting, format_parity(parity)))
        self.ctx.models.refresh()

    def _removed(self, name: str) -> None:
        self.set_status(self.tr("Removed {0}.").format(name))
        self.ctx.models.refresh()

    def _on_download(self, name: str) -> None:
        state = self.ctx.downloads.states.get(name)
        if state is not None:
            self.set_status(state.message, error=bool(state.error))

    def _on_tab(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.cache_view:
            self.cache_view.refresh()

    def _on_busy(self, key: str, running: bool) -> None:
        if key == self.job_key:
            for button in (self.import_button, self.import_file_button, self.download_button, self.convert_button,
                           self.calibration_button,
                           self.remove_button):
                button.setEnabled(not running)

    def set_status(self, text: str, error: bool = False) -> None:
        self.controls.set_status(text, error=error)
