"""A label that shows a uint8 RGB numpy picture (a face grid, training samples)."""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QWidget


def array_to_pixmap(array: np.ndarray) -> QPixmap:
    """uint8 [h, w, 3] → QPixmap (copied, so the array may be freed afterwards)."""
    rgb = np.ascontiguousarray(array, dtype=np.uint8)
    height, width = rgb.shape[:2]
    image = QImage(rgb.data, width, height, rgb.strides[0], QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image.copy())


class ImageView(QLabel):
    """Shows the last picture given to ``set_array`` at its own size; ``array`` keeps it for saving."""

    def __init__(self, placeholder: str = "", parent: Optional[QWidget] = None) -> None:
        super().__init__(placeholder, parent)
        self.array: Optional[np.ndarray] = None
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def set_array(self, array: np.ndarray) -> None:
        self.array = array
        self.setPixmap(array_to_pixmap(array))
