"""The training and evaluation dashboard (pyqtgraph).

Live: the step loss and the per-epoch validation curves of the running job, fed
by ``on_metric``/``on_data`` from the worker's signals. After evaluation: ROC and
PR curves per class with their AUC in the legend, a confusion-matrix heatmap with
counts and a per-class table, and for two classes a threshold slider reading out
precision, recall, TPR and FPR. Past runs (``models.runs``) are listed, reload on
click, and overlay on the curves when ticked.

The data behind each plot is kept in plain attributes (``step_loss``,
``epoch_metrics``, ``roc_curves``, ``pr_curves``, ``confusion``, ``overlays``,
``threshold_readout``) so tests and other panels can read what is shown.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QSlider, QSplitter, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout,
                               QWidget)

from models.core import runs
from models.core.events import Data, Metric
from workers.runner import JobRunner

#: epoch-level metrics drawn on the scores plot and on the loss plot; other metrics are kept, not drawn
SCORES = ("val_accuracy", "val_f1_macro", "val_roc_auc")
LOSSES = ("train_loss", "val_loss")
#: what a past run adds when overlaid (more would bury the live curves)
OVERLAID = ("val_loss", "val_f1_macro")


def _series_key(name: str, fold: Optional[int]) -> str:
    return name if fold is None else f"{name} (fold {fold + 1})"


def _plot(title: str, x: str, y: str) -> pg.PlotWidget:
    widget = pg.PlotWidget(title=title)
    widget.setBackground("w")
    widget.showGrid(x=True, y=True, alpha=0.3)
    widget.setLabel("bottom", x)
    widget.setLabel("left", y)
    widget.addLegend(offset=(-10, 10))
    return widget


class Dashboard(QWidget):
    """Curves of the live run, the latest evaluation, and the runs on disk."""

    def __init__(self, runner: JobRunner, settings: QSettings, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.live_title = ""
        self.step_loss: dict[str, list[tuple[float, float]]] = {}      # series -> (epoch, loss) per step
        self.epoch_metrics: dict[str, list[tuple[float, float]]] = {}  # series -> (epoch, value)
        self.evaluation: Optional[dict] = None
        self.roc_curves: dict[str, dict] = {}
        self.pr_curves: dict[str, dict] = {}
        self.confusion: Optional[np.ndarray] = None
        self.threshold_readout: Optional[dict] = None
        self.overlays: dict[str, dict[str, list[tuple[float, float]]]] = {}  # run id -> series -> points
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(150)
        self._redraw_timer.timeout.connect(self._draw_curves)
        self._build()
        self.refresh_runs()

    # --- construction -----------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.addWidget(QLabel("<h2>Dashboard</h2>"))
        split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(split, 1)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel("Runs (click to show, tick to overlay):"))
        self.run_list = QListWidget()
        self.run_list.setMinimumWidth(220)
        self.run_list.itemClicked.connect(lambda item: self.load_run(item.data(Qt.ItemDataRole.UserRole)))
        self.run_list.itemChanged.connect(self._on_run_ticked)
        side_layout.addWidget(self.run_list, 1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh_runs)
        side_layout.addWidget(self.refresh_button)
        split.addWidget(side)

        self.tabs = QTabWidget()
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        self.title_label = QLabel("No run yet: train or evaluate a classifier on the Classify page.")
        self.title_label.setWordWrap(True)
        outer.addWidget(self.title_label)

        curves = QWidget()
        curves_layout = QVBoxLayout(curves)
        self.loss_plot = _plot("Loss", "epoch", "loss")
        self.scores_plot = _plot("Validation scores", "epoch", "score")
        self.scores_plot.setYRange(0, 1.02)
        curves_layout.addWidget(self.loss_plot)
        curves_layout.addWidget(self.scores_plot)
        self.tabs.addTab(curves, "Training")

        self.roc_plot = _plot("ROC (one-vs-rest)", "false positive rate", "true positive rate")
        self.pr_plot = _plot("Precision–recall", "recall", "precision")
        for plot in (self.roc_plot, self.pr_plot):
            plot.setRange(xRange=(0, 1), yRange=(0, 1.02))
        self.tabs.addTab(self.roc_plot, "ROC")
        self.tabs.addTab(self.pr_plot, "PR")

        matrix = QWidget()
        matrix_layout = QHBoxLayout(matrix)
        self.confusion_plot = pg.PlotWidget(title="Confusion matrix")
        self.confusion_plot.setBackground("w")
        self.confusion_plot.setLabel("bottom", "predicted")
        self.confusion_plot.setLabel("left", "true")
        self.confusion_plot.invertY(True)
        self.confusion_plot.setAspectLocked(True)
        self.confusion_image = pg.ImageItem()
        self.confusion_image.setColorMap(pg.colormap.get("viridis"))
        self.confusion_plot.addItem(self.confusion_image)
        self._count_items: list[pg.TextItem] = []
        matrix_layout.addWidget(self.confusion_plot, 3)
        right = QVBoxLayout()
        self.class_table = QTableWidget(0, 5)
        self.class_table.setHorizontalHeaderLabels(["precision", "recall", "F1", "AUC", "support"])
        self.class_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        right.addWidget(self.class_table, 1)
        self.threshold_box = QGroupBox("Decision threshold (two classes)")
        box = QVBoxLayout(self.threshold_box)
        self.threshold_slider = QSlider(Qt.Orientation.Horizontal)
        self.threshold_slider.setRange(0, 1000)
        self.threshold_slider.setValue(500)
        self.threshold_slider.valueChanged.connect(self._on_threshold)
        self.threshold_label = QLabel()
        self.threshold_label.setWordWrap(True)
        box.addWidget(self.threshold_slider)
        box.addWidget(self.threshold_label)
        self.threshold_box.setVisible(False)
        right.addWidget(self.threshold_box)
        matrix_layout.addLayout(right, 2)
        self.tabs.addTab(matrix, "Confusion")
        self._threshold_marker = pg.ScatterPlotItem(size=11, brush=pg.mkBrush("r"))

    # --- live feed ----------------------------------------------------------
    def start_live(self, title: str) -> None:
        """Clear the live curves and the last evaluation for a new job."""
        self.live_title = title
        self.step_loss.clear()
        self.epoch_metrics.clear()
        self._clear_evaluation()
        self.title_label.setText(f"Running: {title}")
        self._draw_curves()

    def on_metric(self, metric: Metric) -> None:
        """A Metric event: step-scoped values go on the step curves, epoch-scoped on the epoch curves."""
        key = _series_key(metric.name, metric.extra.get("fold"))
        x = float(metric.epoch if metric.epoch is not None else metric.step)
        target = self.epoch_metrics if metric.extra.get("scope") == "epoch" else self.step_loss
        target.setdefault(key, []).append((x, float(metric.value)))
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def on_data(self, data: Data) -> None:
        if data.kind == "evaluation":
            self.show_evaluation(data.payload)

    def finish_live(self, status: str) -> None:
        """The job ended: draw everything and list its run."""
        self._draw_curves()
        self.title_label.setText(f"{self.live_title}: {status}{self._summary()}")
        self.refresh_runs()

    # --- runs on disk -------------------------------------------------------
    def refresh_runs(self) -> None:
        ticked = set(self.overlays)
        self.run_list.blockSignals(True)
        self.run_list.clear()
        for run in runs.list_runs():
            item = QListWidgetItem(run.title)
            item.setData(Qt.ItemDataRole.UserRole, run.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if run.id in ticked else Qt.CheckState.Unchecked)
            self.run_list.addItem(item)
        self.run_list.blockSignals(False)

    def load_run(self, run_id: str) -> None:
        """Show a past run: its curves in place of the live ones, and its evaluation."""
        run = runs.load_run(run_id)
        self.live_title = run.title
        self.step_loss, self.epoch_metrics = self._run_series(run)
        self.title_label.setText(f"Run {run.title}")
        self._draw_curves()
        evaluation = run.evaluation()
        if evaluation:
            self.show_evaluation(evaluation)

    def set_overlay(self, run_id: str, shown: bool) -> None:
        """Add or remove a past run's epoch curves (drawn dashed, one colour per run)."""
        if shown:
            _, epochs = self._run_series(runs.load_run(run_id))
            self.overlays[run_id] = epochs
        else:
            self.overlays.pop(run_id, None)
        self._draw_curves()

    @staticmethod
    def _run_series(run: runs.Run) -> tuple[dict, dict]:
        steps: dict[str, list] = {}
        epochs: dict[str, list] = {}
        for record in run.metrics():
            if record.get("name") == "log" or record.get("value") is None:
                continue
            key = _series_key(record["name"], record.get("fold"))
            x = record.get("epoch") if record.get("epoch") is not None else record.get("step", 0)
            (epochs if record.get("scope") == "epoch" else steps).setdefault(key, []).append(
                (float(x), float(record["value"])))
        return steps, epochs

    def _on_run_ticked(self, item: QListWidgetItem) -> None:
        self.set_overlay(item.data(Qt.ItemDataRole.UserRole), item.checkState() == Qt.CheckState.Checked)

    # --- drawing --------------------------------------------------------------
    def _draw_curves(self) -> None:
        for plot in (self.loss_plot, self.scores_plot):
            plot.clear()
        colour = 0
        for key, points in self.step_loss.items():
            self._line(self.loss_plot, points, key, pg.mkPen(pg.intColor(colour, 9, alpha=150), width=1))
            colour += 1
        for key, points in self.epoch_metrics.items():
            plot = self._plot_for(key, LOSSES + SCORES)
            if plot is not None:
                self._line(plot, points, f"{key} (epoch)", pg.mkPen(pg.intColor(colour, 9), width=2), symbol="o")
                colour += 1
        for run_id, series in self.overlays.items():
            for key, points in series.items():
                plot = self._plot_for(key, OVERLAID)
                if plot is not None:
                    pen = pg.mkPen(pg.intColor(colour, 9), width=2, style=Qt.PenStyle.DashLine)
                    self._line(plot, points, f"{run_id}: {key}", pen, symbol="t")
                    colour += 1

    def _plot_for(self, key: str, shown: tuple[str, ...]) -> Optional[pg.PlotWidget]:
        name = key.split(" ")[0]  # without a "(fold k)" suffix
        if name not in shown:
            return None
        return self.loss_plot if name in LOSSES else self.scores_plot

    @staticmethod
    def _line(plot: pg.PlotWidget, points: list[tuple[float, float]], name: str, pen: Any,
              symbol: Optional[str] = None) -> None:
        if not points:
            return
        xs, ys = zip(*points)
        plot.plot(list(xs), list(ys), pen=pen, name=name, symbol=symbol, symbolSize=6,
                  symbolBrush=pen.color() if symbol else None)

    def show_evaluation(self, evaluation: dict) -> None:
        """ROC, PR, confusion matrix, per-class table and (binary) threshold readout of one evaluation."""
        self.evaluation = evaluation
        labels = list(evaluation["labels"])
        self.roc_curves = dict(evaluation.get("roc", {}))
        self.pr_curves = dict(evaluation.get("pr", {}))
        self.confusion = np.asarray(evaluation["confusion"], dtype=int)
        self.roc_plot.clear()
        self.pr_plot.clear()
        self.roc_plot.plot([0, 1], [0, 1], pen=pg.mkPen("#999", style=Qt.PenStyle.DotLine))
        for i, label in enumerate(labels):
            pen = pg.mkPen(pg.intColor(i, max(len(labels), 3)), width=2)
            if label in self.roc_curves:
                roc = self.roc_curves[label]
                auc = "n/a" if roc["auc"] is None else f"{roc['auc']:.3f}"
                self.roc_plot.plot(roc["fpr"], roc["tpr"], pen=pen, name=f"{label} (AUC {auc})")
            if label in self.pr_curves:
                pr = self.pr_curves[label]
                ap = "n/a" if pr["ap"] is None else f"{pr['ap']:.3f}"
                self.pr_plot.plot(pr["recall"], pr["precision"], pen=pen, name=f"{label} (AP {ap})")
        self._draw_confusion(labels)
        self._fill_table(evaluation)
        binary = len(labels) == 2 and bool(evaluation.get("probs"))
        self.threshold_box.setVisible(binary)
        self.threshold_readout = None
        if binary:
            self.roc_plot.addItem(self._threshold_marker)
            self._on_threshold(self.threshold_slider.value())
        self.title_label.setText(f"{self.live_title or 'Evaluation'}{self._summary()}")

    def _summary(self) -> str:
        if self.evaluation is None:
            return ""
        scores = ", ".join(f"{name} {self.evaluation[name]:.3f}" for name in ("accuracy", "f1_macro", "roc_auc")
                           if self.evaluation.get(name) is not None)
        return f" · {self.evaluation['n']} examples · {scores}"

    def _clear_evaluation(self) -> None:
        self.evaluation = None
        self.roc_curves, self.pr_curves = {}, {}
        self.confusion = None
        self.threshold_readout = None
        for plot in (self.roc_plot, self.pr_plot):
            plot.clear()
        for item in self._count_items:
            self.confusion_plot.removeItem(item)
        self._count_items = []
        self.confusion_image.clear()
        self.class_table.setRowCount(0)
        self.threshold_box.setVisible(False)

    def _draw_confusion(self, labels: list[str]) -> None:
        cm = self.confusion
        rows = cm.sum(axis=1, keepdims=True)
        share = np.divide(cm, rows, out=np.zeros(cm.shape, dtype=float), where=rows > 0)
        self.confusion_image.setImage(share.T, levels=(0, 1))  # ImageItem's first axis is x (predicted)
        for item in self._count_items:
            self.confusion_plot.removeItem(item)
        self._count_items = []
        for i in range(cm.shape[0]):
            for j in range(cm.shape[1]):
                text = pg.TextItem(str(cm[i, j]), color="w" if share[i, j] < 0.6 else "k", anchor=(0.5, 0.5))
                text.setPos(j + 0.5, i + 0.5)
                self.confusion_plot.addItem(text)
                self._count_items.append(text)
        ticks = [[(k + 0.5, label) for k, label in enumerate(labels)]]
        self.confusion_plot.getAxis("bottom").setTicks(ticks)
        self.confusion_plot.getAxis("left").setTicks(ticks)
        self.confusion_plot.setRange(xRange=(0, len(labels)), yRange=(0, len(labels)), padding=0.02)

    def _fill_table(self, evaluation: dict) -> None:
        rows = evaluation["per_class"]
        self.class_table.setRowCount(len(rows))
        self.class_table.setVerticalHeaderLabels([r["label"] for r in rows])
        for i, row in enumerate(rows):
            for j, key in enumerate(("precision", "recall", "f1", "auc", "support")):
                value = row.get(key)
                text = "n/a" if value is None else (str(value) if key == "support" else f"{value:.3f}")
                self.class_table.setItem(i, j, QTableWidgetItem(text))

    def _on_threshold(self, value: int) -> None:
        if self.evaluation is None or len(self.evaluation["labels"]) != 2:
            return
        from models.classify.metrics import at_threshold  # scikit-learn loads on first use, not with the window

        scores = np.asarray(self.evaluation["probs"], dtype=float)[:, 1]
        readout = at_threshold(self.evaluation["y_true"], scores, value / 1000)
        self.threshold_readout = readout
        positive = self.evaluation["labels"][1]
        self.threshold_label.setText(
            f"Predict '{positive}' when p ≥ {readout['threshold']:.3f}: precision {readout['precision']:.3f}, "
            f"recall {readout['recall']:.3f}, TPR {readout['tpr']:.3f}, FPR {readout['fpr']:.3f}")
        self._threshold_marker.setData([readout["fpr"]], [readout["tpr"]])
