"""What every page is given: the job runner, the settings, the list of installed models and the downloads."""
from __future__ import annotations

from dataclasses import dataclass, field

from workers.runner import JobRunner

from .downloads import Downloads
from .installed import InstalledModels
from .settings import Key, Settings


@dataclass
class AppContext:
    runner: JobRunner
    settings: Settings
    models: InstalledModels
    downloads: Downloads = field(init=False)

    def __post_init__(self) -> None:
        self.downloads = Downloads(self.runner, self.models)

    @classmethod
    def create(cls, settings: Settings | None = None) -> "AppContext":
        """A runner whose model jobs receive the settings' runtime options, and an empty model list."""
        settings = settings or Settings()
        runner = JobRunner(options=settings.runtime_options)
        runner.engine.threads = settings.get(Key.THREADS) or None
        return cls(runner, settings, InstalledModels(runner))
