"""One module per page; the sidebar shows them in this order."""
from __future__ import annotations

import importlib

from PySide6.QtCore import QT_TRANSLATE_NOOP

#: (page name, sidebar label (translated where shown), "module:Class")
PAGES = (
    ("classify", QT_TRANSLATE_NOOP("pages", "Classify"), "gui.panels.classify:ClassifyPanel"),
    ("generate", QT_TRANSLATE_NOOP("pages", "Generate"), "gui.panels.generate:GeneratePanel"),
    ("translate", QT_TRANSLATE_NOOP("pages", "Translate"), "gui.panels.translate:TranslatePanel"),
    ("faces", QT_TRANSLATE_NOOP("pages", "Faces"), "gui.panels.faces:FacesPanel"),
    ("transcribe", QT_TRANSLATE_NOOP("pages", "Transcribe"), "gui.panels.transcribe:TranscribePanel"),
    ("dashboard", QT_TRANSLATE_NOOP("pages", "Dashboard"), "gui.dashboard:Dashboard"),
    ("models", QT_TRANSLATE_NOOP("pages", "Models"), "gui.model_manager:ModelManager"),
)


def load(spec: str) -> type:
    module_name, _, cls = spec.partition(":")
    return getattr(importlib.import_module(module_name), cls)
