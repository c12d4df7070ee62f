"""One module per page; the sidebar shows them in this order."""
from __future__ import annotations

import importlib

#: (page name, sidebar label, "module:Class")
PAGES = (
    ("classify", "Classify", "gui.panels.classify:ClassifyPanel"),
    ("generate", "Generate", "gui.panels.generate:GeneratePanel"),
    ("translate", "Translate", "gui.panels.translate:TranslatePanel"),
    ("faces", "Faces", "gui.panels.faces:FacesPanel"),
    ("transcribe", "Transcribe", "gui.panels.transcribe:TranscribePanel"),
    ("dashboard", "Dashboard", "gui.dashboard:Dashboard"),
    ("models", "Models", "gui.model_manager:ModelManager"),
)


def load(spec: str) -> type:
    module_name, _, cls = spec.partition(":")
    return getattr(importlib.import_module(module_name), cls)
