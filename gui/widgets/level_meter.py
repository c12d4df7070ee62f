"""Live input level: a dB bar (green, amber near clipping, red at it)."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar, QWidget

FLOOR_DB = -60


class LevelMeter(QProgressBar):
    """RMS level in dBFS from FLOOR_DB to 0; the colour warns when the input nears clipping."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setRange(FLOOR_DB, 0)
        self.setTextVisible(True)
        self.setFormat("%v dB")
        self.setOrientation(Qt.Orientation.Horizontal)
        self.setToolTip(self.tr("Input level (RMS, dBFS)"))
        self.set_level(FLOOR_DB, 0.0)

    def set_level(self, db: float, peak: float) -> None:
        self.setValue(int(max(FLOOR_DB, min(0.0, db))))
        colour = "#c0392b" if peak >= 0.99 else "#e6a23c" if db > -6 else "#27ae60"
        self.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}")
