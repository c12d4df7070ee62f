"""What every page is given: the job runner, the settings, the list of installed models and the downloads."""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication

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
        # Owned by the application, not by Python: the garbage collector may run on any thread (the
        # engine's reader thread too), and a Qt object it frees there takes its children with it
        # while the GUI thread still has events for them.
        runner = JobRunner(options=settings.runtime_options, parent=QCoreApplication.instance())
        runner.engine.threads = settings.get(Key.THREADS) or None
        return cls(runner, settings, InstalledModels(runner, parent=runner))
