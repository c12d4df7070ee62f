"""The Faces page: explore a generator live, play and export a path through seeds, train a DCGAN.

Explore: a seed (fractional seeds blend their neighbours), a rows × columns grid of the seeds
that follow it, and truncation ψ. Every change renders at once and the latest request wins
(``JobControls.start_latest``): a render in flight gives way and its frame never shows.
Interpolate renders a path through several seeds, which plays with a slider and Play and
saves as a GIF or numbered PNGs. Import brings in a PyTorch DCGAN tutorial generator
(``faces_import``). Train runs on its own key, so faces render while a model
trains; its losses and SWD go to the Dashboard as a run.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import numpy as np
from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QScrollArea, QSlider, QSpinBox, QSplitter, QTabWidget, QVBoxLayout,
                               QWidget)

from models.core.events import Data, ModelDeskError
from models.faces.images import parse_seeds, save_frames, save_gif, save_png
from models.faces.recipe import DEFAULTS as RECIPE
from workers.runner import Job, JobSpec

from .. import jobs
from ..panel import BadInput, TaskPanel
from ..settings import Key
from ..widgets.face_grid import FaceGrid, FramePlayer
from ..widgets.job_controls import JobControls
from ..widgets.layout import hrow
from .faces_import import GeneratorImport

PSI_STEPS = 100
BLEND_STEPS = 100


def _spin(low: int, high: int, value: int, tip: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


def _slider(steps: int, value: int, tip: str) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(0, steps)
    slider.setValue(value)
    slider.setToolTip(tip)
    return slider


class FacesPanel(TaskPanel):
    name = "faces"
    title = QT_TRANSLATE_NOOP("TaskPanel", "Faces")
    task = "faces"
    run_label = QT_TRANSLATE_NOOP("TaskPanel", "Render")
    latest_wins = True             # every control renders as it moves; a render in flight gives way
    path_key = "faces-path"
    train_key = "faces-train"

    # --- construction -----------------------------------------------------
    def build(self) -> None:
        self.dashboard: Optional[Any] = None
        seed = float(self.settings.get(Key.FACES_SEED))
        self.seed_spin = _spin(0, 2**31 - 1, int(seed), self.tr("The first face's seed: each seed always gives the same face"))
        self.blend_slider = _slider(BLEND_STEPS, round((seed % 1) * BLEND_STEPS),
                                    self.tr("Fractional seed: blends each face toward the next seed's"))
        self.rows_spin = _spin(1, 8, self.settings.get(Key.FACES_ROWS), self.tr("Rows of faces"))
        self.cols_spin = _spin(1, 8, self.settings.get(Key.FACES_COLS), self.tr("Faces per row"))
        self.psi_slider = _slider(PSI_STEPS, round(self.settings.get(Key.FACES_PSI) * PSI_STEPS),
                                  self.tr("Truncation ψ: 1 leaves the faces as drawn, lower pulls them toward the average face"))
        for spin in (self.seed_spin, self.rows_spin, self.cols_spin):
            spin.setMaximumWidth(120)
        self.seed_label, self.psi_label = QLabel(), QLabel()
        self.form.addRow(self.tr("Seed:"), hrow(self.seed_spin, self.blend_slider, self.seed_label))
        self.form.addRow(self.tr("Grid:"), hrow(self.rows_spin, QLabel(self.tr("rows ×")), self.cols_spin, QLabel(self.tr("columns")), QWidget()))
        self.form.addRow(self.tr("Truncation ψ:"), hrow(self.psi_slider, self.psi_label))
        self._show_values()
        for signal in (self.seed_spin.valueChanged, self.blend_slider.valueChanged, self.rows_spin.valueChanged,
                       self.cols_spin.valueChanged, self.psi_slider.valueChanged):
            signal.connect(self._changed)
        if self.picker is not None:
            self.picker.changed.connect(lambda _path: self._changed())

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self._build_explore())
        tabs = QTabWidget()
        tabs.addTab(self._build_path(), self.tr("Interpolate"))
        tabs.addTab(self._build_training(), self.tr("Train"))
        self.import_box = GeneratorImport(self.runner, self.settings)
        self.import_box.imported.connect(self._offer)
        tabs.addTab(self.import_box, self.tr("Import"))
        split.addWidget(tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.body.addWidget(split, 1)

    def _build_explore(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        self.view = FaceGrid(self.tr("Choose a faces model: the faces render as you move the controls."))
        scroll = QScrollArea()
        scroll.setWidget(self.view)
        scroll.setWidgetResizable(True)
        column.addWidget(scroll, 1)
        self.save_image_button = QPushButton(self.tr("Save image…"))
        self.save_image_button.setToolTip(self.tr("Save the face you clicked last (the first one until you click)"))
        self.save_grid_button = QPushButton(self.tr("Save grid…"))
        for button, whole in ((self.save_image_button, False), (self.save_grid_button, True)):
            button.setEnabled(False)
            button.clicked.connect(lambda _checked=False, whole=whole: self.save_picture(whole))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_image_button)
        row.addWidget(self.save_grid_button)
        column.addLayout(row)
        return box

    def _build_path(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        self.path_edit = QLineEdit(self.settings.get(Key.FACES_PATH))
        self.path_edit.setToolTip(self.tr("The seeds the path goes through, in order, e.g. 3,7,12"))
        self.frames_spin = _spin(2, 600, self.settings.get(Key.FACES_FRAMES), self.tr("Frames in all, both ends included"))
        form.addRow(self.tr("Seeds:"), self.path_edit)
        form.addRow(self.tr("Frames:"), self.frames_spin)
        self.path_controls = JobControls(self.runner, self.path_key, self.tr("Make path"))
        self.path_controls.run_clicked.connect(self.make_path)
        form.addRow(self.path_controls)
        self.player = FramePlayer()
        form.addRow(self.player)
        self.gif_button = QPushButton(self.tr("Export GIF…"))
        self.frames_button = QPushButton(self.tr("Export PNG frames…"))
        for button in (self.gif_button, self.frames_button):
            button.setEnabled(False)
        self.gif_button.clicked.connect(self.export_gif)
        self.frames_button.clicked.connect(self.export_frames)
        form.addRow(hrow(self.gif_button, self.frames_button))
        return box

    def _build_training(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        self.images_edit = QLineEdit(self.settings.get(Key.FACES_IMAGES))
        self.images_edit.setPlaceholderText(self.tr("A folder of jpg/png/webp images (subfolders included)"))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._choose_images)
        form.addRow(self.tr("Images:"), hrow(self.images_edit, browse))
        self.name_edit = QLineEdit("my-faces")
        self.name_edit.setToolTip(self.tr("The new model's name; Resume continues the model of this name"))
        form.addRow(self.tr("Model name:"), self.name_edit)
        self.size_combo = QComboBox()
        for size in (32, 64, 128):
            self.size_combo.addItem(self.tr("{0} px").format(size), size)
        self.size_combo.setCurrentIndex(max(0, self.size_combo.findData(self.settings.get(Key.FACES_IMAGE_SIZE))))
        self.epochs_spin = _spin(1, 10000, RECIPE["epochs"], self.tr("Epochs in all; Resume counts those already done"))
        self.batch_spin = _spin(1, 1024, RECIPE["batch_size"])
        self.width_spin = _spin(4, 256, RECIPE["ngf"],
                                self.tr("Generator and discriminator width (ngf = ndf); smaller trains faster"))
        self.preview_spin = _spin(1, 100000, RECIPE["preview_every"], self.tr("Steps between preview grids"))
        form.addRow(self.tr("Image size:"), self.size_combo)
        form.addRow(self.tr("Epochs:"), self.epochs_spin)
        form.addRow(self.tr("Batch size:"), self.batch_spin)
        form.addRow(self.tr("Width:"), self.width_spin)
        form.addRow(self.tr("Preview every:"), hrow(self.preview_spin, QLabel(self.tr("steps"))))
        self.spectral_check = QCheckBox(self.tr("Spectral norm in the discriminator (a new model)"))
        self.spectral_check.setChecked(RECIPE["spectral_norm"])
        self.minibatch_check = QCheckBox(self.tr("Minibatch-spread channel in the discriminator (a new model)"))
        self.minibatch_check.setChecked(RECIPE["minibatch_std"])
        for check in (self.spectral_check, self.minibatch_check):
            check.setToolTip(self.tr("Defaults chosen by measurement (benchmarks/faces_training.py), the same as "
                                     "train-faces'; DiffAugment, flips and label smoothing are always on"))
        self.collapse_check = QCheckBox(self.tr("Stop when the generator is collapsing"))
        self.collapse_check.setChecked(RECIPE["stop_on_collapse"])
        self.collapse_check.setToolTip(self.tr("Variety falling several epochs in a row always warns; this also stops "
                                               "there (the best epoch stays the model)"))
        form.addRow(self.spectral_check)
        form.addRow(self.minibatch_check)
        form.addRow(self.collapse_check)
        self.train_controls = JobControls(self.runner, self.train_key, self.tr("Train"))
        self.train_controls.stop_button.setToolTip(self.tr("Stop; the best and the last finished epoch stay saved"))
        self.train_controls.run_clicked.connect(lambda: self.train(resume=False))
        self.resume_button = QPushButton(self.tr("Resume"))
        self.resume_button.setToolTip(self.tr("Continue training the model named above until it has the epochs asked"))
        self.resume_button.clicked.connect(lambda: self.train(resume=True))
        self.runner.busy_changed.connect(
            lambda key, running: self.resume_button.setEnabled(not running) if key == self.train_key else None)
        dashboard_button = QPushButton(self.tr("Show dashboard"))
        dashboard_button.clicked.connect(self._show_dashboard)
        form.addRow(hrow(self.resume_button, dashboard_button))
        form.addRow(self.train_controls)
        self.samples_view = FaceGrid(self.tr("Preview grids of fixed seeds appear as training goes."))
        form.addRow(self.samples_view)
        return box

    # --- exploring ------------------------------------------------------------
    def seed(self) -> float:
        return self.seed_spin.value() + self.blend_slider.value() / BLEND_STEPS

    def psi(self) -> float:
        return self.psi_slider.value() / PSI_STEPS

    def seeds(self) -> list[float]:
        base = self.seed()
        return [base + i for i in range(self.rows_spin.value() * self.cols_spin.value())]

    def _show_values(self) -> None:
        self.seed_label.setText(f"{self.seed():g}")
        self.psi_label.setText(f"{self.psi():.2f}" + (self.tr(" (off)") if self.psi() >= 1.0 else ""))

    def _changed(self) -> None:
        self._show_values()
        if self.picker is not None and self.picker.path():
            self.run()

    def build_job(self) -> tuple[JobSpec, dict[str, Any]]:
        for key, value in ((Key.FACES_SEED, self.seed()), (Key.FACES_ROWS, self.rows_spin.value()),
                           (Key.FACES_COLS, self.cols_spin.value()), (Key.FACES_PSI, self.psi())):
            self.settings.set(key, value)
        return jobs.FACES_GENERATE, {"model": self.model_path(), "seeds": self.seeds(), "psi": self.psi()}

    def show_result(self, images: Any) -> None:
        self._show_grid(images, self.cols_spin.value())   # a newer request would have superseded this one

    def _show_grid(self, images: Any, cols: int) -> None:
        self.view.set_images(np.asarray(images), cols)
        for button in (self.save_image_button, self.save_grid_button):
            button.setEnabled(True)
        self.set_status(" ".join([self.tr("{0} faces, seeds from {1:g}, ψ {2:.2f}.").format(len(images), self.seed(), self.psi())]
                                 + self.notes))

    def _save_path(self, title: str, suggested: str, pattern: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, pattern)
        suffix = Path(suggested).suffix
        if path and not path.lower().endswith(suffix):
            path += suffix
        return path

    def save_picture(self, whole: bool) -> None:
        picture = self.view.array if whole else self.view.selected_image()
        if picture is None:
            return
        path = self._save_path(self.tr("Save the grid") if whole else self.tr("Save the face"), "faces.png" if whole else "face.png",
                               self.tr("PNG images (*.png)"))
        if path:
            self._write(lambda: save_png(picture, path), self.tr("Saved {0}.").format(path), self.set_status)

    @staticmethod
    def _write(save: Any, done: str, report: Any) -> None:
        try:
            save()
        except (OSError, ValueError, ModelDeskError) as exc:
            report(QCoreApplication.translate("faces", "Could not save: {0}").format(exc), error=True)
            return
        report(done)

    # --- a path through seeds ---------------------------------------------------
    def make_path(self) -> None:
        if self.runner.is_running(self.path_key):
            return
        try:
            model = self.model_path()
            seeds = parse_seeds(self.path_edit.text())
            if len(seeds) < 2:
                raise BadInput(self.tr("A path needs at least 2 seeds, e.g. 3,7,12."))
        except (BadInput, ModelDeskError) as exc:
            self.path_controls.set_status(str(exc), error=True)
            return
        self.settings.set(Key.FACES_PATH, self.path_edit.text())
        self.settings.set(Key.FACES_FRAMES, self.frames_spin.value())
        job = self.path_controls.start(jobs.FACES_INTERPOLATE, model=model, seeds=seeds,
                                       frames=self.frames_spin.value(), psi=self.psi())
        job.result.connect(self._show_path)

    def _show_path(self, frames: Any) -> None:
        self.player.set_frames(np.asarray(frames))
        for button in (self.gif_button, self.frames_button):
            button.setEnabled(True)
        self.path_controls.set_status(self.tr("{0} frames through seeds {1}.").format(len(frames), self.path_edit.text()))

    def export_gif(self) -> None:
        frames = self.player.frames
        path = self._save_path(self.tr("Export the path as a GIF"), "path.gif", self.tr("GIF images (*.gif)")) if frames is not None else ""
        if path:
            self._write(lambda: save_gif(frames, path, fps=self.player.fps.value()),
                        self.tr("Saved a {0}-frame GIF to {1}.").format(len(frames), path), self.path_controls.set_status)

    def export_frames(self) -> None:
        frames = self.player.frames
        folder = QFileDialog.getExistingDirectory(self, self.tr("Export the frames as PNGs into")) if frames is not None else ""
        if folder:
            self._write(lambda: save_frames(frames, folder), self.tr("Saved {0} PNG frames to {1}.").format(len(frames), folder),
                        self.path_controls.set_status)

    # --- training -------------------------------------------------------------
    def attach_dashboard(self, dashboard: Any) -> None:
        self.dashboard = dashboard

    def _show_dashboard(self) -> None:
        window = self.window()
        if hasattr(window, "show_panel"):
            window.show_panel("dashboard")

    def _choose_images(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a folder of images"), self.images_edit.text())
        if folder:
            self.images_edit.setText(folder)

    def train(self, resume: bool = False) -> None:
        if self.runner.is_running(self.train_key):
            return
        folder, name = self.images_edit.text().strip(), self.name_edit.text().strip()
        if not folder:
            self.train_controls.set_status(self.tr("Choose a folder of images to train on."), error=True)
            return
        if not name:
            self.train_controls.set_status(self.tr("Name the model."), error=True)
            return
        self.settings.set(Key.FACES_IMAGES, folder)
        self.settings.set(Key.FACES_IMAGE_SIZE, self.size_combo.currentData())
        width = self.width_spin.value()
        job = self.train_controls.start(jobs.FACES_TRAIN, image_folder=folder, out_name=name, resume=resume,
                                        epochs=self.epochs_spin.value(), batch_size=self.batch_spin.value(),
                                        image_size=self.size_combo.currentData(), ngf=width, ndf=width,
                                        preview_every=self.preview_spin.value(),
                                        spectral_norm=self.spectral_check.isChecked(),
                                        minibatch_std=self.minibatch_check.isChecked(),
                                        stop_on_collapse=self.collapse_check.isChecked())
        self._follow_training(job, name)
        self.train_controls.set_status(self.tr("Resuming…") if resume else self.tr("Training…"))

    def _follow_training(self, job: Job, name: str) -> None:
        job.data.connect(self._on_samples)
        job.log.connect(self.train_controls.set_status)
        job.result.connect(self._on_trained)
        job.cancelled.connect(self._on_train_stopped)
        if self.dashboard is not None:
            self.dashboard.follow(job, f"{name} · train-faces")

    def _on_samples(self, event: Data) -> None:
        if event.kind == "samples":
            self.samples_view.set_array(event.payload)

    def _on_trained(self, result: dict) -> None:
        self._offer(result["model"])
        collapse = (self.tr(" Warning: the generator is collapsing (from epoch {0}).").format(result["collapsed"])
                    if result.get("collapsed") else "")
        self.train_controls.set_status(self.tr("Trained to epoch {0}; epoch {1}, the best by KID, is the model in {2}.")
                                       .format(result["epochs_trained"], result["saved_epoch"], result["model"])
                                       + collapse, error=bool(collapse))

    def _on_train_stopped(self, result: Optional[dict]) -> None:
        """A stopped run keeps its best epoch as the model and its last one for resuming; the message says which."""
        if result is None:
            self.train_controls.set_status(self.tr("Training stopped before the first epoch ended: nothing was saved."))
            return
        self._offer(result["model"])
        if result["new_epochs"]:
            self.train_controls.set_status(self.tr("Training stopped; epoch {0} (the best KID) is the model in {1}, "
                                                   "and epoch {2}, the last finished one, is kept for Resume.").format(
                result["saved_epoch"], result["model"], result["epochs_trained"]))
        else:
            self.train_controls.set_status(self.tr("Training stopped before a new epoch ended; {0} still holds "
                                                   "epoch {1}, as before.").format(result['model'], result['epochs_trained']))

    def _offer(self, path: str) -> None:
        self.ctx.models.refresh()
        if self.picker is not None:
            self.picker.set_path(str(path))

