"""Where a model's ONNX exports live: under the app's data folder, never in the model's own folder.

A model listed from the Hugging Face cache is a snapshot other programs share, and a folder imported
by reference is the user's own, so writing an ``onnx/`` folder or a report into either would change
what the app does not own. Every export therefore goes to ``<home>/exports/<source>/<revision>/``:
``source`` names the model folder (its resolved path), ``revision`` its files (names, sizes and
modification times), so an export made from weights that have changed since is not used. The
export's report (``parity``, ``quantization``, ``placement``) is that folder's ``export.json``; the store shows it
as part of the model's manifest, so readers of the manifest need not know where it is kept.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

from models.core import fileio, paths

#: manifest keys that describe an export and are kept with it
EXPORT_KEYS = frozenset({"parity", "quantization", "placement"})
ONNX_DIR = "onnx"
RECORD = "export.json"
#: files of a model folder that are the app's notes about it, not the model (store.MANIFEST)
_NOTES = frozenset({"modeldesk.json"})


def exports_root() -> Path:
    """Where every export lives (created by the first export: reading creates nothing)."""
    return paths.home() / "exports"


def source_dir(folder: os.PathLike | str) -> Path:
    """Every export of one model folder, whatever its revision (deleting the model deletes this)."""
    resolved = Path(folder).expanduser().resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:16]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", resolved.name)[:40] or "model"
    return exports_root() / f"{readable}-{digest}"


def revision(folder: os.PathLike | str) -> str:
    """A fingerprint of the folder's top-level files: it changes when the weights or config do."""
    digest = hashlib.sha256()
    try:
        entries = sorted(os.scandir(Path(folder).expanduser()), key=lambda e: e.name)
    except OSError:
        return "missing"
    for entry in entries:
        if entry.name in _NOTES or entry.name.startswith("."):
            continue
        try:
            if not entry.is_file():   # follows links: a cache snapshot's files point into its blobs
                continue
            stat = entry.stat()
        except OSError:
            continue
        digest.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8"))
    return digest.hexdigest()[:16]


def export_dir(folder: os.PathLike | str) -> Path:
    """The folder holding the export of ``folder`` as its files are now (not created here)."""
    return source_dir(folder) / revision(folder)


def onnx_dir(folder: os.PathLike | str) -> Path:
    """Where the exporters write, and the loaders find, the ONNX files of the model in ``folder``."""
    return export_dir(folder) / ONNX_DIR


def read_record(folder: os.PathLike | str) -> dict:
    """The export's report (``parity``, ``quantization``), or {} when the current files have none."""
    return fileio.read_json(export_dir(folder) / RECORD)


def write_record(folder: os.PathLike | str, **updates) -> dict:
    """Merge ``updates`` into the export's report (a None value removes its key), saved atomically.
    Exports of earlier revisions of the same folder are stale from now on and are deleted."""
    here = export_dir(folder)
    data = {k: v for k, v in {**fileio.read_json(here / RECORD), **updates}.items() if v is not None}
    here.mkdir(parents=True, exist_ok=True)
    fileio.write_json(here / RECORD, data)
    for other in here.parent.iterdir():
        if other != here and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)
    return data


def forget(folder: os.PathLike | str) -> None:
    """Delete every export of ``folder`` (the model is being deleted or forgotten)."""
    shutil.rmtree(source_dir(folder), ignore_errors=True)
