"""The models the store knows, listed once in the engine and shared by every picker and the Models page.

Listing reads every model folder's JSON files and the Hugging Face cache, so it never runs on the
GUI thread; ``refresh`` asks for a new list (the latest request wins) and ``changed`` says it came.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject, Signal

from models.core.store import ENCODER, ModelInfo
from workers.runner import JobRunner

from . import jobs

KEY = "models-list"


class InstalledModels(QObject):
    changed = Signal()

    def __init__(self, runner: JobRunner, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.models: list[ModelInfo] = []
        self.loaded = False

    def refresh(self) -> None:
        job = self.runner.start_latest(KEY, jobs.LIST_MODELS)
        job.result.connect(self._on_list)

    def for_task(self, task: Optional[str]) -> list[ModelInfo]:
        if task is None:
            return list(self.models)
        wanted = {ENCODER, "classify"} if task == ENCODER else {task}
        return [m for m in self.models if m.task in wanted]

    def _on_list(self, models: list[ModelInfo]) -> None:
        self.models = list(models)
        self.loaded = True
        self.changed.emit()
