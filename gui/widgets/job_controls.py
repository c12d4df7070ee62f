"""JobControls: Run/Stop, a progress bar and a status line for one job key.

Every page uses it for its jobs. The buttons follow the runner's busy state for the key, so Run
is enabled exactly when a click would start a job. Stop cancels; if the job has not ended a few
seconds later (work that cannot check its token, like loading a large model), the button turns
into "Stop now", which ends the engine process and lets the next job start a fresh one.
"""
from __future__ import annotations

from typing import Any, Optional

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from models.core.events import Progress
from workers.runner import Job, JobRunner

from ..lifetime import while_alive

ERROR_STYLE = "color: #c0392b;"
#: seconds after Stop before "Stop now" is offered
STOP_NOW_AFTER = 3.0


class JobControls(QWidget):
    """Controls bound to ``key`` on ``runner``; ``run_clicked`` asks the page to build and start a job."""

    run_clicked = Signal()

    def __init__(self, runner: JobRunner, key: str, run_label: str = "Run", with_run: bool = True,
                 parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.key = key
        if run_label == "Run":   # callers pass their own label translated
            run_label = self.tr("Run")
        self.run_label = run_label
        self.job: Optional[Job] = None
        self.run_button = QPushButton(run_label)
        self.run_button.setDefault(True)
        self.run_button.setVisible(with_run)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setEnabled(False)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.status = QLabel(self.tr("Ready."))
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setWordWrap(True)
        self._stop_now_timer = QTimer(self)
        self._stop_now_timer.setSingleShot(True)
        self._stop_now_timer.setInterval(int(STOP_NOW_AFTER * 1000))
        self._stop_now_timer.timeout.connect(self._offer_stop_now)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addWidget(self.stop_button)
        row.addWidget(self.progress_bar, 1)
        column.addLayout(row)
        column.addWidget(self.status)
        self.run_button.clicked.connect(self.run_clicked)
        self.stop_button.clicked.connect(self.stop)
        runner.busy_changed.connect(self._on_busy)

    # --- jobs ---------------------------------------------------------------
    def start(self, spec: Any, /, **kwargs: Any) -> Job:
        """Start a job for this key and show its progress and outcome here."""
        return self._follow(self.runner.start(self.key, spec, **kwargs))

    def start_latest(self, spec: Any, /, **kwargs: Any) -> Job:
        """Like ``start``, but a running job of this key gives way (see JobRunner.start_latest)."""
        return self._follow(self.runner.start_latest(self.key, spec, **kwargs))

    def _follow(self, job: Job) -> Job:
        self.job = job
        job.progress.connect(self._on_progress)
        job.result.connect(while_alive(self, lambda _value, j=job: self._ended(j, self.tr("Done."), full=True)))
        job.cancelled.connect(while_alive(self, lambda _value, j=job: self._ended(j, self.tr("Stopped."))))
        job.error.connect(while_alive(self, lambda message, _details, j=job: self._ended(j, message, error=True)))
        self.progress_bar.setRange(0, 0)   # busy until the first progress event
        self.set_status(self.tr("Working…"))
        return job

    def stop(self) -> None:
        if self.stop_button.text() != self.tr("Stop"):   # "Stop now" is offered: end the engine
            self.runner.stop_now(self.key)
            return
        self.runner.stop(self.key)
        self.set_status(self.tr("Stopping…"))
        self._stop_now_timer.start()

    # --- display ------------------------------------------------------------
    def set_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    def _on_progress(self, event: Progress) -> None:
        if event.fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(event.fraction * 1000))
        if event.message:
            self.set_status(event.message)

    def _ended(self, job: Job, text: str, error: bool = False, full: bool = False) -> None:
        if job is not self.job:
            return   # an older job of this key (superseded): the newer one owns the controls
        self.set_status(text, error=error)
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1 if full else 0)

    def _on_busy(self, key: str, running: bool) -> None:
        if key != self.key:
            return
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        if not running:
            self._stop_now_timer.stop()
            self.stop_button.setText(self.tr("Stop"))
            self.stop_button.setToolTip("")

    def _offer_stop_now(self) -> None:
        if self.runner.is_running(self.key):
            self.stop_button.setText(self.tr("Stop now"))
            self.stop_button.setToolTip(self.tr("The job does not answer Stop: end the model engine (other running jobs "
                                        "end too) and start a fresh one"))
            self.set_status(self.tr("Still stopping… press Stop now to end it at once."))
