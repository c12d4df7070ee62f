"""Tiny layout helpers shared by the pages."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget


def hrow(*widgets: QWidget) -> QWidget:
    """Widgets side by side in one form row; line edits take the spare width."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, QLineEdit) else 0)
    return box
