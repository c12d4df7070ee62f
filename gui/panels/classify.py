"""The Classify page: a tab to predict one text, a tab to classify a file, and room for more tabs.

The page is a container so that training and evaluation (another module) can
add their own tabs; each tab is a TaskPanel with its own job, so a file can be
classified while a single text is tried.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (QComboBox, QFileDialog, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSpinBox,
                               QTabWidget, QVBoxLayout, QWidget)

from models.core.events import Progress
from workers.runner import Job, JobSpec

from .. import jobs
from ..context import AppContext
from ..lifetime import while_alive
from ..panel import BadInput, TaskPanel
from ..settings import Key
from ..widgets.layout import hrow
from ..widgets.model_picker import ModelPicker
from ..widgets.probability_bars import ProbabilityBars
from .compress import CompressTab
from .train import EvaluateTab, TrainTab

DATA_FILTER = QT_TRANSLATE_NOOP("classify", "Data files (*.csv *.tsv *.tab *.jsonl *.ndjson *.json);;All files (*)")


class PredictTab(TaskPanel):
    """One text in, its label and every label's probability (as a bar chart) out."""

    name = "classify-predict"
    title = QT_TRANSLATE_NOOP("TaskPanel", "Classify a text")
    task = "classify"

    def build(self) -> None:
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(self.tr("Type or paste a text to classify…"))
        self.text.setMaximumHeight(140)
        self.body.addWidget(self.text)
        self.result_label = QLabel("")
        self.result_label.setObjectName("classifyResult")
        self.body.addWidget(self.result_label)
        self.parity_label = QLabel("")   # an ONNX backend's stored parity: how far to trust the result
        self.parity_label.setWordWrap(True)
        self.body.addWidget(self.parity_label)
        self.bars = ProbabilityBars()
        self.body.addWidget(self.bars, 1)

    def build_job(self) -> tuple[JobSpec, dict[str, Any]]:
        model = self.model_path()
        text = self.text.toPlainText().strip()
        if not text:
            raise BadInput(self.tr("Type a text to classify first."))
        return jobs.CLASSIFY_TEXTS, {"model": model, "texts": [text]}

    def show_result(self, value: Any) -> None:
        prediction = value[0]
        self.result_label.setText(f"<b>{prediction['label']}</b> · {prediction['score']:.1%}")
        self.parity_label.setText(prediction.get("parity") or "")
        self.bars.set_probabilities(prediction["probs"])

    @property
    def plotted(self) -> dict[str, float]:
        """The probabilities on the chart, highest first (label -> probability)."""
        return self.bars.shown


class FileTab(TaskPanel):
    """Every row of a CSV/TSV/JSON Lines file into a CSV with a label and per-class probabilities."""

    name = "classify-file"
    title = QT_TRANSLATE_NOOP("TaskPanel", "Classify a file")
    task = "classify"
    run_label = QT_TRANSLATE_NOOP("TaskPanel", "Classify file")

    def build(self) -> None:
        self.input_edit = QLineEdit()
        self.input_edit.setPlaceholderText(self.tr("A CSV, TSV or JSON Lines file with a text column"))
        browse_in = QPushButton(self.tr("Open…"))
        browse_in.clicked.connect(self._choose_input)
        self.form.addRow(self.tr("Input file:"), hrow(self.input_edit, browse_in))
        self.column_combo = QComboBox()
        self.column_combo.setMinimumContentsLength(16)
        self.column_combo.setPlaceholderText(self.tr("open a file first"))
        self.form.addRow(self.tr("Text column:"), self.column_combo)
        self.output_edit = QLineEdit()
        self.output_edit.setPlaceholderText(self.tr("Where the CSV with predictions goes"))
        browse_out = QPushButton(self.tr("Save as…"))
        browse_out.clicked.connect(self._choose_output)
        self.form.addRow(self.tr("Output CSV:"), hrow(self.output_edit, browse_out))
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 1024)
        self.batch_spin.setValue(self.settings.get(Key.CLASSIFY_BATCH_SIZE))
        self.batch_spin.valueChanged.connect(lambda v: self.settings.set(Key.CLASSIFY_BATCH_SIZE, v))
        self.form.addRow(self.tr("Batch size:"), self.batch_spin)
        self.throughput = QLabel("")
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.body.addWidget(self.throughput)
        self.body.addWidget(self.summary)
        self.body.addStretch(1)
        self._input = ""   # the file whose columns the combo shows (or will)
        self.input_edit.editingFinished.connect(lambda: self.set_input(self.input_edit.text()))

    def set_input(self, path: str) -> None:
        """Use ``path`` as input: suggest an output name and read its columns in the engine."""
        path = path.strip()
        self.input_edit.setText(path)
        if path == self._input:
            return
        self._input = path
        self.column_combo.clear()
        if not path:
            return
        if not self.output_edit.text().strip():
            source = Path(path)
            self.output_edit.setText(str(source.with_name(f"{source.stem}-predictions.csv")))
        job = self.runner.start_latest(f"{self.name}-columns", jobs.FILE_COLUMNS, input_path=path)
        job.result.connect(self._fill_columns)
        job.error.connect(while_alive(self, lambda message, _details: self.set_status(message, error=True)))

    def _fill_columns(self, value: dict) -> None:
        self.column_combo.clear()
        self.column_combo.addItems(value["columns"])
        if value.get("text_column"):
            self.column_combo.setCurrentText(value["text_column"])
        self.set_status(self.tr("{0:,} rows; columns: {1}.").format(value['rows'], ', '.join(value['columns'])))

    def _choose_input(self) -> None:
        folder = self.settings.get(Key.CLASSIFY_DATA_DIR)
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a data file"), folder, QCoreApplication.translate("classify", DATA_FILTER))
        if path:
            self.settings.set(Key.CLASSIFY_DATA_DIR, str(Path(path).parent))
            self.set_input(path)

    def _choose_output(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save predictions as"), self.output_edit.text(),
                                              self.tr("CSV files (*.csv)"))
        if path:
            self.output_edit.setText(path)

    def build_job(self) -> tuple[JobSpec, dict[str, Any]]:
        model = self.model_path()
        source = self.input_edit.text().strip()
        target = self.output_edit.text().strip()
        if not source:
            raise BadInput(self.tr("Open a data file first."))
        if not target:
            raise BadInput(self.tr("Choose where to save the predictions."))
        self.summary.setText("")
        self.throughput.setText("")
        return jobs.CLASSIFY_FILE, {
            "model": model, "input_path": source, "output_path": target,
            "text_column": self.column_combo.currentText() or None, "batch_size": self.batch_spin.value()}

    def connect_job(self, job: Job) -> None:
        job.progress.connect(self._on_rate)

    def _on_rate(self, event: Progress) -> None:
        if "/s" in event.message:
            self.throughput.setText(event.message)

    def show_result(self, value: Any) -> None:
        counts = ", ".join(f"{label}: {n:,}" for label, n in value["labels"].items())
        self.throughput.setText(self.tr("{0:,.1f} rows/s").format(value['rows_per_s']))
        self.summary.setText(self.tr("{0:,} rows classified ({1:,} skipped) in {2:.2f} s → {3}\n{4}").format(
            value['rows'], value['skipped'], value['seconds'], value['output'], counts)
                             + (f"\n{value['parity']}" if value.get("parity") else ""))


class ClassifyPanel(QWidget):
    """Tabs: Predict, File, and whatever ``add_tab`` brings (training, evaluation)."""

    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dashboard: Optional[QWidget] = None
        self.tabs = QTabWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.predict = PredictTab(ctx)
        self.file = FileTab(ctx)
        self.add_tab(self.predict, self.tr("Predict"))
        self.add_tab(self.file, self.tr("File"))
        self.train = TrainTab(ctx)
        self.evaluate = EvaluateTab(ctx)
        self.add_tab(self.train, self.tr("Train"))
        self.add_tab(self.evaluate, self.tr("Evaluate"))
        self.compress = CompressTab(ctx)
        self.add_tab(self.compress, self.tr("Compress"))

    def add_tab(self, widget: QWidget, label: str) -> int:
        """Add a tab; its model picker follows the others, and it gets the dashboard if it wants one."""
        index = self.tabs.addTab(widget, label)
        for picker in widget.findChildren(ModelPicker):
            picker.changed.connect(self._follow_picker)
        if self.dashboard is not None and hasattr(widget, "attach_dashboard"):
            widget.attach_dashboard(self.dashboard)
        return index

    def attach_dashboard(self, dashboard: QWidget) -> None:
        self.dashboard = dashboard
        for i in range(self.tabs.count()):
            tab = self.tabs.widget(i)
            if hasattr(tab, "attach_dashboard"):
                tab.attach_dashboard(dashboard)

    def _follow_picker(self, path: str) -> None:
        """Choosing a classifier on one tab chooses it on the others (same task pickers only)."""
        source = self.sender()
        for picker in self.findChildren(ModelPicker):
            if picker is not source and picker.task == getattr(source, "task", None) and path \
                    and picker.path() != path:
                picker.set_path(path)
