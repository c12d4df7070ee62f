"""The Train and Evaluate tabs of the Classify page.

Train fine-tunes an encoder on a labelled file (models.training) and feeds the
dashboard live; Evaluate scores an existing classifier on a labelled file
(models.evaluation). Both only build jobs and show results: no model logic here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from models.core import store
from workers.runner import Job, JobSpec

from .. import jobs
from ..panel import BadInput, TaskPanel
from ..widgets.labelled_file import LabelledFileField
from ..widgets.model_picker import ModelPicker

METRICS = ("f1_macro", "accuracy", "loss", "roc_auc", "precision_macro", "recall_macro")
#: what the metric and schedule boxes show (translated), by the value a training takes
SHOWN = {"f1_macro": QT_TRANSLATE_NOOP("TrainTab", "macro F1"), "accuracy": QT_TRANSLATE_NOOP("TrainTab", "accuracy"),
         "loss": QT_TRANSLATE_NOOP("TrainTab", "loss"), "roc_auc": QT_TRANSLATE_NOOP("TrainTab", "ROC AUC"),
         "precision_macro": QT_TRANSLATE_NOOP("TrainTab", "macro precision"),
         "recall_macro": QT_TRANSLATE_NOOP("TrainTab", "macro recall"),
         "linear": QT_TRANSLATE_NOOP("TrainTab", "linear"), "cosine": QT_TRANSLATE_NOOP("TrainTab", "cosine")}


def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tip)
    return box


def _real(low: float, high: float, value: float, decimals: int, step: float, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    box.setToolTip(tip)
    return box


class _DashboardTab(TaskPanel):
    """A tab whose job's metrics and evaluation go to the dashboard page (attached by the Classify page)."""

    def build(self) -> None:
        self.dashboard: Optional[Any] = None
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setMaximumBlockCount(5000)
        self.output.setPlaceholderText(self.tr("Epoch lines, notes and the final metrics appear here; the curves on the "
                                       "Dashboard page."))
        self.dashboard_button = QPushButton(self.tr("Show dashboard"))
        self.dashboard_button.clicked.connect(self._show_dashboard)

    def attach_dashboard(self, dashboard: Any) -> None:
        self.dashboard = dashboard

    def live_title(self) -> str:
        raise NotImplementedError

    def connect_job(self, job: Job) -> None:
        self.output.clear()
        job.log.connect(self.output.appendPlainText)
        if self.dashboard is not None:
            self.dashboard.follow(job, self.live_title())

    def _show_dashboard(self) -> None:
        window = self.window()
        if hasattr(window, "show_panel"):
            window.show_panel("dashboard")


class TrainTab(_DashboardTab):
    """Fine-tune an encoder into a classifier: data, name, hyper-parameters, Train/Stop."""

    name = "classify-train"
    title = QT_TRANSLATE_NOOP("TaskPanel", "Fine-tune a classifier")
    task = store.ENCODER
    run_label = QT_TRANSLATE_NOOP("TaskPanel", "Train")

    def build(self) -> None:
        super().build()
        self.train_file = LabelledFileField(self.runner)
        self.eval_file = LabelledFileField(self.runner, self.tr("optional: a labelled validation file (default: a stratified "
                                           "split of the training file)"), with_columns=False)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("name of the new classifier, e.g. support-tickets-v1"))
        self.overwrite = QCheckBox(self.tr("Replace a model of that name"))
        name_row = QWidget()
        row = QHBoxLayout(name_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.name_edit, 1)
        row.addWidget(self.overwrite)
        self.form.addRow(self.tr("Training file:"), self.train_file)
        self.form.addRow(self.tr("Validation file:"), self.eval_file)
        self.form.addRow(self.tr("New model:"), name_row)
        self.train_file.changed.connect(self._suggest_name)

        self.epochs = _spin(1, 1000, 3, self.tr("maximum number of passes over the training data"))
        self.lr = _real(1e-7, 1.0, 5e-5, 7, 1e-5, self.tr("peak learning rate of AdamW"))
        self.batch_size = _spin(1, 4096, 16, self.tr("examples per batch"))
        self.grad_accum = _spin(1, 256, 1, self.tr("batches whose gradients are summed before each optimizer step"))
        self.max_length = _spin(8, 8192, 128, self.tr("tokens per text; longer texts are truncated"))
        self.patience = _spin(0, 100, 2, self.tr("epochs without improvement before stopping early (0: never)"))
        self.best_metric = QComboBox()
        for value in METRICS:
            self.best_metric.addItem(QCoreApplication.translate("TrainTab", SHOWN[value]), value)
        self.best_metric.setToolTip(self.tr("validation metric that picks the best checkpoint and drives early stopping"))
        self.weight_decay = _real(0.0, 1.0, 0.01, 4, 0.01, self.tr("AdamW weight decay (not on biases and norms)"))
        self.warmup = _real(0.0, 100000.0, 0.1, 3, 0.05, self.tr("warmup: a share of the steps below 1, else steps"))
        self.schedule = QComboBox()
        for value in ("linear", "cosine"):
            self.schedule.addItem(QCoreApplication.translate("TrainTab", SHOWN[value]), value)
        self.schedule.setToolTip(self.tr("learning-rate decay after warmup"))
        self.grad_clip = _real(0.0, 100.0, 1.0, 2, 0.5, self.tr("gradient norm clipping (0: off)"))
        self.kfold = _spin(0, 20, 0, self.tr("K-fold cross-validation reporting mean ± std (0: one split)"))
        self.seed = _spin(0, 2**31 - 1, 42, self.tr("random seed for splits, shuffling and the new head"))
        self.class_weights = QCheckBox(self.tr("Class weights (for imbalanced labels)"))
        options = QGroupBox(self.tr("Training settings"))
        grid = QHBoxLayout(options)
        left, right = QFormLayout(), QFormLayout()
        for form, rows in ((left, ((self.tr("Epochs:"), self.epochs), (self.tr("Learning rate:"), self.lr),
                                   (self.tr("Batch size:"), self.batch_size), (self.tr("Accumulate batches:"), self.grad_accum),
                                   (self.tr("Max length:"), self.max_length), (self.tr("Early-stop patience:"), self.patience),
                                   (self.tr("Best by:"), self.best_metric))),
                           (right, ((self.tr("Weight decay:"), self.weight_decay), (self.tr("Warmup:"), self.warmup),
                                    (self.tr("Schedule:"), self.schedule), (self.tr("Gradient clip:"), self.grad_clip),
                                    (self.tr("K-fold:"), self.kfold), (self.tr("Seed:"), self.seed), ("", self.class_weights)))):
            for label, widget in rows:
                form.addRow(label, widget)
            grid.addLayout(form)
        self.body.addWidget(options)
        self.body.addWidget(self.output, 1)
        self.command_button = QPushButton(self.tr("Command line for GPUs…"))
        self.command_button.setToolTip(self.tr("The torchrun command that runs this training on every GPU of a machine, "
                                       "or of several machines"))
        self.command_button.clicked.connect(self.show_command)
        self.command_dialog: Optional[QDialog] = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.dashboard_button)
        buttons.addWidget(self.command_button)
        buttons.addStretch(1)
        self.body.addLayout(buttons)

    def _suggest_name(self, path: str) -> None:
        if path and not self.name_edit.text().strip():
            self.name_edit.setText(store.safe_name(f"{Path(path).stem}-classifier"))

    def live_title(self) -> str:
        return self.tr("Training {0}").format(self.name_edit.text().strip())

    def build_job(self) -> tuple[JobSpec, dict[str, Any]]:
        model = self.model_path()
        if not self.train_file.path():
            raise BadInput(self.tr("Choose a labelled training file first."))
        name = self.name_edit.text().strip()
        if not name:
            raise BadInput(self.tr("Give the new classifier a name."))
        text_column, label_column = self.train_file.columns()
        return jobs.TRAIN_CLASSIFIER, {
            "model": model, "train": self.train_file.path(), "eval": self.eval_file.path() or None,
            "out_name": name, "overwrite": self.overwrite.isChecked(),
            "text_column": text_column, "label_column": label_column,
            "epochs": self.epochs.value(), "lr": self.lr.value(), "batch_size": self.batch_size.value(),
            "grad_accum": self.grad_accum.value(), "max_length": self.max_length.value(),
            "patience": self.patience.value(), "metric": self.best_metric.currentData(),
            "weight_decay": self.weight_decay.value(), "warmup": self.warmup.value(),
            "schedule": self.schedule.currentData(), "grad_clip": self.grad_clip.value(),
            "kfold": self.kfold.value(), "seed": self.seed.value(), "class_weights": self.class_weights.isChecked()}

    def command_line(self, nodes: int = 1) -> str:
        """This form as a ``torchrun … main.py train-classifier …`` command (raises BadInput like Train)."""
        from models.classify.command import torchrun_command

        return torchrun_command(self.build_job()[1], nodes=nodes)

    def show_command(self) -> None:
        """A dialog with the commands for one machine and for two, copied to the clipboard."""
        try:
            one, two = self.command_line(), self.command_line(nodes=2)
        except BadInput as exc:
            self.set_status(str(exc), error=True)
            return
        text = (self.tr("# every GPU of this machine (one process per GPU):") + f"\n{one}\n\n"
                + self.tr("# two machines: run this on the first, and on the second with --node-rank 1\n"
                          "# (the same files at the same paths on both; FIRST_MACHINE_ADDRESS reachable from the "
                          "second)") + f"\n{two}\n")
        QGuiApplication.clipboard().setText(one)
        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("Train on GPUs with torchrun"))
        box = QPlainTextEdit(text)
        box.setReadOnly(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(dialog.reject)
        column = QVBoxLayout(dialog)
        column.addWidget(QLabel(self.tr("The command for one machine is on the clipboard. The results match a training "
                                "here: the batch size is the batch of each step, shared between the GPUs.")))
        column.addWidget(box)
        column.addWidget(close)
        dialog.resize(900, 320)
        self.command_dialog = dialog
        dialog.open()
        self.set_status(self.tr("The torchrun command is on the clipboard."))

    def show_result(self, value: Any) -> None:
        if value.evaluation is not None:
            from models.classify.report import format_report

            self.output.appendPlainText("\n" + format_report(value.evaluation, value.cv))
        if value.model_path is None:
            self.set_status(self.tr("Stopped before the first epoch ended: no model was saved."))
            return
        best = value.best
        scores = ", ".join(f"{name} {best[name]:.3f}" for name in ("f1_macro", "accuracy", "roc_auc")
                           if best.get(name) is not None)
        name = Path(value.model_path).name
        if value.status == "stopped":
            self.set_status(self.tr("Stopped: the best checkpoint so far (epoch {0}: {1}) is kept as '{2}'.").format(
                value.best_epoch, scores, name))
        else:
            cv = (value.cv or {}).get("f1_macro")
            folds = self.tr("; {0}-fold macro-F1 {1:.3f} ± {2:.3f}").format(cv['n'], cv['mean'], cv['std']) if cv else ""
            self.set_status(self.tr("Saved '{0}' (best epoch {1}: {2}{3}); it is ready on the Predict tab.").format(
                name, value.best_epoch, scores, folds))
        self._offer_model(value.model_path)

    def _offer_model(self, path: str) -> None:
        """List the new classifier in every picker and choose it on this page's classify tabs."""
        self.ctx.models.refresh()
        host = self.parentWidget()
        while host is not None and not hasattr(host, "add_tab"):
            host = host.parentWidget()
        for picker in (host.findChildren(ModelPicker) if host is not None else []):
            if picker.task == "classify":
                picker.set_path(path)
                break  # the Classify page makes its other pickers follow


class EvaluateTab(_DashboardTab):
    """Score an existing classifier on a labelled file: the same metrics and plots as training."""

    name = "classify-evaluate"
    title = QT_TRANSLATE_NOOP("TaskPanel", "Evaluate a classifier")
    task = "classify"
    run_label = QT_TRANSLATE_NOOP("TaskPanel", "Evaluate")

    def build(self) -> None:
        super().build()
        self.data_file = LabelledFileField(self.runner)
        self.form.addRow(self.tr("Labelled file:"), self.data_file)
        self.batch_size = _spin(1, 4096, 32, self.tr("texts per batch"))
        self.form.addRow(self.tr("Batch size:"), self.batch_size)
        self.body.addWidget(self.output, 1)
        self.body.addWidget(self.dashboard_button)

    def live_title(self) -> str:
        return self.tr("Evaluating {0} on {1}").format(Path(self.model_path() or "model").name,
                                                      Path(self.data_file.path()).name)

    def build_job(self) -> tuple[JobSpec, dict[str, Any]]:
        model = self.model_path()
        if not self.data_file.path():
            raise BadInput(self.tr("Choose a labelled file to evaluate on."))
        text_column, label_column = self.data_file.columns()
        return jobs.EVALUATE_CLASSIFIER, {
            "model": model, "data": self.data_file.path(), "text_column": text_column,
            "label_column": label_column, "batch_size": self.batch_size.value()}

    def show_result(self, value: Any) -> None:
        from models.classify.report import format_report

        self.output.appendPlainText(format_report(value))
        scores = ", ".join(f"{name} {value[name]:.3f}" for name in ("accuracy", "f1_macro", "roc_auc")
                           if value.get(name) is not None)
        self.set_status(" ".join([self.tr("Evaluated {0} on {1:,} examples: {2}.").format(value["model"], value["n"], scores)] + self.notes))
