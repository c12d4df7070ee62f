"""Atomic saving: write a temporary file (or folder) beside the target, then rename.

A crash mid-save leaves the old file intact, never a half-written one.
"""
from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from models.core.events import ModelDeskError

log = logging.getLogger(__name__)

#: why a save fails that the user can fix (another place, free space, permissions): one sentence, not a traceback
_SAVE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG, errno.EISDIR,
                errno.ENOTDIR, errno.ENAMETOOLONG}


def check_target(target: os.PathLike | str, probe: bool = False) -> Path:
    """Refuse an output path that is a folder, and with ``probe`` one whose folder cannot take a new
    file (read-only, no permission), before a long job starts rather than when it saves at its end."""
    target = Path(target).expanduser()
    if target.is_dir():
        raise ModelDeskError(f"{target} is a folder; give the name of a file to save into.")
    if probe:
        with _save_errors(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            os.close(fd)
            os.unlink(tmp)
    return target


@contextmanager
def _save_errors(target: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if exc.errno not in _SAVE_ERRORS:
            raise
        raise ModelDeskError(f"Could not save {target.name} in {target.parent}: {exc.strerror}.") from exc


def _new_file_mode(target: Path) -> int:
    """The replaced file's permissions, else what the umask gives a new file (mkstemp's 0600 would
    hide a saved file from other users)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        pass
    try:
        with open("/proc/self/status", encoding="ascii") as fh:   # reading the umask without changing it
            umask = next(int(line.split()[1], 8) for line in fh if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError):
        umask = 0o022
    return 0o666 & ~umask


@contextmanager
def atomic_path(target: os.PathLike | str, suffix: str = "") -> Iterator[Path]:
    """Yield a temp file path in the target's folder; on success rename it over the target.

    A save that cannot be done (a folder in the way, a full disk, a read-only place) raises one
    ModelDeskError and leaves the old file as it was.
    """
    target = check_target(target)
    with _save_errors(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix + ".tmp", dir=target.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        try:
            os.chmod(tmp_path, _new_file_mode(target))
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
    with _save_errors(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        try:
            yield tmp
            replace_dir(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


#: the name a folder being replaced has between the two renames (when the OS cannot swap them)
OLD_SUFFIX = ".old"
_RENAME_EXCHANGE = 2   # renameat2 flag (linux/fs.h)
_AT_FDCWD = -100       # "relative to the current directory" (paths here are absolute or cwd-relative)


def replace_dir(source: os.PathLike | str, target: os.PathLike | str) -> None:
    """Rename the finished folder ``source`` to ``target`` (same file system), replacing an old one.

    Where the OS can swap two folders in one step (Linux ``renameat2(RENAME_EXCHANGE)``) it does, and
    the old folder, now at ``source``, is deleted after: at every moment ``target`` is one whole
    folder. Elsewhere it takes two renames through ``.<name>.old``; a crash between them leaves only
    that, and ``finish_replacements`` (run when the store lists models) puts it back.
    """
    source, target = Path(source), Path(target)
    if not target.exists():
        os.replace(source, target)
        return
    if exchange_dirs(source, target):
        shutil.rmtree(source, ignore_errors=True)
        return
    old = _old_copy(target)
    finish_replacements(target.parent)   # an earlier crashed swap of this very folder comes first
    shutil.rmtree(old, ignore_errors=True)
    os.replace(target, old)
    os.replace(source, target)
    shutil.rmtree(old, ignore_errors=True)


def _old_copy(target: Path) -> Path:
    return target.with_name(f".{target.name}{OLD_SUFFIX}")



def exchange_dirs(first: Path, second: Path) -> bool:
    """Swap two folders' names in one atomic step; False where the OS or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):   # a C library without it (musl before 1.2.?, old glibc)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    done = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    return done == 0


def finish_replacements(parent: os.PathLike | str) -> list[Path]:
    """Complete what a crash interrupted in ``replace_dir``'s two-rename path, in folder ``parent``: a
    ``.<name>.old`` whose ``<name>`` is missing is put back, one beside its replacement is deleted.
    Returns the folders put back."""
    restored = []
    try:
        leftovers = [p for p in Path(parent).iterdir() if p.name.startswith(".") and p.name.endswith(OLD_SUFFIX)
                     and p.is_dir() and not p.is_symlink()]
    except OSError:
        return restored
    for old in leftovers:
        target = old.with_name(old.name[1:-len(OLD_SUFFIX)])
        try:
            if target.exists() or target.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(old, target)
                restored.append(target)
        except OSError as exc:
            log.warning("could not finish replacing %s: %s", target, exc)
    return restored


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
