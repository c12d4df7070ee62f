"""The downloads the window runs, shared by the Models page and the first-run box of every page.

One job per model name, so several downloads can run at once and Stop ends one of them. Each
download's state (bytes, the progress line with speed and time left, stopped, failed) lives here,
so a page built later shows a download that is already under way, and a download started on one
page shows everywhere. Downloads stopped earlier, in this run or a previous one, are read from
disk once (``models.core.downloads.partial_downloads``): Download resumes them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from models.core.downloads import PartialDownload, local_name
from models.core.events import Progress
from workers.runner import Job, JobRunner

from . import jobs
from .installed import InstalledModels

KEY_PREFIX = "download:"
PARTIALS_KEY = "download-partials"


@dataclass
class DownloadState:
    """Where one download stands."""
    name: str
    repo_id: str
    done: float = 0.0
    total: Optional[float] = None
    message: str = ""
    running: bool = False
    error: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


class Downloads(QObject):
    changed = Signal(str)   # the local name of a download whose state changed
    finished = Signal(str, object)   # the local name and the ModelInfo of a download that completed

    def __init__(self, runner: JobRunner, models: InstalledModels, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.models = models
        self.states: dict[str, DownloadState] = {}
        self._partials_read = False

    # --- asking -------------------------------------------------------------
    def state(self, repo_id: str) -> Optional[DownloadState]:
        """The download of ``repo_id`` under its default name, if one runs, stopped or failed."""
        state = self.states.get(local_name(repo_id))
        return state if state is not None and state.repo_id == repo_id else None

    def read_partials(self) -> None:
        """Show the downloads stopped in an earlier run (once: later ones are followed here)."""
        if not self._partials_read:
            self._partials_read = True
            self.runner.start_latest(PARTIALS_KEY, jobs.PARTIAL_DOWNLOADS).result.connect(self._on_partials)

    # --- acting -------------------------------------------------------------
    def request(self, parent: QWidget, repo_id: str) -> Optional[Job]:
        """Download ``repo_id``; if an installed model has its name, only once the user agrees to replace it."""
        name = local_name(repo_id)
        overwrite = False
        if any(m.name == name and m.source == "app" for m in self.models.models):
            answer = QMessageBox.question(parent, self.tr("Replace a model?"),
                                          self.tr("A model named {0} is installed already. Download {1} and "
                                                  "replace it?").format(name, repo_id))
            if answer != QMessageBox.StandardButton.Yes:
                return None
            overwrite = True
        return self.start(repo_id, overwrite=overwrite)

    def start(self, repo_id: str, overwrite: bool = False) -> Optional[Job]:
        name = local_name(repo_id)
        if self.runner.is_running(KEY_PREFIX + name):
            return None
        old = self.states.get(name)
        state = self.states[name] = DownloadState(name, repo_id, running=True, done=old.done if old else 0.0,
                                                  total=old.total if old else None,
                                                  message=self.tr("Starting the download of {0}…").format(repo_id))
        job = self.runner.start(KEY_PREFIX + name, jobs.DOWNLOAD_MODEL, repo_id=repo_id, overwrite=overwrite)
        job.progress.connect(lambda event: self._on_progress(state, event))
        job.result.connect(lambda info: self._on_done(state, info))
        job.cancelled.connect(lambda _value: self._on_stopped(state))
        job.error.connect(lambda message, _details: self._on_error(state, message))
        self.changed.emit(name)
        return job

    def stop(self, repo_id: str) -> None:
        self.runner.stop(KEY_PREFIX + local_name(repo_id))

    # --- job events ---------------------------------------------------------
    def _on_progress(self, state: DownloadState, event: Progress) -> None:
        state.done, state.total, state.message = event.done, event.total, event.message
        self.changed.emit(state.name)

    def _on_done(self, state: DownloadState, info) -> None:
        self.states.pop(state.name, None)
        self.models.refresh()
        self.changed.emit(state.name)
        self.finished.emit(state.name, info)

    def _on_stopped(self, state: DownloadState) -> None:
        state.running = False
        state.message = self.tr("Stopped at {0:.0%}; what arrived is kept, and Download resumes.").format(state.fraction)
        self.changed.emit(state.name)

    def _on_error(self, state: DownloadState, message: str) -> None:
        state.running, state.error, state.message = False, message, message
        self.changed.emit(state.name)

    def _on_partials(self, partials: list[PartialDownload]) -> None:
        for partial in partials:
            if partial.name not in self.states:
                self.states[partial.name] = DownloadState(
                    partial.name, partial.repo_id, partial.done, partial.total,
                    self.tr("Stopped at {0:.0%}; what arrived is kept, and Download resumes.").format(partial.fraction))
                self.changed.emit(partial.name)
