"""TaskPanel: the shape every task page shares (model picker, backend, form, body, job controls).

A panel builds a job (a registered spec plus keyword arguments) and shows what comes back; it
holds no model logic. A page whose task can be exported to ONNX gets the backend choice under its
model picker (gui/widgets/backend_choice.py): the runner gives every job the backend chosen for its
``model``, and a job that fails because that backend cannot run shows why there too.
"""
from __future__ import annotations

from typing import Any, Optional

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QFormLayout, QLabel, QMessageBox, QProgressBar, QPushButton, QVBoxLayout, QWidget

from models.core.events import Final, Partial
from models.core.exports import EXPORTERS
from workers.runner import Job, JobSpec

from .context import AppContext
from .widgets.backend_choice import BackendChoice
from .widgets.first_run import FirstRun
from .widgets.job_controls import JobControls
from .widgets.model_picker import ModelPicker


class BadInput(Exception):
    """Raised by ``build_job`` with a sentence for the status line."""


class TaskPanel(QWidget):
    """Base page. Subclasses set ``name``/``title``/``task`` and implement build_job/show_result."""

    name = ""
    title = ""
    task: Optional[str] = None     # the store task for the model picker; None: no picker
    run_label = QT_TRANSLATE_NOOP("TaskPanel", "Run")
    latest_wins = False            # True: a new run supersedes the one in flight (pages that render as controls move)
    trains = False                 # True: the page makes a model (torch weights), so it offers no backend

    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = ctx.runner
        self.settings = ctx.settings
        self.notes: list[str] = []   # the running job's Log messages (truncation, fallbacks...)
        outer = QVBoxLayout(self)
        outer.addWidget(QLabel(f"<h2>{QCoreApplication.translate('TaskPanel', self.title)}</h2>"))
        self.form = QFormLayout()
        outer.addLayout(self.form)
        self.picker: Optional[ModelPicker] = None
        self.first_run: Optional[FirstRun] = None
        self.backend: Optional[BackendChoice] = None
        if self.task:
            self.picker = ModelPicker(self.task, ctx)
            self.form.addRow(self.tr("Model:"), self.picker)
            if self.task in EXPORTERS and not self.trains:   # training always runs PyTorch
                self.backend = BackendChoice(ctx, self.picker, f"{self.job_key()}-export")
                self.form.addRow(self.tr("Backend:"), self.backend)
            self.first_run = FirstRun(self.task, ctx, self.picker)
            self.form.addRow(self.first_run)   # under the picker, across the form
        self.body = QVBoxLayout()
        outer.addLayout(self.body, 1)
        self.controls = JobControls(self.runner, self.job_key(), QCoreApplication.translate("TaskPanel", self.run_label))
        outer.addWidget(self.controls)
        self.controls.run_clicked.connect(self.run)
        self.build()

    # the controls' parts, as pages and tests know them
    @property
    def run_button(self) -> QPushButton:
        return self.controls.run_button

    @property
    def stop_button(self) -> QPushButton:
        return self.controls.stop_button

    @property
    def progress_bar(self) -> QProgressBar:
        return self.controls.progress_bar

    @property
    def status(self) -> QLabel:
        return self.controls.status

    # --- for subclasses ---------------------------------------------------
    def build(self) -> None:
        """Add the page's controls to ``self.form`` and ``self.body``."""

    def build_job(self) -> tuple[JobSpec, dict[str, Any]]:
        """Return (spec, kwargs) for the job, or raise BadInput."""
        raise NotImplementedError

    def show_result(self, value: Any) -> None:
        """Show a finished job's result (also a stopped job's partial result, when it has one)."""

    def on_partial(self, event: Partial | Final) -> None:
        """Streamed text (generation tokens, speech partials)."""

    def connect_job(self, job: Job) -> None:
        """Hook to connect extra signals (metric, data) of a job that just started."""

    def job_key(self) -> str:
        return self.name

    # --- shared behaviour -------------------------------------------------
    def model_path(self) -> str:
        path = self.picker.path() if self.picker else ""
        if self.picker is not None and not path:
            raise BadInput(self.tr("Choose a model first (Browse… or the Models page)."))
        return path

    def run(self, latest: bool = False) -> None:
        """Build and start the page's job; with ``latest`` (or a page whose ``latest_wins``) a running one
        gives way (JobRunner.start_latest)."""
        latest = latest or self.latest_wins
        if self.runner.is_running(self.job_key()) and not latest:
            return
        try:
            spec, kwargs = self.build_job()
        except BadInput as exc:
            self.set_status(str(exc), error=True)
            return
        self.notes.clear()
        job = (self.controls.start_latest if latest else self.controls.start)(spec, **kwargs)
        job.partial.connect(self.on_partial)
        job.log.connect(self.notes.append)
        job.result.connect(self._on_result)
        job.cancelled.connect(self._on_cancelled)
        if self.backend is not None:
            job.error.connect(self.backend.job_failed)
        self.connect_job(job)

    def stop(self) -> None:
        self.controls.stop()

    def set_status(self, text: str, error: bool = False) -> None:
        self.controls.set_status(text, error=error)

    def _on_result(self, value: Any) -> None:
        self.set_status(" ".join([self.tr("Done.")] + self.notes))
        self.show_result(value)

    def _on_cancelled(self, value: Any) -> None:
        if value is not None:
            self.show_result(value)

    def warn(self, text: str) -> None:
        """A dialog for problems that need acknowledging (not used in the normal flow)."""
        QMessageBox.warning(self, QCoreApplication.translate("TaskPanel", self.title), text)
