"""The Classify page: a tab to predict one text, a tab to classify a file, and room for more tabs.

The page is a container so that training and evaluation (another module) can
add their own tabs; each tab is a TaskPanel with its own job, so a file can be
classified while a single text is tried.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pyqtgraph as pg
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (QComboBox, QFileDialog, QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QSpinBox, QTabWidget, QVBoxLayout, QWidget)

from models.core.events import Progress
from workers.runner import JobRunner

from ..panel import BadInput, TaskPanel
from ..widgets.model_picker import ModelPicker
from ..widgets.layout import hrow
from .train import EvaluateTab, TrainTab

DATA_FILTER = "Data files (*.csv *.tsv *.tab *.jsonl *.ndjson *.json);;All files (*)"


class PredictTab(TaskPanel):
    """One text in, its label and every label's probability (as a bar chart) out."""

    name = "classify-predict"
    title = "Classify a text"
    task = "classify"

    def build(self) -> None:
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("Type or paste a text to classify…")
        self.text.setMaximumHeight(140)
        self.body.addWidget(self.text)
        self.result_label = QLabel("")
        self.result_label.setObjectName("classifyResult")
        self.body.addWidget(self.result_label)
        self.plot = pg.PlotWidget()
        self.plot.setBackground(None)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "probability")
        self.plot.setXRange(0, 1, padding=0.02)
        self.bars: Optional[pg.BarGraphItem] = None
        #: the probabilities on the chart, highest first (label -> probability)
        self.plotted: dict[str, float] = {}
        self.body.addWidget(self.plot, 1)

    def build_job(self) -> tuple[str, dict[str, Any]]:
        model = self.model_path()
        text = self.text.toPlainText().strip()
        if not text:
            raise BadInput("Type a text to classify first.")
        return "models.classify.classifier:classify_texts", {"model": model, "texts": [text], **self.runtime_options()}

    def show_result(self, value: Any) -> None:
        prediction = value[0]
        self.result_label.setText(f"<b>{prediction['label']}</b> · {prediction['score']:.1%}")
        self.show_probabilities(prediction["probs"])

    def show_probabilities(self, probs: dict[str, float]) -> None:
        """Horizontal bars, most likely label on top."""
        ranked = sorted(probs.items(), key=lambda kv: kv[1], reverse=True)
        self.plotted = dict(ranked)
        if self.bars is not None:
            self.plot.removeItem(self.bars)
        n = len(ranked)
        ys = [n - 1 - i for i in range(n)]
        self.bars = pg.BarGraphItem(x0=0, y=ys, height=0.6, width=[p for _, p in ranked], brush="#3b82f6")
        self.plot.addItem(self.bars)
        self.plot.getAxis("left").setTicks([[(y, label) for y, (label, _) in zip(ys, ranked)]])
        self.plot.setYRange(-0.5, n - 0.5, padding=0.05)


class FileTab(TaskPanel):
    """Every row of a CSV/TSV/JSON Lines file into a CSV with a label and per-class probabilities."""

    name = "classify-file"
    title = "Classify a file"
    task = "classify"
    run_label = "Classify file"

    def build(self) -> None:
        self.input_edit = QLineEdit()
        self.input_edit.setPlaceholderText("A CSV, TSV or JSON Lines file with a text column")
        browse_in = QPushButton("Open…")
        browse_in.clicked.connect(self._choose_input)
        self.form.addRow("Input file:", hrow(self.input_edit, browse_in))
        self.column_combo = QComboBox()
        self.column_combo.setMinimumContentsLength(16)
        self.column_combo.setPlaceholderText("open a file first")
        self.form.addRow("Text column:", self.column_combo)
        self.output_edit = QLineEdit()
        self.output_edit.setPlaceholderText("Where the CSV with predictions goes")
        browse_out = QPushButton("Save as…")
        browse_out.clicked.connect(self._choose_output)
        self.form.addRow("Output CSV:", hrow(self.output_edit, browse_out))
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 1024)
        self.batch_spin.setValue(int(self.settings.value("classify/batch_size", 32)))
        self.batch_spin.valueChanged.connect(lambda v: self.settings.setValue("classify/batch_size", v))
        self.form.addRow("Batch size:", self.batch_spin)
        self.throughput = QLabel("")
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.body.addWidget(self.throughput)
        self.body.addWidget(self.summary)
        self.body.addStretch(1)
        self._wanted_columns = ""     # the file whose columns the combo should show
        self._requested_columns = ""  # the file whose columns were last asked for
        self.runner.busy_changed.connect(self._on_busy)
        self.input_edit.editingFinished.connect(lambda: self.set_input(self.input_edit.text()))

    def set_input(self, path: str) -> None:
        """Use ``path`` as input: suggest an output name and read its columns in the background."""
        path = path.strip()
        self.input_edit.setText(path)
        if path == self._wanted_columns:
            return
        self._wanted_columns = path
        self.column_combo.clear()
        if not path:
            return
        if not self.output_edit.text().strip():
            source = Path(path)
            self.output_edit.setText(str(source.with_name(f"{source.stem}-predictions.csv")))
        self._load_columns()

    def _columns_key(self) -> str:
        return f"{self.name}-columns"

    def _load_columns(self) -> None:
        """Read the wanted file's header; if a read is under way, ``_on_busy`` starts this one after it."""
        path = self._wanted_columns
        if not path or self.runner.is_running(self._columns_key()):
            return
        self._requested_columns = path
        worker = self.runner.start(self._columns_key(), "models.classify.classifier:file_columns", input_path=path)
        worker.result.connect(lambda value, p=path: self._fill_columns(p, value))
        worker.error.connect(lambda message, _details, p=path: self._columns_failed(p, message))
        self.runner.launch(self._columns_key())

    def _on_busy(self, key: str, running: bool) -> None:
        if key == self._columns_key() and not running and self._wanted_columns != self._requested_columns:
            self._load_columns()

    def _columns_failed(self, path: str, message: str) -> None:
        if path == self._wanted_columns:
            self.set_status(message, error=True)

    def _fill_columns(self, path: str, value: dict) -> None:
        if path != self._wanted_columns:
            return  # an older file's columns
        self.column_combo.clear()
        self.column_combo.addItems(value["columns"])
        if value.get("text_column"):
            self.column_combo.setCurrentText(value["text_column"])
        self.set_status(f"{value['rows']:,} rows; columns: {', '.join(value['columns'])}.")

    def _choose_input(self) -> None:
        folder = str(self.settings.value("classify/data_dir", ""))
        path, _ = QFileDialog.getOpenFileName(self, "Open a data file", folder, DATA_FILTER)
        if path:
            self.settings.setValue("classify/data_dir", str(Path(path).parent))
            self.set_input(path)

    def _choose_output(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save predictions as", self.output_edit.text(),
                                              "CSV files (*.csv)")
        if path:
            self.output_edit.setText(path)

    def build_job(self) -> tuple[str, dict[str, Any]]:
        model = self.model_path()
        source = self.input_edit.text().strip()
        target = self.output_edit.text().strip()
        if not source:
            raise BadInput("Open a data file first.")
        if not target:
            raise BadInput("Choose where to save the predictions.")
        self.summary.setText("")
        self.throughput.setText("")
        return "models.classify.classifier:classify_file", {
            "model": model, "input_path": source, "output_path": target,
            "text_column": self.column_combo.currentText() or None, "batch_size": self.batch_spin.value(),
            **self.runtime_options()}

    def connect_worker(self, worker: Any) -> None:
        worker.progress.connect(self._on_rate)

    def _on_rate(self, event: Progress) -> None:
        if "/s" in event.message:
            self.throughput.setText(event.message)

    def show_result(self, value: Any) -> None:
        counts = ", ".join(f"{label}: {n:,}" for label, n in value["labels"].items())
        self.throughput.setText(f"{value['rows_per_s']:,.1f} rows/s")
        self.summary.setText(f"{value['rows']:,} rows classified ({value['skipped']:,} skipped) in "
                             f"{value['seconds']:.2f} s → {value['output']}\n{counts}")


class ClassifyPanel(QWidget):
    """Tabs: Predict, File, and whatever ``add_tab`` brings (training, evaluation)."""

    def __init__(self, runner: JobRunner, settings: QSettings, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.dashboard: Optional[QWidget] = None
        self.tabs = QTabWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.predict = PredictTab(runner, settings)
        self.file = FileTab(runner, settings)
        self.add_tab(self.predict, "Predict")
        self.add_tab(self.file, "File")
        self.train = TrainTab(runner, settings)
        self.evaluate = EvaluateTab(runner, settings)
        self.add_tab(self.train, "Train")
        self.add_tab(self.evaluate, "Evaluate")

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
