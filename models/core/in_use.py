"""Which model folders running jobs use, across processes: ``models remove`` must not delete one.

A job marks each model folder it was given with a small file under ``<home>/in-use/`` named for the
folder and carrying the job's process id; the mark goes when the job ends. A process that died
without clearing its marks (killed, crashed) no longer counts: a mark holds only while its process
is alive.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from models.core import fileio, paths

_COUNTER = itertools.count()


def _key(folder: os.PathLike | str) -> str:
    return hashlib.sha256(str(Path(folder).expanduser().resolve()).encode("utf-8")).hexdigest()[:24]


def _alive(pid: int) -> bool:
    import psutil

    return psutil.pid_exists(pid)


@contextmanager
def using(folders: Iterable[os.PathLike | str]) -> Iterator[None]:
    """Mark ``folders`` as in use by this process while the block runs."""
    root = paths.subdir("in-use")
    marks = []
    for folder in folders:
        mark = root / f"{_key(folder)}.{os.getpid()}.{next(_COUNTER)}"
        # a plain write, no fsync: a mark lives as long as a job, and every job that has a model writes one
        mark.write_text(json.dumps({"path": str(folder), "pid": os.getpid()}), encoding="utf-8")
        marks.append(mark)
    try:
        yield
    finally:
        for mark in marks:
            mark.unlink(missing_ok=True)


def users(folder: os.PathLike | str) -> list[int]:
    """The live processes whose jobs use ``folder`` now (stale marks of dead ones are cleared)."""
    root = paths.home() / "in-use"
    found = set()
    for mark in root.glob(f"{_key(folder)}.*") if root.is_dir() else ():
        pid = fileio.read_json(mark).get("pid")
        if isinstance(pid, int) and _alive(pid):
            found.add(pid)
        elif isinstance(pid, int):
            mark.unlink(missing_ok=True)
    return sorted(found)
