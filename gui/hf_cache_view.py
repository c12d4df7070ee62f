"""The Hugging Face cache on the Models page: every cached model with its size, and deletion after a question.

The cache is shared with other apps (anything that uses huggingface_hub), so the question says so.
Listing and deleting are jobs (``models.core.hfcache``, through huggingface_hub's scan_cache_dir).
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from models.core.hfcache import CachedModel
from models.core.units import format_size

from . import jobs
from .context import AppContext
from .widgets.row_table import RowTable

COLUMNS = (QT_TRANSLATE_NOOP("RowTable", "Repository"), QT_TRANSLATE_NOOP("RowTable", "Size"),
           QT_TRANSLATE_NOOP("RowTable", "Files"), QT_TRANSLATE_NOOP("RowTable", "Revisions"),
           QT_TRANSLATE_NOOP("RowTable", "Folder"))
LIST_KEY = "hf-cache"


class HfCacheView(QWidget):
    """``start(spec, message, on_result, **kwargs)`` runs a job on the Models page's job controls."""

    def __init__(self, ctx: AppContext, start: Callable[..., None], set_status: Callable[..., None],
                 parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.start = start
        self.set_status = set_status
        self.table = RowTable(COLUMNS)
        self.summary = QLabel(self.tr("Looking at the cache…"))
        self.delete_button = QPushButton(self.tr("Delete…"))
        self.delete_button.setToolTip(self.tr("Delete the selected repository from the cache (other apps share it)"))
        self.refresh_button = QPushButton(self.tr("Refresh"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        column = QVBoxLayout(self)
        column.addWidget(self.summary)
        column.addWidget(self.table, 1)
        column.addLayout(buttons)
        self.delete_button.clicked.connect(self.delete)
        self.refresh_button.clicked.connect(self.refresh)

    def refresh(self) -> None:
        self.ctx.runner.start_latest(LIST_KEY, jobs.HF_CACHE).result.connect(self.show_cached)

    def show_cached(self, cached: list[CachedModel]) -> None:
        self.table.show_items(cached, lambda model: (
            model.repo_id, format_size(model.size_bytes), str(model.files), str(model.revisions), str(model.path)),
            key=lambda model: model.repo_id)
        total = sum(m.size_bytes for m in cached)
        self.summary.setText(self.tr("{0} models, {1}, in the Hugging Face cache").format(len(cached), format_size(total))
                             if cached else self.tr("The Hugging Face cache holds no models."))

    def selected(self) -> Optional[CachedModel]:
        return self.table.selected()

    def select(self, repo_id: str) -> bool:
        return self.table.select(lambda model: model.repo_id == repo_id)

    def delete(self) -> None:
        model = self.selected()
        if model is None:
            self.set_status(self.tr("Select a repository in the cache to delete."), error=True)
            return
        self.confirm_delete(model.repo_id, format_size(model.size_bytes))

    def confirm_delete(self, repo_id: str, size: str = "") -> None:
        """Ask, then delete; the installed-models table uses this for its cached rows too."""
        question = (self.tr("Delete {0}{1} from the Hugging Face cache? Other apps that use it would download it again.").format(repo_id, f' ({size})' if size else ''))
        if QMessageBox.question(self, self.tr("Delete from the cache"), question) != QMessageBox.StandardButton.Yes:
            return
        self.start(jobs.HF_CACHE_DELETE, self.tr("Deleting {0} from the cache…").format(repo_id),
                   lambda freed: self._deleted(repo_id, freed), repo_id=repo_id)

    def _deleted(self, repo_id: str, freed: Any) -> None:
        self.set_status(self.tr("Deleted {0} from the Hugging Face cache ({1} freed).").format(repo_id, format_size(freed)))
        self.refresh()
        self.ctx.models.refresh()
