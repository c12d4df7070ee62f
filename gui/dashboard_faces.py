"""The Dashboard's watch over a face generator's training: collapse and memorisation, as they happen.

Training sends ``Data("collapse", …)`` when variety keeps falling and ``Data("memorisation", …)``
each epoch: generated faces beside their nearest training images, nearest first. The box stays
hidden until a faces run sends one of them.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from models.core.events import Data

from .widgets.image_view import ImageView

class FacesWatch(QWidget):
    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b00020; font-weight: bold;")
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.pairs = ImageView()
        for widget in (self.warning, self.caption, self.pairs):
            layout.addWidget(widget)
        self.collapsed_at: Optional[int] = None
        self.clear()

    def clear(self) -> None:
        self.collapsed_at = None
        self.warning.clear()
        self.caption.clear()
        self.pairs.clear()
        self.pairs.array = None
        self.setVisible(False)

    def on_data(self, data: Data) -> bool:
        """Show a faces event; False for events of other kinds."""
        payload = data.payload
        if data.kind == "collapse":
            self.collapsed_at = self.collapsed_at or int(payload["epoch"])
            self.warning.setText(self.tr("Epoch {0}: the generator is collapsing: its variety is {1:.2f} of the "
                                         "training images' and has fallen epoch after epoch.").format(
                payload["epoch"], payload["variety"]))
        elif data.kind == "memorisation":
            copies = int(payload["near_copies"])
            verdict = (self.tr("{0} of {1} generated faces are near-copies of training images.").format(
                copies, payload["checked"]) if copies else self.tr("No generated face is a near-copy of a training image."))
            self.caption.setText(self.tr("Epoch {0}: each generated face beside its nearest training image (nearest "
                                         "first). Closest {1:.1f}, median {2:.1f}; training images are {3:.1f} from "
                                         "their nearest neighbour. {4}").format(
                payload["epoch"], payload["min_distance"], payload["median_distance"], payload["typical_distance"],
                verdict))
            self.caption.setStyleSheet("color: #b00020;" if copies else "")
            self.pairs.set_array(payload["pairs"])
        else:
            return False
        self.setVisible(True)
        return True
