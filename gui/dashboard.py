"""The training and evaluation dashboard.

Live: the step loss and the per-epoch validation curves of the running job (for a GAN: both
losses and the sliced Wasserstein distance per epoch), fed by
``on_metric``/``on_data`` from the job's signals. After evaluation: ROC and PR curves per class
with their AUC in the legend, a confusion-matrix heatmap with counts and a per-class table, and
for two classes a threshold slider reading out precision, recall, TPR and FPR. Past runs are
listed, reload on click, and overlay on the curves when ticked; they are read in the engine
(``models.core.runs``). The trade-off view plots one point per measured variant (a model on one
backend): macro-F1 against latency at batch size 1 and against size on disk; compression and
measure jobs add points, a run reloaded adds its own, and each can be hidden or removed.

This page holds the data behind each plot in plain attributes (``step_loss``, ``epoch_metrics``,
``evaluation``, ``roc_curves``, ``pr_curves``, ``confusion``, ``overlays``, ``threshold_readout``,
``tradeoff``, ``tradeoff_hidden``),
so tests and other pages can read what is shown. The plots (``gui.dashboard_plots``) are built
the first time the page is shown: a window that opens on another page never waits for pyqtgraph.
"""
from __future__ import annotations

from typing import Any, Optional

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPushButton, QSplitter, QVBoxLayout, QWidget

from models.classify.report import at_threshold, tradeoff_key
from models.core.events import Data, Metric
from models.core.runs import series_key

from . import jobs
from .context import AppContext
from .dashboard_faces import FacesWatch
from .lifetime import while_alive
from .widgets.plot_slot import PlotSlot

Series = dict[str, list[tuple[float, float]]]


class Dashboard(QWidget):
    """Curves of the live run, the latest evaluation, and the runs on disk."""

    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.runner = ctx.runner
        self.live_title = ""
        self.step_loss: Series = {}                 # series -> (epoch, loss) per step
        self.epoch_metrics: Series = {}             # series -> (epoch, value)
        self.evaluation: Optional[dict] = None
        self.roc_curves: dict[str, dict] = {}
        self.pr_curves: dict[str, dict] = {}
        self.confusion: Any = None                  # numpy array of counts
        self.threshold_readout: Optional[dict] = None
        self.overlays: dict[str, Series] = {}       # run id -> series -> points
        self.tradeoff: dict[str, dict] = {}         # report.tradeoff_key -> point (models.classify.tradeoff)
        self.tradeoff_hidden: set[str] = set()      # keys of the points listed but not plotted
        self.plots: Any = None                      # DashboardPlots, once shown and pyqtgraph has loaded
        self.slot: Optional[PlotSlot] = None
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(150)
        self._redraw_timer.timeout.connect(self._draw_curves)

        outer = QVBoxLayout(self)
        outer.addWidget(QLabel(self.tr("<h2>Dashboard</h2>")))
        self.split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(self.split, 1)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel(self.tr("Runs (click to show, tick to overlay):")))
        self.run_list = QListWidget()
        self.run_list.setMinimumWidth(220)
        self.run_list.itemClicked.connect(lambda item: self.load_run(item.data(Qt.ItemDataRole.UserRole)))
        self.run_list.itemChanged.connect(self._on_run_ticked)
        side_layout.addWidget(self.run_list, 1)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.refresh_runs)
        side_layout.addWidget(self.refresh_button)
        self.split.addWidget(side)
        self.title_label = QLabel(self.tr("No run yet: train or evaluate a classifier on the Classify page, or train a "
                                  "face generator on the Faces page."))
        self.title_label.setWordWrap(True)
        outer.addWidget(self.title_label)
        self.faces_watch = FacesWatch()
        outer.addWidget(self.faces_watch)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.slot is None:
            self.slot = PlotSlot(self._make_plots)
            self.split.addWidget(self.slot)
            self.split.setStretchFactor(1, 1)
            self.refresh_runs()

    def _make_plots(self) -> QWidget:
        """Create the plots and draw what the page already holds."""
        from .dashboard_plots import DashboardPlots

        self.plots = DashboardPlots(self.set_threshold, self.show_tradeoff_point, self.remove_tradeoff)
        QTimer.singleShot(0, self._draw_all)
        return self.plots

    def _draw_all(self) -> None:
        self._draw_curves()
        self._draw_tradeoff()
        if self.evaluation is not None:
            self.show_evaluation(self.evaluation)

    # --- live feed ----------------------------------------------------------
    def start_live(self, title: str) -> None:
        """Clear the live curves and the last evaluation for a new job."""
        self.live_title = title
        self.step_loss.clear()
        self.epoch_metrics.clear()
        self._clear_evaluation()
        self.faces_watch.clear()
        self.title_label.setText(self.tr("Running: {0}").format(title))
        self._draw_curves()

    def on_metric(self, metric: Metric) -> None:
        """A Metric event: step-scoped values go on the step curves, epoch-scoped on the epoch curves."""
        key = series_key(metric.name, metric.extra.get("fold"))
        x = float(metric.epoch if metric.epoch is not None else metric.step)
        target = self.epoch_metrics if metric.extra.get("scope") == "epoch" else self.step_loss
        target.setdefault(key, []).append((x, float(metric.value)))
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def on_data(self, data: Data) -> None:
        if self.faces_watch.on_data(data):
            return
        if data.kind == "evaluation":
            self.show_evaluation(data.payload)
        elif data.kind == "tradeoff":
            self.add_tradeoff(data.payload)

    def follow(self, job: Any, title: str) -> None:
        """Show a training job live (its metrics and evaluation), then its outcome and its run in the list."""
        self.start_live(title)
        job.metric.connect(self.on_metric)
        job.data.connect(self.on_data)
        outcome = {"status": self.tr("done")}  # cancelled / error arrive before finished
        job.cancelled.connect(lambda _value: outcome.update(status=self.tr("stopped")))
        job.error.connect(lambda message, _details: outcome.update(status=self.tr("failed ({0})").format(message)))
        job.finished.connect(while_alive(self, lambda: self.finish_live(outcome["status"])))

    def finish_live(self, status: str) -> None:
        """The job ended: draw everything and list its run."""
        self._draw_curves()
        self.title_label.setText(f"{self.live_title}: {status}{self._summary()}")
        if self.plots is not None:
            self.refresh_runs()

    # --- runs on disk (read in the engine) ------------------------------------
    def refresh_runs(self) -> None:
        job = self.runner.start_latest("dashboard-runs", jobs.LIST_RUNS)
        job.result.connect(self._list_runs)

    def _list_runs(self, titles: list[tuple[str, str]]) -> None:
        ticked = set(self.overlays)
        self.run_list.blockSignals(True)
        self.run_list.clear()
        for run_id, title in titles:
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, run_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if run_id in ticked else Qt.CheckState.Unchecked)
            self.run_list.addItem(item)
        self.run_list.blockSignals(False)

    def load_run(self, run_id: str) -> None:
        """Show a past run: its curves in place of the live ones, and its evaluation."""
        job = self.runner.start_latest("dashboard-run", jobs.REPLAY_RUN, id_or_path=run_id)
        job.result.connect(self._show_run)

    def _show_run(self, run: dict) -> None:
        self.live_title = run["title"]
        self.step_loss, self.epoch_metrics = run["steps"], run["epochs"]
        self.title_label.setText(self.tr("Run {0}").format(run['title']))
        self._draw_curves()
        if run["evaluation"]:
            self.show_evaluation(run["evaluation"])
        if run.get("tradeoff"):
            self.add_tradeoff(run["tradeoff"])

    def set_overlay(self, run_id: str, shown: bool) -> None:
        """Add or remove a past run's epoch curves (drawn dashed, one colour per run)."""
        if not shown:
            self.overlays.pop(run_id, None)
            self._draw_curves()
            return
        job = self.runner.start(f"dashboard-overlay-{run_id}", jobs.REPLAY_RUN, id_or_path=run_id)
        job.result.connect(self._add_overlay)

    def _add_overlay(self, run: dict) -> None:
        self.overlays[run["id"]] = run["epochs"]
        self._draw_curves()

    def _on_run_ticked(self, item: QListWidgetItem) -> None:
        self.set_overlay(item.data(Qt.ItemDataRole.UserRole), item.checkState() == Qt.CheckState.Checked)

    # --- the trade-off view -----------------------------------------------------
    def add_tradeoff(self, points: list[dict]) -> None:
        """Plot these points; a point of the same model, backend and file replaces the older one."""
        for point in points:
            key = tradeoff_key(point)
            self.tradeoff[key] = point
            self.tradeoff_hidden.discard(key)
        self._draw_tradeoff()

    def show_tradeoff_point(self, key: str, shown: bool) -> None:
        """Put a listed point on the plot, or take it off (it stays listed)."""
        (self.tradeoff_hidden.discard if shown else self.tradeoff_hidden.add)(key)
        self._draw_tradeoff()

    def remove_tradeoff(self, keys: list[str]) -> None:
        """Forget points: off the plot and off the list."""
        for key in keys:
            self.tradeoff.pop(key, None)
            self.tradeoff_hidden.discard(key)
        self._draw_tradeoff()

    def _draw_tradeoff(self) -> None:
        if self.plots is not None:
            self.plots.draw_tradeoff(self.tradeoff, self.tradeoff_hidden)

    # --- what is shown ------------------------------------------------------------
    def _draw_curves(self) -> None:
        if self.plots is not None:
            self.plots.draw_curves(self.step_loss, self.epoch_metrics, self.overlays)

    def show_evaluation(self, evaluation: dict) -> None:
        """ROC, PR, confusion matrix, per-class table and (binary) threshold readout of one evaluation."""
        self.evaluation = evaluation
        self.roc_curves = dict(evaluation.get("roc", {}))
        self.pr_curves = dict(evaluation.get("pr", {}))
        import numpy as np   # loaded with the first evaluation, not with the window

        self.confusion = np.asarray(evaluation["confusion"], dtype=int)
        self.threshold_readout = None
        if self.plots is not None:
            self.plots.show_evaluation(evaluation)
            if len(evaluation["labels"]) == 2 and evaluation.get("probs"):
                self.set_threshold(self.plots.threshold())
        self.title_label.setText(f"{self.live_title or self.tr('Evaluation')}{self._summary()}")

    def set_threshold(self, threshold: float) -> None:
        """Read out a binary evaluation at ``threshold`` (the slider's value)."""
        evaluation = self.evaluation
        if evaluation is None or len(evaluation["labels"]) != 2 or not evaluation.get("probs"):
            return
        scores = [row[1] for row in evaluation["probs"]]
        self.threshold_readout = at_threshold(evaluation["y_true"], scores, threshold)
        if self.plots is not None:
            self.plots.show_threshold(self.threshold_readout, evaluation["labels"][1])

    def _summary(self) -> str:
        if self.evaluation is None:
            return ""
        scores = ", ".join(f"{name} {self.evaluation[name]:.3f}" for name in ("accuracy", "f1_macro", "roc_auc")
                           if self.evaluation.get(name) is not None)
        return self.tr(" · {0} examples · {1}").format(self.evaluation["n"], scores)

    def _clear_evaluation(self) -> None:
        self.evaluation = None
        self.roc_curves, self.pr_curves = {}, {}
        self.confusion = None
        self.threshold_readout = None
        if self.plots is not None:
            self.plots.clear_evaluation()
