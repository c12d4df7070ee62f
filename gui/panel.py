"""TaskPanel: the shape every task page shares (model picker, Run/Stop, progress, status).

A panel builds a job (a models/ target plus keyword arguments) and shows what
comes back; it holds no model logic.
"""
from __future__ import annotations

from typing import Any, Optional

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QMessageBox, QProgressBar,
                               QPushButton, QVBoxLayout, QWidget)

from models.core.events import Final, Partial, Progress
from workers.runner import Job, JobRunner
from workers.worker import Target

from .widgets.model_picker import ModelPicker


class BadInput(Exception):
    """Raised by ``build_job`` with a sentence for the status line."""


class TaskPanel(QWidget):
    """Base page. Subclasses set ``name``/``title``/``task`` and implement build_job/show_result."""

    name = ""
    title = ""
    task: Optional[str] = None     # the store task for the model picker; None: no picker
    run_label = "Run"

    def __init__(self, runner: JobRunner, settings: QSettings, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.worker: Optional[Job] = None
        self.last_error = ""
        self.notes: list[str] = []   # the running job's Log messages (truncation, fallbacks...)
        outer = QVBoxLayout(self)
        heading = QLabel(f"<h2>{self.title}</h2>")
        outer.addWidget(heading)
        self.form = QFormLayout()
        outer.addLayout(self.form)
        self.picker: Optional[ModelPicker] = None
        if self.task:
            self.picker = ModelPicker(self.task, settings)
            self.form.addRow("Model:", self.picker)
        self.body = QVBoxLayout()
        outer.addLayout(self.body, 1)
        buttons = QHBoxLayout()
        self.run_button = QPushButton(self.run_label)
        self.run_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(True)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.progress_bar, 1)
        outer.addLayout(buttons)
        self.status = QLabel("Ready.")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        self.run_button.clicked.connect(self.run)
        self.stop_button.clicked.connect(self.stop)
        self.build()

    # --- for subclasses ---------------------------------------------------
    def build(self) -> None:
        """Add the page's controls to ``self.form`` and ``self.body``."""

    def build_job(self) -> tuple[Target, dict[str, Any]]:
        """Return (target, kwargs) for the worker, or raise BadInput."""
        raise NotImplementedError

    def show_result(self, value: Any) -> None:
        """Show a finished job's result."""

    def on_partial(self, event: Partial | Final) -> None:
        """Streamed text (generation tokens, speech partials)."""

    def connect_worker(self, worker: Job) -> None:
        """Hook to connect extra signals (metric, data) before the job starts."""

    def job_key(self) -> str:
        return self.name

    def runtime_options(self) -> dict[str, Any]:
        """The device, backend and pickle consent chosen in Settings, passed to models/ calls."""
        return {"device": str(self.settings.value("device", "auto")),
                "backend": str(self.settings.value("backend", "torch")),
                "allow_pickle": self.settings.value("allow_pickle", False, type=bool)}

    # --- shared behaviour -------------------------------------------------
    def model_path(self) -> str:
        path = self.picker.path() if self.picker else ""
        if self.picker is not None and not path:
            raise BadInput("Choose a model first (Browse… or the Models page).")
        return path

    def run(self) -> None:
        if self.runner.is_running(self.job_key()):
            return
        try:
            target, kwargs = self.build_job()
        except BadInput as exc:
            self.set_status(str(exc), error=True)
            return
        worker = self.runner.start(self.job_key(), target, **kwargs)
        self.worker = worker
        worker.progress.connect(self._on_progress)
        worker.partial.connect(self.on_partial)
        worker.result.connect(self._on_result)
        worker.error.connect(self._on_error)
        worker.cancelled.connect(self._on_cancelled)
        worker.finished.connect(self._on_finished)
        worker.log.connect(self.notes.append)
        self.connect_worker(worker)
        self.notes.clear()
        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.progress_bar.setRange(0, 0)  # busy until the first progress event
        self.set_status("Working…")
        self.runner.launch(self.job_key())

    def stop(self) -> None:
        self.runner.stop(self.job_key())
        self.set_status("Stopping…")

    def set_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #c0392b;" if error else "")
        if error:
            self.last_error = text

    def _on_progress(self, event: Progress) -> None:
        fraction = event.fraction
        if fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(fraction * 1000))
        if event.message:
            self.set_status(event.message)

    def _on_result(self, value: Any) -> None:
        if self.worker is not None and self.worker.token.cancelled:
            self.show_result(value)
            return
        self.set_status(" ".join(["Done."] + self.notes))
        self.show_result(value)

    def _on_error(self, message: str, _details: str) -> None:
        self.set_status(message, error=True)

    def _on_cancelled(self) -> None:
        self.set_status("Stopped.")

    def _on_finished(self) -> None:
        self.worker = None
        self.run_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1 if not self.last_error else 0)

    def warn(self, text: str) -> None:
        """A dialog for problems that need acknowledging (not used in the normal flow)."""
        QMessageBox.warning(self, self.title, text)
