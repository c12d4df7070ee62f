"""What every page is given: the job runner, the settings and the list of installed models."""
from __future__ import annotations

from dataclasses import dataclass

from workers.runner import JobRunner

from .installed import InstalledModels
from .settings import Key, Settings


@dataclass
class AppContext:
    runner: JobRunner
    settings: Settings
    models: InstalledModels

    @classmethod
    def create(cls, settings: Settings | None = None) -> "AppContext":
        """A runner whose model jobs receive the settings' runtime options, and an empty model list."""
        settings = settings or Settings()
        runner = JobRunner(options=settings.runtime_options)
        runner.engine.threads = settings.get(Key.THREADS) or None
        return cls(runner, settings, InstalledModels(runner))
