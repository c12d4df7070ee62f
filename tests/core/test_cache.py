"""The model cache: one load per key however many jobs ask at once, failures not cached, LRU eviction."""
from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest

from models.core import cache


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def ask_together(key, loader, callers: int = 4) -> list:
    """Call get_or_load from ``callers`` threads released at the same instant; their results or errors."""
    start = threading.Barrier(callers)
    results: list = [None] * callers

    def ask(i: int) -> None:
        start.wait()
        try:
            results[i] = cache.get_or_load(key, loader)
        except Exception as exc:  # noqa: BLE001  (the test looks at what each caller got)
            results[i] = exc

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    return results


@pytest.fixture
def waiting(monkeypatch):
    """A semaphore released each time a caller starts waiting for another's load (cache's Future.result)."""
    arrived = threading.Semaphore(0)

    class Counted(Future):
        def result(self, timeout=None):
            arrived.release()
            return super().result(timeout)

    monkeypatch.setattr(cache, "Future", Counted)
    return arrived


def all_others_wait(arrived: threading.Semaphore, callers: int = 4) -> None:
    """Return once every other caller waits for the load in progress."""
    for _ in range(callers - 1):
        assert arrived.acquire(timeout=30), "a caller never reached the cache"


def test_simultaneous_callers_share_one_load(waiting):
    calls = []

    def load():
        calls.append(threading.get_ident())
        all_others_wait(waiting)   # every other caller arrives during the load
        return object()

    results = ask_together("model", load)
    assert len(calls) == 1
    assert all(r is results[0] for r in results) and results[0] is not None
    assert cache.get_or_load("model", load) is results[0] and len(calls) == 1


def test_a_failed_load_reaches_every_waiter_and_is_retried(waiting):
    calls = []

    def broken():
        calls.append(1)
        all_others_wait(waiting)
        raise OSError("weights are damaged")

    results = ask_together("model", broken)
    assert len(calls) == 1
    assert all(isinstance(r, OSError) and str(r) == "weights are damaged" for r in results)
    fixed = object()
    assert cache.get_or_load("model", lambda: fixed) is fixed  # the key was not poisoned


def test_least_recently_used_goes_first():
    for key in ("a", "b", "c"):
        cache.get_or_load(key, lambda key=key: key.upper())
    cache.get_or_load("a", lambda: "reloaded")          # "a" is now the most recent
    cache.get_or_load("d", lambda: "D")                 # evicts "b"
    assert cache.get_or_load("a", lambda: "reloaded") == "A"
    assert cache.get_or_load("b", lambda: "reloaded") == "reloaded"


def test_a_load_forgotten_while_it_runs_is_not_kept():
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return "old weights"

    result = []
    loader = threading.Thread(target=lambda: result.append(cache.get_or_load("m", slow)))
    loader.start()
    assert started.wait(5)
    cache.forget(lambda key: key == "m")
    release.set()
    loader.join(5)
    assert result == ["old weights"]                      # its caller still gets it
    assert cache.get_or_load("m", lambda: "new weights") == "new weights"


def test_shared_models_have_one_reentrant_lock_each():
    class Model(cache.Shared):
        pass

    first, second = Model(), Model()
    locks = []
    threads = [threading.Thread(target=lambda: locks.append(first.in_use())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(lock is locks[0] for lock in locks) and second.in_use() is not locks[0]
    with first.in_use(), first.in_use():   # re-entrant
        assert not _acquired_elsewhere(first)
    assert _acquired_elsewhere(first)


def _acquired_elsewhere(model: cache.Shared) -> bool:
    """Whether another thread can take the model's lock right now (it gives it back at once)."""
    got = []

    def attempt() -> None:
        lock = model.in_use()
        got.append(lock.acquire(timeout=0.05))
        if got[0]:
            lock.release()

    t = threading.Thread(target=attempt)
    t.start()
    t.join()
    return got[0]
