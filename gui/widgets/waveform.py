"""A scrolling waveform of the live input (pyqtgraph: build it through a PlotSlot)."""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget


class Waveform(pg.PlotWidget):
    """The envelope of the last ``seconds`` of input, newest on the right."""

    def __init__(self, seconds: float = 5.0, points_per_second: int = 100, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent=parent)
        self.rate = points_per_second
        self.envelope = np.zeros(int(seconds * points_per_second), dtype=np.float32)
        self.x = np.linspace(-seconds, 0.0, self.envelope.size)
        self.setYRange(-1.0, 1.0)
        self.setXRange(-seconds, 0.0)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.getPlotItem().hideAxis("left")
        self.setLabel("bottom", "seconds")
        self.setFixedHeight(90)
        brush = pg.mkBrush(39, 174, 96, 160)
        self._upper = self.plot(self.x, self.envelope, pen=pg.mkPen("#27ae60"))
        self._lower = self.plot(self.x, -self.envelope, pen=pg.mkPen("#27ae60"))
        self.addItem(pg.FillBetweenItem(self._upper, self._lower, brush=brush))

    def push(self, points: np.ndarray) -> None:
        """Append envelope points (peak per 1/rate s) and scroll."""
        points = np.asarray(points, dtype=np.float32)[-self.envelope.size:]
        if points.size == 0:
            return
        self.envelope = np.roll(self.envelope, -points.size)
        self.envelope[-points.size:] = np.minimum(points, 1.0)
        self._upper.setData(self.x, self.envelope)
        self._lower.setData(self.x, -self.envelope)

    def clear_wave(self) -> None:
        self.push(np.zeros(self.envelope.size, dtype=np.float32))
