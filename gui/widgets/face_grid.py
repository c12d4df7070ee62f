"""Pictures of generated faces: a grid whose cells can be picked, and a player for a path's frames."""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget

from models.faces.images import grid_cell, make_grid

from .image_view import ImageView

PAD = 2


class FaceGrid(ImageView):
    """A grid of faces; a click picks one (``picked`` = its index), which Save image… saves."""

    picked = Signal(int)

    def __init__(self, placeholder: str = "", parent: Optional[QWidget] = None) -> None:
        super().__init__(placeholder, parent)
        self.images: Optional[np.ndarray] = None
        self.cols = 1
        self.selected = 0

    def set_images(self, images: np.ndarray, cols: int) -> None:
        self.images = np.asarray(images)
        self.cols = max(1, min(cols, len(self.images)))
        self.selected = min(self.selected, len(self.images) - 1)
        self.set_array(make_grid(self.images, cols=self.cols, pad=PAD))

    def selected_image(self) -> Optional[np.ndarray]:
        return None if self.images is None else self.images[self.selected]

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.images is None or self.array is None:
            return
        height, width = self.array.shape[:2]
        x = int(event.position().x()) - (self.width() - width) // 2   # the picture is centred in the label
        y = int(event.position().y()) - (self.height() - height) // 2
        index = grid_cell(x, y, len(self.images), self.cols, self.images.shape[1], PAD)
        if index is not None:
            self.selected = index
            self.picked.emit(index)


class FramePlayer(QWidget):
    """The frames of an interpolation: a slider to scrub, Play to loop them at ``fps``."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.frames: Optional[np.ndarray] = None
        self.view = ImageView(self.tr("Make a path, then scrub it or press Play."))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._show)
        self.play_button = QPushButton(self.tr("Play"))
        self.play_button.setCheckable(True)
        self.play_button.setEnabled(False)
        self.play_button.toggled.connect(self._toggle)
        self.fps = QSpinBox()
        self.fps.setRange(1, 60)
        self.fps.setValue(12)
        self.fps.setSuffix(self.tr(" fps"))
        self.fps.valueChanged.connect(lambda value: self.timer.setInterval(round(1000 / value)))
        self.position = QLabel("")
        self.timer = QTimer(self)
        self.timer.setInterval(round(1000 / self.fps.value()))
        self.timer.timeout.connect(self._advance)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.view, 1)
        row = QHBoxLayout()
        for widget in (self.play_button, self.slider, self.position, self.fps):
            row.addWidget(widget, 1 if widget is self.slider else 0)
        column.addLayout(row)

    def set_frames(self, frames: np.ndarray) -> None:
        self.frames = np.asarray(frames)
        self.slider.setRange(0, len(self.frames) - 1)
        self.play_button.setEnabled(True)
        if self.slider.value() == 0:
            self._show(0)
        else:
            self.slider.setValue(0)

    def current(self) -> int:
        return self.slider.value()

    def _show(self, index: int) -> None:
        if self.frames is None or not len(self.frames):
            return
        self.view.set_array(self.frames[index])
        self.position.setText(f"{index + 1}/{len(self.frames)}")

    def _toggle(self, playing: bool) -> None:
        self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))
        if playing:
            self.timer.start()
        else:
            self.timer.stop()

    def _advance(self) -> None:
        if self.frames is not None:
            self.slider.setValue((self.slider.value() + 1) % len(self.frames))
