"""The Dashboard's plots (pyqtgraph): curves, ROC and PR, the confusion matrix, the threshold slider,
and the trade-off view (macro-F1 against latency and size, one point per variant).

Views only: they draw what ``gui.dashboard.Dashboard`` holds and are created the first time the
page is shown, so the window never waits for pyqtgraph to import.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QSlider, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from models.classify.report import tradeoff_label

#: epoch-level metrics drawn on the scores plot and on the loss plot; other metrics are kept, not drawn
SCORES = ("val_accuracy", "val_f1_macro", "val_roc_auc")
LOSSES = ("train_loss", "val_loss", "g_loss", "d_loss")
#: a GAN's quality per epoch (KID and sliced Wasserstein distance, lower is better; variety, 1 is the
#: training images'), on a plot of its own
QUALITY = ("kid", "swd", "variety")
#: what a past run adds when overlaid (more would bury the live curves): a classifier's validation loss and
#: F1, a GAN's two losses, its KID and SWD
OVERLAID = ("val_loss", "val_f1_macro", "g_loss", "d_loss", "kid", "swd")
#: trade-off marker per backend (colour: one per model)
BACKEND_SYMBOLS = {"torch": "o", "onnx-fp32": "s", "onnx-int8": "t"}

Series = dict[str, list[tuple[float, float]]]


def _plot(title: str, x: str, y: str) -> pg.PlotWidget:
    widget = pg.PlotWidget(title=title)
    widget.setBackground("w")
    widget.showGrid(x=True, y=True, alpha=0.3)
    widget.setLabel("bottom", x)
    widget.setLabel("left", y)
    widget.addLegend(offset=(-10, 10))
    return widget


class DashboardPlots(QTabWidget):
    """Training curves, ROC, PR, confusion and trade-off tabs; ``on_threshold`` gets the slider's value
    (0–1), ``on_variant`` a trade-off point's key and whether it is ticked, ``on_remove`` the keys of
    the points to forget."""

    def __init__(self, on_threshold: Callable[[float], None],
                 on_variant: Optional[Callable[[str, bool], None]] = None,
                 on_remove: Optional[Callable[[list[str]], None]] = None, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        curves = QWidget()
        curves_layout = QVBoxLayout(curves)
        self.loss_plot = _plot(self.tr("Loss"), self.tr("epoch"), self.tr("loss"))
        self.scores_plot = _plot(self.tr("Validation scores"), self.tr("epoch"), self.tr("score"))
        self.scores_plot.setYRange(0, 1.02)
        self.quality_plot = _plot(self.tr("Quality: KID and SWD (lower is better), variety (1: the data's)"),
                                  self.tr("epoch"), self.tr("KID · SWD · variety"))
        self.quality_plot.setVisible(False)   # shown for runs that measure it (GANs)
        curves_layout.addWidget(self.loss_plot)
        curves_layout.addWidget(self.scores_plot)
        curves_layout.addWidget(self.quality_plot)
        self.addTab(curves, self.tr("Training"))

        self.roc_plot = _plot(self.tr("ROC (one-vs-rest)"), self.tr("false positive rate"), self.tr("true positive rate"))
        self.pr_plot = _plot(self.tr("Precision–recall"), self.tr("recall"), self.tr("precision"))
        for plot in (self.roc_plot, self.pr_plot):
            plot.setRange(xRange=(0, 1), yRange=(0, 1.02))
        self.addTab(self.roc_plot, self.tr("ROC"))
        self.addTab(self.pr_plot, self.tr("PR"))

        matrix = QWidget()
        matrix_layout = QHBoxLayout(matrix)
        self.confusion_plot = pg.PlotWidget(title=self.tr("Confusion matrix"))
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
        self.class_table.setHorizontalHeaderLabels([self.tr("precision"), self.tr("recall"), "F1", self.tr("AUC"), self.tr("support")])
        self.class_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        right.addWidget(self.class_table, 1)
        self.threshold_box = QGroupBox(self.tr("Decision threshold (two classes)"))
        box = QVBoxLayout(self.threshold_box)
        self.threshold_slider = QSlider(Qt.Orientation.Horizontal)
        self.threshold_slider.setRange(0, 1000)
        self.threshold_slider.setValue(500)
        self.threshold_slider.valueChanged.connect(lambda value: on_threshold(value / 1000))
        self.threshold_label = QLabel()
        self.threshold_label.setWordWrap(True)
        box.addWidget(self.threshold_slider)
        box.addWidget(self.threshold_label)
        self.threshold_box.setVisible(False)
        right.addWidget(self.threshold_box)
        matrix_layout.addLayout(right, 2)
        self.addTab(matrix, self.tr("Confusion"))
        self._threshold_marker = pg.ScatterPlotItem(size=11, brush=pg.mkBrush("r"))
        self._build_tradeoff(on_variant, on_remove)

    def _build_tradeoff(self, on_variant: Optional[Callable[[str, bool], None]],
                        on_remove: Optional[Callable[[list[str]], None]]) -> None:
        page = QWidget()
        row = QHBoxLayout(page)
        plots = QVBoxLayout()
        self.latency_plot = _plot(self.tr("Macro-F1 against latency at batch size 1"), self.tr("latency (ms, median)"), "macro-F1")
        self.size_plot = _plot(self.tr("Macro-F1 against size on disk"), self.tr("size (MB)"), "macro-F1")
        plots.addWidget(self.latency_plot)
        plots.addWidget(self.size_plot)
        row.addLayout(plots, 3)
        side = QVBoxLayout()
        side.addWidget(QLabel(self.tr("Variants (tick to plot):")))
        self.variant_list = QListWidget()
        self.variant_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        if on_variant is not None:
            self.variant_list.itemChanged.connect(lambda item: on_variant(
                item.data(Qt.ItemDataRole.UserRole), item.checkState() == Qt.CheckState.Checked))
        side.addWidget(self.variant_list, 1)
        self.remove_variants_button = QPushButton(self.tr("Remove selected"))
        if on_remove is not None:
            self.remove_variants_button.clicked.connect(lambda: on_remove(
                [item.data(Qt.ItemDataRole.UserRole) for item in self.variant_list.selectedItems()]))
        side.addWidget(self.remove_variants_button)
        row.addLayout(side, 1)
        self.addTab(page, self.tr("Trade-off"))

    # --- curves -------------------------------------------------------------
    def draw_curves(self, steps: Series, epochs: Series, overlays: dict[str, Series]) -> None:
        for plot in (self.loss_plot, self.scores_plot, self.quality_plot):
            plot.clear()
        names = {key.split(" ")[0] for key in epochs} | {key.split(" ")[0] for s in overlays.values() for key in s}
        self.quality_plot.setVisible(bool(names & set(QUALITY)))
        colour = 0
        for key, points in steps.items():
            self._line(self.loss_plot, points, key, pg.mkPen(pg.intColor(colour, 9, alpha=150), width=1))
            colour += 1
        for key, points in epochs.items():
            plot = self._plot_for(key, LOSSES + SCORES + QUALITY)
            if plot is not None:
                self._line(plot, points, self.tr("{0} (epoch)").format(key), pg.mkPen(pg.intColor(colour, 9), width=2), symbol="o")
                colour += 1
        for run_id, series in overlays.items():
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
        if name in QUALITY:
            return self.quality_plot
        return self.loss_plot if name in LOSSES else self.scores_plot

    @staticmethod
    def _line(plot: pg.PlotWidget, points: list[tuple[float, float]], name: str, pen: Any,
              symbol: Optional[str] = None) -> None:
        if not points:
            return
        xs, ys = zip(*points)
        plot.plot(list(xs), list(ys), pen=pen, name=name, symbol=symbol, symbolSize=6,
                  symbolBrush=pen.color() if symbol else None)

    # --- the trade-off view -------------------------------------------------
    def draw_tradeoff(self, points: dict[str, dict], hidden: set[str]) -> None:
        """List every point (ticked unless hidden) and plot the ticked ones, one colour per model."""
        self.variant_list.blockSignals(True)
        self.variant_list.clear()
        for key, point in points.items():
            item = QListWidgetItem(tradeoff_label(point))
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(self.tr("{0}\nmeasured on {1} ({2} rows)").format(point['model'], point['data'], point['rows']))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked if key in hidden else Qt.CheckState.Checked)
            self.variant_list.addItem(item)
        self.variant_list.blockSignals(False)
        shown = [p for key, p in points.items() if key not in hidden]
        models = list(dict.fromkeys(p["model"] for p in shown))
        for plot, x in ((self.latency_plot, "latency_ms"), (self.size_plot, "size_mb")):
            plot.clear()
            for k, model in enumerate(models):
                mine = [p for p in shown if p["model"] == model]
                colour = pg.intColor(k, max(len(models), 3))
                plot.addItem(pg.ScatterPlotItem(
                    x=[p[x] for p in mine], y=[p["f1_macro"] for p in mine], size=12, brush=pg.mkBrush(colour),
                    pen=pg.mkPen("k"), symbol=[BACKEND_SYMBOLS.get(p["backend"], "d") for p in mine],
                    name=f"{mine[0].get('role') or 'model'} {mine[0]['name']}"))
                for p in mine:
                    label = pg.TextItem(p["backend"], color=colour, anchor=(0, 1))
                    label.setPos(p[x], p["f1_macro"])
                    plot.addItem(label)

    def plotted_tradeoff(self) -> list[tuple[float, float]]:
        """(latency in ms, macro-F1) of every point on the latency plot, read back from its items."""
        return [(float(spot.pos().x()), float(spot.pos().y())) for item in self.latency_plot.getPlotItem().items
                if isinstance(item, pg.ScatterPlotItem) for spot in item.points()]

    # --- an evaluation ------------------------------------------------------
    def show_evaluation(self, evaluation: dict) -> None:
        """ROC, PR, confusion matrix and per-class table; the threshold box for two classes."""
        labels = list(evaluation["labels"])
        roc_curves, pr_curves = evaluation.get("roc", {}), evaluation.get("pr", {})
        self.roc_plot.clear()
        self.pr_plot.clear()
        self.roc_plot.plot([0, 1], [0, 1], pen=pg.mkPen("#999", style=Qt.PenStyle.DotLine))
        for i, label in enumerate(labels):
            pen = pg.mkPen(pg.intColor(i, max(len(labels), 3)), width=2)
            if label in roc_curves:
                roc = roc_curves[label]
                auc = "n/a" if roc["auc"] is None else f"{roc['auc']:.3f}"
                self.roc_plot.plot(roc["fpr"], roc["tpr"], pen=pen, name=f"{label} (AUC {auc})")
            if label in pr_curves:
                pr = pr_curves[label]
                ap = "n/a" if pr["ap"] is None else f"{pr['ap']:.3f}"
                self.pr_plot.plot(pr["recall"], pr["precision"], pen=pen, name=f"{label} (AP {ap})")
        self._draw_confusion(np.asarray(evaluation["confusion"], dtype=int), labels)
        self._fill_table(evaluation["per_class"])
        binary = len(labels) == 2 and bool(evaluation.get("probs"))
        self.threshold_box.setVisible(binary)
        if binary:
            self.roc_plot.addItem(self._threshold_marker)

    def threshold(self) -> float:
        return self.threshold_slider.value() / 1000

    def show_threshold(self, readout: dict, positive: str) -> None:
        self.threshold_label.setText(
            self.tr("Predict '{0}' when p ≥ {1:.3f}: precision {2:.3f}, recall {3:.3f}, TPR {4:.3f}, FPR {5:.3f}").format(
                positive, readout['threshold'], readout['precision'], readout['recall'], readout['tpr'], readout['fpr']))
        self._threshold_marker.setData([readout["fpr"]], [readout["tpr"]])

    def clear_evaluation(self) -> None:
        for plot in (self.roc_plot, self.pr_plot):
            plot.clear()
        for item in self._count_items:
            self.confusion_plot.removeItem(item)
        self._count_items = []
        self.confusion_image.clear()
        self.class_table.setRowCount(0)
        self.threshold_box.setVisible(False)

    def _draw_confusion(self, cm: np.ndarray, labels: list[str]) -> None:
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

    def _fill_table(self, rows: list[dict]) -> None:
        self.class_table.setRowCount(len(rows))
        self.class_table.setVerticalHeaderLabels([r["label"] for r in rows])
        for i, row in enumerate(rows):
            for j, key in enumerate(("precision", "recall", "f1", "auc", "support")):
                value = row.get(key)
                text = "n/a" if value is None else (str(value) if key == "support" else f"{value:.3f}")
                self.class_table.setItem(i, j, QTableWidgetItem(text))
