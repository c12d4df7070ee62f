"""The Compress tab of the Classify page: distil or prune a fine-tuned classifier, and measure classifiers.

Compress trains a smaller classifier from the chosen one (models.classify.compress) with the
fine-tuning loop, so progress, Stop and the live curves on the Dashboard are those of the Train
tab; at the end the result and its teacher, measured on the held-out file, become points on the
Dashboard's trade-off view. "Measure" adds the chosen classifier alone (torch, and INT8 if it was
exported) on the same file, so earlier students or other models can be compared too.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit, QStackedWidget,
                               QWidget)

from models.classify.report import format_tradeoff, tradeoff_baseline
from models.core import store
from workers.runner import JobSpec

from .. import jobs
from ..panel import BadInput
from ..widgets.job_controls import JobControls
from ..widgets.labelled_file import LabelledFileField
from ..widgets.layout import hrow
from .train import _DashboardTab, _real, _spin

METHODS = (("distill", QT_TRANSLATE_NOOP("CompressTab", "Distil into fewer layers")),
           ("prune", QT_TRANSLATE_NOOP("CompressTab", "Prune heads and FFN neurons")))


def summary(points: list[dict], name: str) -> str:
    """One sentence: the new model beside its teacher, from the points of one run."""
    base = tradeoff_baseline(points)
    mine = {p["backend"]: p for p in points if p["name"] == name}
    own, int8 = mine.get("torch"), mine.get("onnx-int8")
    if base is None or own is None or not base["f1_macro"]:
        return QCoreApplication.translate("compress", "Saved '{0}'.").format(name)
    faster = QCoreApplication.translate("compress", "{0:.1f}x faster at batch size 1 with torch").format(base['latency_ms'] / own['latency_ms'])
    if int8 is not None:
        faster += QCoreApplication.translate("compress", ", {0:.1f}x with INT8").format(base['latency_ms'] / int8['latency_ms'])
    return (QCoreApplication.translate("compress", "Saved '{0}': macro-F1 {1:.3f} ({2:.1%} of the teacher's), {3}; {4:.1f} MB and {5:,} parameters against {6:.1f} MB and {7:,}.").format(name, own['f1_macro'], own['f1_macro'] / base['f1_macro'], faster, own['size_mb'], own['params'], base['size_mb'], base['params']))


class CompressTab(_DashboardTab):
    """Teacher, data, method and its settings, Compress/Stop; Measure adds a classifier to the trade-off view."""

    name = "classify-compress"
    title = QT_TRANSLATE_NOOP("TaskPanel", "Compress a classifier")
    task = "classify"
    trains = True   # distils or prunes with training's loop; Measure compares the backends itself
    run_label = QT_TRANSLATE_NOOP("TaskPanel", "Compress")

    def build(self) -> None:
        super().build()
        self.form.labelForField(self.picker).setText(self.tr("Teacher:"))
        self.train_file = LabelledFileField(self.runner)
        self.test_file = LabelledFileField(self.runner, self.tr("a held-out labelled file: the teacher and the result are "
                                           "measured on it (never trained on)"), with_columns=False)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("name of the smaller classifier, e.g. support-tickets-2l"))
        self.overwrite = QCheckBox(self.tr("Replace a model of that name"))
        self.form.addRow(self.tr("Training file:"), self.train_file)
        self.form.addRow(self.tr("Evaluation file:"), self.test_file)
        self.form.addRow(self.tr("New model:"), hrow(self.name_edit, self.overwrite))
        self.picker.changed.connect(self._suggest_name)

        self.method = QComboBox()
        for value, label in METHODS:
            self.method.addItem(self.tr(label), value)
        self.layers = _spin(1, 47, 2, self.tr("layers of the student, taken from the teacher's"))
        self.layer_choice = QComboBox()
        self.layer_choice.addItem(self.tr("evenly spread (last included)"), "spread")
        self.layer_choice.addItem(self.tr("the first N"), "first")
        self.sparsity = _real(0.0, 0.95, 0.4, 2, 0.05, self.tr("share of all attention heads removed (least important first)"))
        self.ffn_sparsity = _real(0.0, 0.95, 0.0, 2, 0.05, self.tr("share of all FFN neurons removed (least important first)"))
        self.settings_stack = QStackedWidget()
        for rows in (((self.tr("Student layers:"), self.layers), (self.tr("Start from:"), self.layer_choice)),
                     ((self.tr("Head sparsity:"), self.sparsity), (self.tr("FFN sparsity:"), self.ffn_sparsity))):
            page = QWidget()
            form = QFormLayout(page)
            form.setContentsMargins(0, 0, 0, 0)
            for label, widget in rows:
                form.addRow(label, widget)
            self.settings_stack.addWidget(page)
        self.method.currentIndexChanged.connect(self._on_method)
        self.temperature = _real(0.1, 20.0, 2.0, 2, 0.5, self.tr("softmax temperature of the teacher's soft targets"))
        self.alpha = _real(0.0, 1.0, 0.5, 2, 0.1, self.tr("weight of the soft targets; the labels weigh 1 - this"))
        self.hidden_weight = _real(0.0, 100.0, 0.0, 2, 0.5, self.tr("weight of matching the teacher's hidden states (0: off)"))
        self.epochs = _spin(1, 1000, 3, self.tr("maximum passes over the training data (pruning: the recovery fine-tune)"))
        self.lr = _real(1e-7, 1.0, 1e-4, 7, 1e-5, self.tr("peak learning rate of AdamW"))
        self.batch_size = _spin(1, 4096, 16, self.tr("examples per batch"))
        self.max_length = _spin(8, 8192, 128, self.tr("tokens per text; longer texts are truncated"))
        self.patience = _spin(0, 100, 2, self.tr("epochs without improvement before stopping early (0: never)"))
        self.export = QCheckBox(self.tr("Export to ONNX + INT8 and measure it too"))
        self.export.setChecked(True)
        options = QGroupBox(self.tr("Compression settings"))
        grid = QHBoxLayout(options)
        left, right = QFormLayout(), QFormLayout()
        left.addRow(self.tr("Method:"), self.method)
        left.addRow(self.settings_stack)
        for label, widget in ((self.tr("Temperature:"), self.temperature), (self.tr("Soft-target weight:"), self.alpha),
                              (self.tr("Hidden-state weight:"), self.hidden_weight)):
            left.addRow(label, widget)
        for label, widget in ((self.tr("Epochs:"), self.epochs), (self.tr("Learning rate:"), self.lr), (self.tr("Batch size:"), self.batch_size),
                              (self.tr("Max length:"), self.max_length), (self.tr("Early-stop patience:"), self.patience),
                              ("", self.export)):
            right.addRow(label, widget)
        grid.addLayout(left)
        grid.addLayout(right)
        self.body.addWidget(options)
        self.body.addWidget(self.output, 1)
        self.measure_controls = JobControls(self.runner, f"{self.name}-measure", self.tr("Measure the chosen model"))
        self.measure_controls.run_button.setToolTip(self.tr("Add the chosen classifier (torch, and INT8 if exported) to "
                                                    "the trade-off view, measured on the evaluation file"))
        self.measure_controls.run_clicked.connect(self.measure)
        self.body.addWidget(self.measure_controls)
        self.body.addWidget(self.dashboard_button)

    def _on_method(self, index: int) -> None:
        self.settings_stack.setCurrentIndex(index)
        self.epochs.setValue(3 if self.method.currentData() == "distill" else 2)

    def _suggest_name(self, path: str) -> None:
        if path and not self.name_edit.text().strip():
            self.name_edit.setText(store.safe_name(f"{Path(path).name}-small"))

    def live_title(self) -> str:
        return self.tr("Compressing into {0}").format(self.name_edit.text().strip())

    def build_job(self) -> tuple[JobSpec, dict[str, Any]]:
        model = self.model_path()
        if not self.train_file.path():
            raise BadInput(self.tr("Choose a labelled training file first."))
        if not self.test_file.path():
            raise BadInput(self.tr("Choose a held-out evaluation file to measure the models on."))
        name = self.name_edit.text().strip()
        if not name:
            raise BadInput(self.tr("Give the smaller classifier a name."))
        text_column, label_column = self.train_file.columns()
        return jobs.COMPRESS_CLASSIFIER, {
            "model": model, "train": self.train_file.path(), "test": self.test_file.path(), "out_name": name,
            "overwrite": self.overwrite.isChecked(), "text_column": text_column, "label_column": label_column,
            "method": self.method.currentData(), "layers": self.layers.value(),
            "layer_choice": self.layer_choice.currentData(), "sparsity": self.sparsity.value(),
            "ffn_sparsity": self.ffn_sparsity.value(), "temperature": self.temperature.value(),
            "alpha": self.alpha.value(), "hidden_weight": self.hidden_weight.value(), "epochs": self.epochs.value(),
            "lr": self.lr.value(), "batch_size": self.batch_size.value(), "max_length": self.max_length.value(),
            "patience": self.patience.value(), "export": self.export.isChecked()}

    def show_result(self, value: Any) -> None:
        result = value.training
        if value.points:
            self.output.appendPlainText("\n" + format_tradeoff(value.points))
        if result.model_path is None:
            self.set_status(self.tr("Stopped before the first epoch ended: no model was saved."))
            return
        name = Path(result.model_path).name
        if result.status == "stopped":
            self.set_status(self.tr("Stopped: the best checkpoint so far (epoch {0}) is kept as '{1}'; "
                                    "nothing was measured.").format(result.best_epoch, name))
        else:
            self.set_status(summary(value.points, name))
        self.ctx.models.refresh()

    # --- Measure ----------------------------------------------------------------
    def measure(self) -> None:
        """Measure the chosen classifier on the evaluation file and add it to the trade-off view."""
        try:
            model = self.model_path()
            if not self.test_file.path():
                raise BadInput(self.tr("Choose the evaluation file to measure the model on."))
        except BadInput as exc:
            self.measure_controls.set_status(str(exc), error=True)
            return
        text_column, label_column = self.train_file.columns()
        job = self.measure_controls.start(jobs.MEASURE_CLASSIFIERS, models=[model], data=self.test_file.path(),
                                          text_column=text_column, label_column=label_column)
        if self.dashboard is not None:
            job.data.connect(self.dashboard.on_data)
        job.result.connect(lambda points: self.measure_controls.set_status(
            self.tr("Measured: ") + "; ".join(self.tr("{0} macro-F1 {1:.3f}, {2:.2f} ms at batch size 1, {3:.1f} MB").format(p['backend'], p['f1_macro'], p['latency_ms'], p['size_mb']) for p in points)
            + self.tr(". See the Dashboard's Trade-off tab.")))
