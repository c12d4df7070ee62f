"""What a page shows while it has no model: the recommended one, a Download button, and the Models page.

Every page that picks a model gets one (``TaskPanel`` adds it under the picker). It shows once the
list of installed models has come and the picker has nothing to choose, and hides as soon as it
has: when the download finishes, the model appears in the picker and the page is ready to run.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from models.core import catalogue
from models.core.store import KINDS

from ..settings import Key
from .job_controls import ERROR_STYLE

if TYPE_CHECKING:
    from ..context import AppContext
    from .model_picker import ModelPicker


#: the store's kinds of model, for the translation (``KINDS`` without its article)
_KIND_NAMES = (QT_TRANSLATE_NOOP("FirstRun", "text classifier"), QT_TRANSLATE_NOOP("FirstRun", "text generator"),
               QT_TRANSLATE_NOOP("FirstRun", "translation model"), QT_TRANSLATE_NOOP("FirstRun", "face generator"),
               QT_TRANSLATE_NOOP("FirstRun", "speech recognition model"),
               QT_TRANSLATE_NOOP("FirstRun", "bare encoder (a base for fine-tuning)"))


class FirstRun(QFrame):
    def __init__(self, task: str, ctx: "AppContext", picker: "ModelPicker", parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.picker = picker
        self.entry = catalogue.recommended(task)
        self.setObjectName("firstRun")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.download_button = QPushButton(self.tr("Download"))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.link = QLabel(self.tr('<a href="models">See every recommended model on the Models page</a>'))
        self.link.linkActivated.connect(self._open_models_page)
        row = QHBoxLayout()
        row.addWidget(self.download_button)
        row.addWidget(self.stop_button)
        row.addWidget(self.progress, 1)
        column = QVBoxLayout(self)
        column.addWidget(self.text)
        column.addLayout(row)
        column.addWidget(self.status)
        column.addWidget(self.link)
        self.download_button.clicked.connect(self.download)
        self.stop_button.clicked.connect(self.stop)
        picker.changed.connect(self._update)
        ctx.models.changed.connect(self._update)
        ctx.downloads.changed.connect(self._update)
        self._update()

    def download(self) -> None:
        if self.entry is not None:
            self.ctx.downloads.request(self, self.entry.repo_id)

    def stop(self) -> None:
        if self.entry is not None:
            self.ctx.downloads.stop(self.entry.repo_id)

    def _update(self, *_args) -> None:
        needed = self.ctx.models.loaded and not self.picker.path()
        self.setVisible(needed)
        if not needed:
            return
        self.ctx.downloads.read_partials()
        kind = self.tr(KINDS[self.picker.task].split(" ", 1)[1])   # the kinds' names, translated below
        entry = self.entry
        if entry is None:
            self.text.setText(self.tr("No {0} yet.").format(kind))
            for widget in (self.download_button, self.stop_button, self.progress, self.status):
                widget.hide()
            return
        pickle = (self.tr(" Its weights are a pickle checkpoint: allow pickle checkpoints in the Settings menu first.")
                  if entry.weights == "pickle" and not self.ctx.settings.get(Key.ALLOW_PICKLE) else "")
        self.text.setText(self.tr("No {0} yet. To start: <b>{1}</b> ({2}, {3}, needs {4}). {5}{6}").format(
            kind, entry.title, entry.size_text, entry.licence, entry.needs_text, entry.note, pickle))
        state = self.ctx.downloads.state(entry.repo_id)
        running = state is not None and state.running
        self.download_button.setEnabled(not running)
        self.download_button.setText(self.tr("Resume") if state is not None and not running and state.done else self.tr("Download"))
        self.stop_button.setVisible(running)
        self.progress.setVisible(state is not None and bool(state.total))
        self.progress.setValue(int(state.fraction * 1000) if state is not None else 0)
        self.status.setVisible(state is not None)
        self.status.setText(state.message if state is not None else "")
        self.status.setStyleSheet(ERROR_STYLE if state is not None and state.error else "")

    def _open_models_page(self, _link: str) -> None:
        window = self.window()
        if hasattr(window, "show_panel"):
            window.show_panel("models")
