"""The Faces page's Import tab: a generator trained with the PyTorch DCGAN tutorial (a ``.pt``
checkpoint) becomes a faces model, as ``faces-import`` does on the command line.

The file is a pickle, which can run code when loaded: unless pickle checkpoints are already allowed
in the Settings menu, the tab asks before this one file is read, and the engine reads it with
``weights_only=True`` either way (``models.faces.tutorial_import``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QFormLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QWidget

from workers.runner import JobRunner

from .. import jobs
from ..settings import Key, Settings
from ..widgets.job_controls import JobControls
from ..widgets.layout import hrow


class GeneratorImport(QWidget):
    """Choose a ``.pt`` file, name the model, Import: progress and the outcome on its status line."""

    key = "faces-import"
    imported = Signal(str)   # the new model's folder

    def __init__(self, runner: JobRunner, settings: Settings, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.runner, self.settings = runner, settings
        form = QFormLayout(self)
        intro = QLabel(self.tr("A generator trained with the PyTorch DCGAN tutorial: its weights alone, or a training "
                               "checkpoint that holds them. Its sizes are read from the weights."))
        intro.setWordWrap(True)
        form.addRow(intro)
        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText(self.tr("A PyTorch checkpoint file"))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._choose_file)
        form.addRow(self.tr("Checkpoint:"), hrow(self.file_edit, browse))
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("The file's name"))
        self.name_edit.setToolTip(self.tr("The new model's name"))
        form.addRow(self.tr("Model name:"), self.name_edit)
        self.controls = JobControls(runner, self.key, self.tr("Import"))
        self.controls.run_clicked.connect(self.start)
        form.addRow(self.controls)

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a PyTorch generator checkpoint"),
                                              self.file_edit.text(), self.tr("PyTorch checkpoints (*.pt *.pth)"))
        if path:
            self.file_edit.setText(path)

    def _consent(self, path: Path) -> bool:
        """Pickle consent for this file, unless the Settings menu already gives it."""
        if self.settings.get(Key.ALLOW_PICKLE):
            return True
        answer = QMessageBox.question(
            self, self.tr("Load a pickle checkpoint?"),
            self.tr("{0} is a pickle checkpoint, which can run code when it is loaded. ModelDesk reads it with "
                    "weights_only=True, which refuses anything but tensors. Load it?").format(path.name))
        return answer == QMessageBox.StandardButton.Yes

    def start(self) -> None:
        if self.runner.is_running(self.key):
            return
        text = self.file_edit.text().strip()
        if not text:
            self.controls.set_status(self.tr("Choose a checkpoint to import."), error=True)
            return
        path = Path(text).expanduser()
        if not path.is_file():
            self.controls.set_status(self.tr("{0} is not a file.").format(path), error=True)
            return
        if not self._consent(path):
            self.controls.set_status(self.tr("Not imported: {0} is read only with your consent.").format(path.name),
                                     error=True)
            return
        job = self.controls.start(jobs.FACES_IMPORT, checkpoint=str(path), name=self.name_edit.text().strip() or None,
                                  allow_pickle=True)
        job.result.connect(lambda info, shown=path.name: self._done(info, shown))

    def _done(self, info: Any, shown: str) -> None:
        """``info`` is the new model's ``store.ModelInfo``."""
        self.controls.set_status(self.tr("Imported {0} as '{1}'; it is the model on this page now.")
                                 .format(shown, info.name))
        self.imported.emit(str(info.path))
