"""Slots that outlive their widget do nothing.

Qt disconnects a destroyed QObject's own methods, but not a lambda that merely uses one: a page
closed while its job runs would get the job's result in a lambda that touches deleted widgets
(the runner belongs to the application and outlives every page).
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject
from shiboken6 import isValid


def while_alive(owner: QObject, slot: Callable[..., Any]) -> Callable[..., None]:
    """``slot``, called only while ``owner`` still exists."""

    def call(*args: Any) -> None:
        if isValid(owner):
            slot(*args)

    return call
