"""Atomic saving: write a temporary file (or folder) beside the target, then rename.

A crash mid-save leaves the old file intact, never a half-written one.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from models.core.events import ModelDeskError


@contextmanager
def atomic_path(target: os.PathLike | str, suffix: str = "") -> Iterator[Path]:
    """Yield a temp file path in the target's folder; on success rename it over the target."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix + ".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def read_json(path: os.PathLike | str) -> dict:
    """A JSON object from a file, or {} if it is missing or damaged (callers treat both as "nothing saved")."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_text(target: os.PathLike | str, text: str, encoding: str = "utf-8") -> None:
    with atomic_path(target) as tmp:
        with open(tmp, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())


def write_bytes(target: os.PathLike | str, data: bytes) -> None:
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def write_json(target: os.PathLike | str, obj: Any) -> None:
    write_text(target, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


@contextmanager
def atomic_dir(target: os.PathLike | str) -> Iterator[Path]:
    """Yield a temp folder; on success it replaces ``target`` (the old one removed only then)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def replace_dir(source: os.PathLike | str, target: os.PathLike | str) -> None:
    """Rename the finished folder ``source`` to ``target`` (same file system); an old ``target`` is
    removed only once the new one is in place, so a crash leaves one whole folder or the other."""
    source, target = Path(source), Path(target)
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(source, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(source, target)


def read_user_text(path: os.PathLike | str) -> str:
    """A text file the user chose, as UTF-8 (a byte-order mark is dropped), or one clear error."""
    name = Path(path).name
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ModelDeskError(f"{name} is not UTF-8 text.") from None
    except IsADirectoryError:
        raise ModelDeskError(f"{name} is a folder, not a text file.") from None
    except OSError as exc:
        raise ModelDeskError(f"Could not open {name}: {exc.strerror}.") from None
