"""Job targets the runner tests run in the engine process (importable there by name)."""
from __future__ import annotations

import ctypes
import os
import time

import numpy as np

from models.core.events import Data, Final, Log, Metric, ModelDeskError, Partial, Progress, check


def counting_job(n: int, delay: float = 0.0, progress=None, cancel=None) -> int:
    for i in range(n):
        check(cancel)
        progress(Progress(i + 1, n, f"step {i + 1}"))
        progress(Partial(f"p{i}"))
        progress(Metric("loss", 1.0 / (i + 1), step=i))
        time.sleep(delay)   # simulates a step's work
    progress(Final("done", 0.0, 1.0))
    progress(Data("array", np.arange(3)))
    progress(Log("finished"))
    return n * 10


def partial_job(steps: int, delay: float, progress=None, cancel=None) -> list[int]:
    """Stops at the next step after a cancel and returns what it did (a partial result)."""
    done = []
    for i in range(steps):
        if cancel.cancelled:
            break
        done.append(i)
        progress(Progress(i + 1, steps))
        time.sleep(delay)   # simulates a step's work
    return done


def failing_job(kind: str, progress=None, cancel=None) -> None:
    if kind == "user":
        raise ModelDeskError("That file is not a CSV.")
    raise ValueError("boom")


def stubborn_job(seconds: float, progress=None, cancel=None) -> str:
    """Ignores its cancel token, as a large from_pretrained would; it says when it started and when it saw
    the Stop it ignores (so tests know, rather than wait)."""
    progress(Log("started"))
    if cancel.wait(seconds):
        progress(Log("stop seen, ignored"))
        time.sleep(seconds)   # simulates work that goes on regardless of the token
    return "finished anyway"


def crashing_job(progress=None, cancel=None) -> None:
    """A segfault in native code (reading address 0)."""
    progress(Progress(0, 1, "about to crash"))
    ctypes.string_at(0)


def echo_pid(progress=None, cancel=None) -> int:
    return os.getpid()


def heavy_result(progress=None, cancel=None):
    """A result whose class lives in a module that imports torch: the GUI must refuse it."""
    import torch

    return torch.zeros(2)


def environment(name: str) -> str:
    """A quick job without progress or cancel."""
    return os.environ.get(name, "")


def heavy_event_job(marker: str, progress=None, cancel=None) -> None:
    """Sends an event the GUI must refuse, then waits to be cancelled and leaves a mark when it is."""
    import torch

    progress(Data("tensor", torch.zeros(1)))
    if cancel.wait(20):
        open(marker, "w").close()


def holding_job(model: str, progress=None, cancel=None) -> str:
    """Holds ``model`` (a job given a model folder) until Stop."""
    progress(Log("started"))
    cancel.wait(60)
    return model
