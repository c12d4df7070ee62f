"""A combo box of the installed models for one task, plus a Browse… button for any folder."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QPushButton, QStyle, QWidget

from ..settings import Key

if TYPE_CHECKING:
    from ..context import AppContext


class ModelPicker(QWidget):
    """Lists ``task``'s models from the shared list; remembers the last choice in the settings."""

    changed = Signal(str)  # the chosen model's path

    def __init__(self, task: str, ctx: "AppContext", parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.task = task
        self.ctx = ctx
        self.combo = QComboBox()
        self.combo.setMinimumContentsLength(28)
        self.combo.setToolTip(self.tr("Models for this task: the app's own, imported folders and the Hugging Face cache"))
        self.browse = QPushButton(self.tr("Browse…"))
        self.browse.setToolTip(self.tr("Use a model folder in Hugging Face layout"))
        self.refresh_button = QPushButton()
        self.refresh_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.refresh_button.setToolTip(self.tr("Look for models again"))
        self.refresh_button.setFixedWidth(32)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.combo, 1)
        row.addWidget(self.browse)
        row.addWidget(self.refresh_button)
        self.browse.clicked.connect(self._browse)
        self.refresh_button.clicked.connect(ctx.models.refresh)
        self.combo.currentIndexChanged.connect(self._on_index)
        ctx.models.changed.connect(self.refresh)
        self.refresh()

    @property
    def key(self) -> Key:
        return Key.model(self.task)

    def refresh(self) -> None:
        """Fill the list from the installed models, keeping the current (or remembered) choice."""
        wanted = self.path() or self.ctx.settings.get(self.key)
        self.combo.blockSignals(True)
        self.combo.clear()
        for info in self.ctx.models.for_task(self.task):
            self.combo.addItem(f"{info.name}  ({info.source})", str(info.path))
        usable = Path(wanted).is_dir() or (Path(wanted).suffix == ".gguf" and Path(wanted).is_file())
        if wanted and self.combo.findData(wanted) < 0 and usable:
            self.combo.addItem(Path(wanted).name, wanted)
        index = self.combo.findData(wanted)
        self.combo.setCurrentIndex(index if index >= 0 else (0 if self.combo.count() else -1))
        self.combo.blockSignals(False)
        if not self.combo.count():
            self.combo.setPlaceholderText(self.tr("No model yet: Browse…, or add one on the Models page")
                                          if self.ctx.models.loaded else self.tr("Looking for models…"))
        if self.path() != wanted:
            self._on_index(self.combo.currentIndex())

    def path(self) -> str:
        data = self.combo.currentData()
        return str(data) if data else ""

    def set_path(self, folder: str) -> None:
        """Select a folder (added to the list if the store does not know it)."""
        index = self.combo.findData(folder)
        if index < 0:
            self.combo.addItem(Path(folder).name, folder)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)
        self._on_index(index)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a model folder"))
        if folder:
            self.set_path(folder)

    def _on_index(self, _index: int) -> None:
        self.ctx.settings.set(self.key, self.path())
        self.changed.emit(self.path())
