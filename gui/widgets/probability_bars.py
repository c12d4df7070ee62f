"""Horizontal probability bars, most likely label on top: painted directly, so the Classify page
needs no plotting library to open."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR = QColor("#3b82f6")
ROW_HEIGHT = 26
LABEL_WIDTH = 160


class ProbabilityBars(QWidget):
    """``set_probabilities({label: p})``; ``shown`` holds what is drawn, highest first."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.shown: dict[str, float] = {}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(ROW_HEIGHT * 2)

    def set_probabilities(self, probs: dict[str, float]) -> None:
        self.shown = dict(sorted(probs.items(), key=lambda kv: kv[1], reverse=True))
        self.setMinimumHeight(ROW_HEIGHT * max(2, len(self.shown)))
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = max(1.0, self.width() - LABEL_WIDTH - 70)
        for row, (label, p) in enumerate(self.shown.items()):
            top = row * ROW_HEIGHT + 3
            painter.setPen(self.palette().text().color())
            painter.drawText(QRectF(0, top, LABEL_WIDTH - 8, ROW_HEIGHT - 6),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             painter.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, LABEL_WIDTH - 8))
            painter.fillRect(QRectF(LABEL_WIDTH, top, width * p, ROW_HEIGHT - 6), BAR)
            painter.drawText(QRectF(LABEL_WIDTH + width * p + 6, top, 64, ROW_HEIGHT - 6),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{p:.1%}")
        painter.end()
