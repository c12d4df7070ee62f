"""A small cache of loaded models so that pressing Run twice does not reload weights."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, TypeVar

T = TypeVar("T")
_lock = threading.Lock()
_items: "OrderedDict[Hashable, Any]" = OrderedDict()
MAX_ITEMS = 3


def get_or_load(key: Hashable, loader: Callable[[], T]) -> T:
    """Return the cached object for ``key`` or build it; the least recently used one goes first."""
    with _lock:
        if key in _items:
            _items.move_to_end(key)
            return _items[key]
    value = loader()  # outside the lock: loading can take seconds
    with _lock:
        _items[key] = value
        _items.move_to_end(key)
        while len(_items) > MAX_ITEMS:
            _items.popitem(last=False)
    return value


def forget(predicate: Callable[[Hashable], bool]) -> None:
    """Drop cached models whose key matches (after a model folder changed on disk)."""
    with _lock:
        for key in [k for k in _items if predicate(k)]:
            del _items[key]


def clear() -> None:
    with _lock:
        _items.clear()
