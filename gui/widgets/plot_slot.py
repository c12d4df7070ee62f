"""A place for a pyqtgraph widget that fills once pyqtgraph has loaded.

pyqtgraph takes a quarter of a second to import; done on the GUI thread it would freeze the
window that long (or delay its first paint). ``PlotSlot`` asks for the import on a background
thread (it never stalls the event loop for more than a few milliseconds, measured) and builds its
widget on the GUI thread when the import is done, or at once if it already is.
"""
from __future__ import annotations

import gc
import sys
import threading
from typing import Callable, Optional

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget


class _Loader(QObject):
    loaded = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._started = False
        self.done = "pyqtgraph" in sys.modules

    def start(self) -> None:
        with self._lock:
            if self._started or self.done:
                return
            self._started = True
        threading.Thread(target=self._load, name="modeldesk-pyqtgraph", daemon=True).start()

    def _load(self) -> None:
        import pyqtgraph  # noqa: F401  (the import is the work)

        gc.freeze()   # what the import made lives as long as the app: keep it out of the collector's scans
        self.done = True
        self.loaded.emit()


_loader: Optional[_Loader] = None


def preload() -> None:
    """Start importing pyqtgraph in the background (the main window does, once it is shown)."""
    global _loader
    if _loader is None:
        _loader = _Loader()
    _loader.start()


class PlotSlot(QWidget):
    """Builds ``factory()`` (a widget that uses pyqtgraph) into itself as soon as it can."""

    built = Signal(object)   # the widget

    def __init__(self, factory: Callable[[], QWidget], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.factory = factory
        self.widget: Optional[QWidget] = None
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)
        preload()
        if _loader.done:
            self._build()
        else:
            _loader.loaded.connect(self._build)

    def _build(self) -> None:
        if self.widget is None:
            self.widget = self.factory()
            self.layout().addWidget(self.widget)
            self.built.emit(self.widget)
