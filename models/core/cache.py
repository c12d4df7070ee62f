"""A small cache of loaded models so that pressing Run twice does not reload weights.

Jobs run on several threads at once, so the cache makes two promises: a model is
loaded once even when two jobs ask for it at the same moment, and a loaded model
(``Shared``) is used by one call at a time.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future
from typing import Any, Callable, Hashable, TypeVar

T = TypeVar("T")
_lock = threading.Lock()
_items: "OrderedDict[Hashable, Any]" = OrderedDict()
_loading: dict[Hashable, Future] = {}   # keys being loaded, with the future their other askers wait on
MAX_ITEMS = 3


def get_or_load(key: Hashable, loader: Callable[[], T]) -> T:
    """Return the cached object for ``key`` or build it; the least recently used one goes first.

    The first caller loads (outside the lock: loading takes seconds) while later callers
    for the same key wait for its result, or its exception; a failed load is not cached.
    """
    with _lock:
        if key in _items:
            _items.move_to_end(key)
            return _items[key]
        future = _loading.get(key)
        loading_here = future is None
        if loading_here:
            future = _loading[key] = Future()
    if not loading_here:
        return future.result()
    try:
        value = loader()
    except BaseException as exc:
        with _lock:
            if _loading.get(key) is future:
                del _loading[key]
        future.set_exception(exc)
        raise
    with _lock:
        if _loading.get(key) is future:  # not forgotten while it loaded (then it would be stale)
            del _loading[key]
            _items[key] = value
            _items.move_to_end(key)
            while len(_items) > MAX_ITEMS:
                _items.popitem(last=False)
    future.set_result(value)
    return value


def forget(predicate: Callable[[Hashable], bool]) -> None:
    """Drop cached models whose key matches (after a model folder changed on disk); a load of one
    in progress still answers its callers but is not kept."""
    with _lock:
        for key in [k for k in _items if predicate(k)]:
            del _items[key]
        for key in [k for k in _loading if predicate(k)]:
            del _loading[key]


def clear() -> None:
    with _lock:
        _items.clear()
        _loading.clear()


class Shared:
    """Base of a loaded model that jobs share through the cache.

    A fast tokenizer changes its own settings on every call and a model's forward
    keeps state (KV caches, hooks), so two jobs using one model at once fail
    ("Already borrowed") or mix their results: every call holds ``in_use()`` around
    tokenising and running the network.
    """

    _guard = threading.Lock()

    def in_use(self) -> "threading.RLock":
        """The model's lock (re-entrant, so a call may use another call of the same model)."""
        lock = self.__dict__.get("_in_use")
        if lock is None:
            with Shared._guard:
                lock = self.__dict__.setdefault("_in_use", threading.RLock())
        return lock
