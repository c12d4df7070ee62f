"""The catalogue on the Models page: the recommended models, whether each fits this machine, and downloads.

A row's status is its download's (a progress bar with the bytes, speed and time left while it
runs; stopped or failed after) or "Installed" once a model from its repository is in the list.
Download resumes a stopped download; Stop keeps what arrived.
"""
from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from models.core import catalogue
from models.core.catalogue import Entry, Machine
from models.core.units import format_size

from . import jobs
from .context import AppContext
from .widgets.row_table import RowTable

COLUMNS = (QT_TRANSLATE_NOOP("RowTable", "Model"), QT_TRANSLATE_NOOP("RowTable", "Task"),
           QT_TRANSLATE_NOOP("RowTable", "Size"), QT_TRANSLATE_NOOP("RowTable", "Licence"),
           QT_TRANSLATE_NOOP("RowTable", "Languages"), QT_TRANSLATE_NOOP("RowTable", "Needs"),
           QT_TRANSLATE_NOOP("RowTable", "Fits this machine"), QT_TRANSLATE_NOOP("RowTable", "Status"))
STATUS = COLUMNS.index("Status")
FITS = COLUMNS.index("Fits this machine")
MACHINE_KEY = "machine"
ALL_TASKS = QT_TRANSLATE_NOOP("CatalogueView", "All tasks")
#: task names as the filter shows them
TASK_NAMES = {"classify": QT_TRANSLATE_NOOP("CatalogueView", "classify"),
              "generate": QT_TRANSLATE_NOOP("CatalogueView", "generate"),
              "translate": QT_TRANSLATE_NOOP("CatalogueView", "translate"),
              "transcribe": QT_TRANSLATE_NOOP("CatalogueView", "transcribe"),
              "faces": QT_TRANSLATE_NOOP("CatalogueView", "faces")}


class CatalogueView(QWidget):
    def __init__(self, ctx: AppContext, set_status: Callable[..., None], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.set_status = set_status
        self.machine: Optional[Machine] = None
        self.task_filter = QComboBox()
        self.task_filter.addItem(QCoreApplication.translate("CatalogueView", ALL_TASKS), None)
        for task in dict.fromkeys(e.task for e in catalogue.entries()):
            self.task_filter.addItem(QCoreApplication.translate("CatalogueView", TASK_NAMES.get(task, task)), task)
        self.machine_label = QLabel(self.tr("This machine: checking…"))
        self.table = RowTable(COLUMNS)
        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setToolTip(self.tr("Download the selected model (a stopped download resumes)"))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the selected model's download; what arrived is kept"))
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Show:")))
        top.addWidget(self.task_filter)
        top.addStretch(1)
        top.addWidget(self.machine_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.addLayout(top)
        column.addWidget(self.table, 1)
        column.addLayout(buttons)
        self.task_filter.currentIndexChanged.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.download_button.clicked.connect(self.download)
        self.stop_button.clicked.connect(self.stop)
        ctx.models.changed.connect(self.refresh)
        ctx.downloads.changed.connect(self._on_download)
        self.refresh()
        ctx.runner.start_latest(MACHINE_KEY, jobs.MACHINE).result.connect(self.show_machine)
        ctx.downloads.read_partials()

    # --- the table --------------------------------------------------------
    def refresh(self) -> None:
        task = self.task_filter.currentData()
        self.table.show_items(catalogue.for_task(task), lambda entry: (
            entry.title, entry.task, entry.download_text, entry.licence, entry.languages_text, entry.needs_text,
            "", ""), tooltip=self._tooltip)
        for row, entry in enumerate(self.table.items):
            self._show_fit(row, entry)
            self._show_status(row, entry)
        self._update_buttons()

    @staticmethod
    def _tooltip(entry: Entry) -> str:
        unverified = QCoreApplication.translate("catalogue_view", "\nNot verified: {0}").format(', '.join(entry.unverified)) if entry.unverified else ""
        checked = QCoreApplication.translate("catalogue_view", "Checked: {0}").format(entry.checked)
        return f"{entry.repo_id}\n{entry.note}\n{checked}{unverified}"

    def show_machine(self, machine: Machine) -> None:
        self.machine = machine
        gpu = self.tr("{0} with {1}").format(machine.gpu, format_size(machine.vram_bytes)) if machine.vram_bytes else self.tr("no CUDA GPU")
        self.machine_label.setText(self.tr("This machine: {0} RAM, {1}").format(format_size(machine.ram_bytes), gpu))
        for row, entry in enumerate(self.table.items):
            self._show_fit(row, entry)

    def _show_fit(self, row: int, entry: Entry) -> None:
        item = self.table.item(row, FITS)
        if self.machine is None:
            item.setText("…")
            return
        fits, why = catalogue.fits(entry, self.machine)
        item.setText(("✓ " if fits else "✗ ") + why)

    def _show_status(self, row: int, entry: Entry) -> None:
        state = self.ctx.downloads.state(entry.repo_id)
        if state is not None and state.running:
            bar = self.table.cellWidget(row, STATUS)
            if not isinstance(bar, QProgressBar):
                bar = QProgressBar()
                bar.setRange(0, 1000)
                self.table.setCellWidget(row, STATUS, bar)
            bar.setValue(int(state.fraction * 1000))
            bar.setFormat(state.message.split(": ", 1)[-1] if state.total else self.tr("Starting…"))
            bar.setToolTip(state.message)
            return
        self.table.removeCellWidget(row, STATUS)
        installed = any(m.manifest.get("source") == f"hub:{entry.repo_id}" or m.name == entry.repo_id
                        for m in self.ctx.models.models)
        text = self.tr("Installed") if installed and state is None else (state.message if state is not None else "")
        self.table.item(row, STATUS).setText(text)
        self.table.item(row, STATUS).setToolTip(text)

    def _on_download(self, _name: str) -> None:
        for row, entry in enumerate(self.table.items):
            self._show_status(row, entry)
        self._update_buttons()

    # --- actions ----------------------------------------------------------
    def selected(self) -> Optional[Entry]:
        return self.table.selected()

    def select(self, name: str) -> bool:
        return self.table.select(lambda entry: entry.name == name)

    def download(self) -> None:
        entry = self.selected()
        if entry is None:
            self.set_status(self.tr("Select a model in the catalogue to download."), error=True)
            return
        self.ctx.downloads.request(self, entry.repo_id)

    def stop(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.ctx.downloads.stop(entry.repo_id)

    def _update_buttons(self) -> None:
        entry = self.selected()
        state = self.ctx.downloads.state(entry.repo_id) if entry is not None else None
        running = state is not None and state.running
        self.download_button.setEnabled(entry is not None and not running)
        self.download_button.setText(self.tr("Resume") if state is not None and not running and state.done else self.tr("Download"))
        self.stop_button.setEnabled(running)
