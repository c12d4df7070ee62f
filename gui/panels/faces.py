"""The Faces page: seeds → a grid of generated faces, interpolation between two seeds, DCGAN training.

Generation is the page's main job (Run/Stop); training is a second job with its
own key and buttons, so faces can be generated while a model trains.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QScrollArea, QSlider, QSpinBox, QSplitter, QVBoxLayout, QWidget)

from models.core.events import Data, Metric, ModelDeskError
from models.faces.images import make_grid, parse_seeds, save_png
from workers.runner import JobSpec

from .. import jobs
from ..panel import BadInput, TaskPanel
from ..settings import Key
from ..widgets.image_view import ImageView
from ..widgets.job_controls import JobControls
from ..widgets.layout import hrow
from ..widgets.plot_slot import PlotSlot

TRUNCATION_STEPS = 100


def _spin(low: int, high: int, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


class FacesPanel(TaskPanel):
    name = "faces"
    title = "Faces"
    task = "faces"
    run_label = "Generate"
    train_key = "faces-train"

    # --- construction -----------------------------------------------------
    def build(self) -> None:
        self._interpolating = False
        self._grid_cols = 8
        self.g_points: list[tuple[int, float]] = []
        self.d_points: list[tuple[int, float]] = []
        self.seeds_edit = QLineEdit(self.settings.get(Key.FACES_SEEDS))
        self.seeds_edit.setToolTip("Seeds and ranges, e.g. 0-3,7: each seed always gives the same face")
        self.form.addRow("Seeds:", self.seeds_edit)
        self.truncation_slider = QSlider(Qt.Orientation.Horizontal)
        self.truncation_slider.setRange(1, TRUNCATION_STEPS)
        self.truncation_slider.setValue(TRUNCATION_STEPS)
        self.truncation_slider.setToolTip("Lower keeps latents near the centre: more typical, less varied faces")
        self.truncation_label = QLabel()
        self.truncation_slider.valueChanged.connect(self._show_truncation)
        self._show_truncation()
        self.form.addRow("Truncation:", hrow(self.truncation_slider, self.truncation_label))
        self.cols_spin = _spin(1, 32, 8)
        self.form.addRow("Columns:", self.cols_spin)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self._build_results())
        split.addWidget(self._build_training())
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.body.addWidget(split, 1)

    def _build_results(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        self.view = ImageView("Choose a faces model and seeds, then Generate.")
        scroll = QScrollArea()
        scroll.setWidget(self.view)
        scroll.setWidgetResizable(True)
        column.addWidget(scroll, 1)
        self.save_button = QPushButton("Save PNG…")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_picture)
        self.seed_a = _spin(0, 2**31 - 1, 0)
        self.seed_b = _spin(0, 2**31 - 1, 1)
        self.steps_spin = _spin(2, 64, 8)
        self.interpolate_button = QPushButton("Interpolate")
        self.interpolate_button.setToolTip("A row of faces morphing from the first seed to the second")
        self.interpolate_button.clicked.connect(self.interpolate)
        row = QHBoxLayout()
        for widget in (QLabel("From seed"), self.seed_a, QLabel("to"), self.seed_b, QLabel("in"), self.steps_spin,
                       QLabel("steps"), self.interpolate_button):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.save_button)
        column.addLayout(row)
        return box

    def _build_training(self) -> QWidget:
        group = QGroupBox("Train a DCGAN on your images")
        form = QFormLayout(group)
        self.images_edit = QLineEdit(self.settings.get(Key.FACES_IMAGES))
        self.images_edit.setPlaceholderText("A folder of jpg/png/webp images (subfolders included)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._choose_images)
        form.addRow("Images:", hrow(self.images_edit, browse))
        self.name_edit = QLineEdit("my-faces")
        form.addRow("New model:", self.name_edit)
        self.epochs_spin = _spin(1, 1000, 5)
        self.batch_spin = _spin(1, 1024, 64)
        self.width_spin = _spin(4, 256, 64)
        self.width_spin.setToolTip("Generator and discriminator width (ngf = ndf); smaller trains faster")
        form.addRow("Epochs:", self.epochs_spin)
        form.addRow("Batch size:", self.batch_spin)
        form.addRow("Width:", self.width_spin)
        self.train_controls = JobControls(self.runner, self.train_key, "Train")
        self.train_controls.stop_button.setToolTip("Stop; the last finished epoch stays saved")
        self.train_controls.run_clicked.connect(self.train)
        form.addRow(self.train_controls)
        self.loss_slot = PlotSlot(self._loss_plot)
        self.loss_slot.built.connect(lambda _plot: self._draw_losses())
        form.addRow(self.loss_slot)
        self.samples_view = ImageView("Samples appear after each epoch.")
        form.addRow(self.samples_view)
        return group

    # --- generation ---------------------------------------------------------
    def truncation(self) -> float:
        return self.truncation_slider.value() / TRUNCATION_STEPS

    def _show_truncation(self) -> None:
        value = self.truncation()
        self.truncation_label.setText("off" if value >= 1.0 else f"{value:.2f}")

    def build_job(self) -> tuple[JobSpec, dict[str, Any]]:
        common = {"model": self.model_path(), "truncation": self.truncation()}
        if self._interpolating:
            seed_a, seed_b = self.seed_a.value(), self.seed_b.value()
            if seed_a == seed_b:
                raise BadInput("Choose two different seeds to interpolate between.")
            self._grid_cols = self.steps_spin.value()
            return jobs.FACES_INTERPOLATE, {**common, "seed_a": seed_a, "seed_b": seed_b,
                                                "steps": self.steps_spin.value()}
        try:
            seeds = parse_seeds(self.seeds_edit.text())
        except ModelDeskError as exc:
            raise BadInput(str(exc)) from None
        self.settings.set(Key.FACES_SEEDS, self.seeds_edit.text())
        self._grid_cols = self.cols_spin.value()
        return jobs.FACES_GENERATE, {**common, "seeds": seeds}

    def interpolate(self) -> None:
        self._interpolating = True
        try:
            self.run()
        finally:
            self._interpolating = False

    def show_result(self, value: Any) -> None:
        if value is None or len(value) == 0:
            return
        grid = make_grid(np.asarray(value), cols=self._grid_cols)
        self.view.set_array(grid)
        self.save_button.setEnabled(True)
        self.set_status(f"{len(value)} faces, {grid.shape[1]}×{grid.shape[0]} px.")

    def save_picture(self) -> None:
        if self.view.array is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the picture", "faces.png", "PNG images (*.png)")
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        try:
            save_png(self.view.array, path)
        except (OSError, ValueError) as exc:
            self.set_status(f"Could not save {path}: {exc}", error=True)
            return
        self.set_status(f"Saved {path}.")

    # --- training -------------------------------------------------------------
    def _choose_images(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of images", self.images_edit.text())
        if folder:
            self.images_edit.setText(folder)

    def train(self) -> None:
        if self.runner.is_running(self.train_key):
            return
        folder, name = self.images_edit.text().strip(), self.name_edit.text().strip()
        if not folder:
            self.train_controls.set_status("Choose a folder of images to train on.", error=True)
            return
        if not name:
            self.train_controls.set_status("Name the new model.", error=True)
            return
        self.settings.set(Key.FACES_IMAGES, folder)
        width = self.width_spin.value()
        job = self.train_controls.start(jobs.FACES_TRAIN, image_folder=folder, out_name=name,
                                        epochs=self.epochs_spin.value(), batch_size=self.batch_spin.value(),
                                        ngf=width, ndf=width)
        job.metric.connect(self.on_metric)
        job.data.connect(self._on_samples)
        job.log.connect(self.train_controls.set_status)
        job.result.connect(self._on_trained)
        job.cancelled.connect(self._on_train_stopped)
        self.g_points.clear()
        self.d_points.clear()
        self._draw_losses()
        self.train_controls.set_status("Training…")

    def on_metric(self, event: Metric) -> None:
        points = {"g_loss": self.g_points, "d_loss": self.d_points}.get(event.name)
        if points is not None:
            points.append((event.step, event.value))
            self._draw_losses()

    def _loss_plot(self) -> QWidget:
        import pyqtgraph as pg

        plot = pg.PlotWidget(title="Losses per step")
        plot.setBackground("w")
        plot.showGrid(x=True, y=True, alpha=0.3)
        plot.addLegend(offset=(-10, 10))
        plot.setLabel("bottom", "step")
        plot.setMinimumHeight(180)
        self.g_curve = plot.plot([], [], pen=pg.mkPen("#2563eb", width=2), name="generator")
        self.d_curve = plot.plot([], [], pen=pg.mkPen("#dc2626", width=2), name="discriminator")
        return plot

    def _draw_losses(self) -> None:
        if self.loss_slot.widget is None:
            return
        for curve, points in ((self.g_curve, self.g_points), (self.d_curve, self.d_points)):
            curve.setData([p[0] for p in points], [p[1] for p in points])

    def _on_samples(self, event: Data) -> None:
        self.samples_view.set_array(event.payload)

    def _on_trained(self, path: Any) -> None:
        """Select the new model for generation."""
        self._offer(path)
        self.train_controls.set_status(f"Trained model saved to {path}.")

    def _on_train_stopped(self, path: Any) -> None:
        """A stopped run keeps its last finished epoch (``path``), if one finished."""
        if path is None:
            self.train_controls.set_status("Training stopped before the first epoch ended: nothing was saved.")
            return
        self._offer(path)
        self.train_controls.set_status(f"Training stopped; the last finished epoch is kept in {path}.")

    def _offer(self, path: Any) -> None:
        self.ctx.models.refresh()
        if self.picker is not None:
            self.picker.set_path(str(path))
