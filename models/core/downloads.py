"""Downloading a model from the hub: resumable, checked file by file, listed only when complete.

A download fills ``<models>/.partial/<name>/``. Each file grows as ``<file>.part``, is checked
against the size and hash the hub lists (sha256 for LFS files, the git blob id for the others),
then takes its own name. ``download.json`` there records the repository and every file's hash,
so the next download of that name (after Stop, a dropped connection, a crash or a restart) keeps
what still matches and fetches only the rest. Free disk space is checked before the first byte.
When every file is in, the folder gets its manifest and is renamed into the models folder in one
step: the models list never shows a half-downloaded model, and a model being replaced stays
until its successor is complete.

The only module in ModelDesk that downloads; it runs when the user asks.
"""
from __future__ import annotations

import fnmatch
import os
import shutil
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional

from models.core import cache, fileio, hub, paths, store
from models.core.events import CancelToken, ModelDeskError, Progress, ProgressFn, check, emit
from models.core.units import format_duration, format_size

PARTIAL = ".partial"
STATE = "download.json"
PART = ".part"
SAFE_WEIGHTS = "*.safetensors"
#: the pickle checkpoints from_pretrained reads (downloaded only with the user's consent)
PICKLE_WEIGHTS = "pytorch_model*.bin"
#: the single weights file from_pretrained reads first when a repository has several unindexed ones
SINGLE_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
#: a sharded checkpoint's index (``<weights name>.index.json``): its weight_map names the shard files
INDEX_SUFFIX = ".index.json"
#: config, tokenizer and vocabulary files, wherever they are in the repository
SUPPORT_FILES = ("*.json", "*.txt", "*.model", "*.spm", "*.tiktoken", "vocab.*")
#: a folder of the hub repository left alone: ModelDesk writes its own ONNX exports there
SKIPPED_FOLDER = "onnx"
#: free space kept beyond what the files need
DISK_MARGIN = 64 * 2**20


@dataclass(frozen=True)
class PartialDownload:
    """A download that stopped before the end; downloading the same name again resumes it."""
    name: str
    repo_id: str
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


def local_name(repo_id: str, name: Optional[str] = None) -> str:
    """The models-folder name a download of ``repo_id`` gets: ``name``, else the repository's."""
    return store.safe_name(name or repo_id.rstrip("/").split("/")[-1])


def download(repo_id: str, name: Optional[str] = None, revision: Optional[str] = None, overwrite: bool = False,
             allow_pickle: bool = False, progress: ProgressFn = None,
             cancel: Optional[CancelToken] = None) -> store.ModelInfo:
    """Download a model repository's weights, config and tokenizer into the models folder.

    An existing model of the same name is replaced only with ``overwrite``, and the refusal comes
    before any network access. Pickle weights are fetched only when the repository has no
    safetensors and ``allow_pickle`` is given. Progress events count bytes.
    """
    check_repo_id(repo_id)
    name = local_name(repo_id, name)
    target = paths.models_dir() / name
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise ModelDeskError(f"A model named '{name}' already exists; choose another name or allow replacing it "
                             "(models download --force).")
    listing = hub.list_files(repo_id, revision)
    folder = paths.models_dir() / PARTIAL / name
    with tempfile.TemporaryDirectory(prefix="modeldesk-index-") as scratch:
        indexes = _fetch_indexes(listing, Path(scratch), cancel)
        files = choose_files(listing, allow_pickle, {path: shards for path, (_, shards) in indexes.items()})
        kept = _keep_matching(folder, files)
        for path, (fetched, _) in indexes.items():   # fetched once: the loop below finds them in place
            if path in {f.path for f in files} and not (folder / path).is_file():
                (folder / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.move(fetched, folder / path)
                kept += (folder / path).stat().st_size
    total = sum(f.size for f in files)
    _check_disk(total - kept, repo_id)
    _write_state(folder, listing, files)
    meter = ByteMeter(total, kept, progress, f"Downloading {repo_id}")
    for remote in files:
        final = folder / remote.path
        if not final.is_file():
            final.parent.mkdir(parents=True, exist_ok=True)
            part = final.with_name(final.name + PART)
            hub.fetch(repo_id, listing.commit, remote, part, meter.add, cancel)
            hub.verify(part, remote, repo_id)
            os.replace(part, final)
        if remote.path == "config.json":
            _check_task(folder, repo_id)
        check(cancel)
    return _install(folder, target, listing, meter)


def check_repo_id(repo_id: str) -> None:
    """Refuse what is not a hub repository id (owner/name) before anything else happens."""
    from huggingface_hub.utils import validate_repo_id
    from huggingface_hub.errors import HFValidationError

    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        raise ModelDeskError(f"'{repo_id}' is not a hub repository id (like owner/name).") from None


def choose_files(listing: hub.Listing, allow_pickle: bool = False,
                 weight_maps: Optional[dict[str, set[str]]] = None) -> list[hub.RemoteFile]:
    """What a model needs: config and tokenizer files, then the weights (safetensors unless there are none).

    Weights come from the top level only (from_pretrained reads nothing else); config.json comes
    first, so a repository that is not a model ModelDesk can use is refused before its weights.
    ``weight_maps``: the shard files each index file names (``_fetch_indexes``). A sharded checkpoint
    takes exactly the shards its index names, so a consolidated copy beside them is not fetched too.
    """
    for remote in listing.files:
        _check_path(remote.path, listing.repo_id)
    top = [f for f in listing.files if "/" not in f.path]
    weights = _weights(top, SAFE_WEIGHTS, weight_maps or {})
    if not weights:
        weights = _weights(top, PICKLE_WEIGHTS, weight_maps or {})
        if not weights:
            raise ModelDeskError(f"'{listing.repo_id}' has no weights ModelDesk can load (no .safetensors or "
                                 "pytorch_model.bin file).")
        if not allow_pickle:
            raise ModelDeskError(f"'{listing.repo_id}' has only pickle weights (pytorch_model.bin), which can run "
                                 "code when loaded; allow pickle checkpoints (Settings menu, or --allow-pickle) to "
                                 "download them, and they load with weights_only=True.")
    if not any(f.path == "config.json" for f in top):
        raise ModelDeskError(f"'{listing.repo_id}' has no config.json, so it is not a model in Hugging Face layout.")
    support = [f for f in listing.files if f not in weights and not f.path.startswith(f"{SKIPPED_FOLDER}/")
               and any(fnmatch.fnmatch(PurePosixPath(f.path).name, p) for p in SUPPORT_FILES)]
    support.sort(key=lambda f: (f.path != "config.json", f.size, f.path))
    return support + sorted(weights, key=lambda f: f.path)


def _weights(top: list[hub.RemoteFile], pattern: str, weight_maps: dict[str, set[str]]) -> list[hub.RemoteFile]:
    """The weight files of one kind: an index's shards, else the single file from_pretrained reads, else all."""
    found = [f for f in top if fnmatch.fnmatch(f.path, pattern)]
    index = next((path for path in sorted(weight_maps) if fnmatch.fnmatch(path.removesuffix(INDEX_SUFFIX), pattern)),
                 None)
    if index is not None:
        return [f for f in found if f.path in weight_maps[index]]
    single = [f for f in found if f.path in SINGLE_WEIGHTS]
    return single or found


def _fetch_indexes(listing: hub.Listing, scratch: Path,
                   cancel: Optional[CancelToken]) -> dict[str, tuple[Path, set[str]]]:
    """Each top-level weights index of the repository, fetched into ``scratch`` and checked: its file
    and the shard names its weight_map lists (the index is small; the shards it names are not)."""
    found: dict[str, tuple[Path, set[str]]] = {}
    for remote in listing.files:
        name = remote.path
        if "/" in name or not name.endswith(INDEX_SUFFIX) or not any(
                fnmatch.fnmatch(name.removesuffix(INDEX_SUFFIX), p) for p in (SAFE_WEIGHTS, PICKLE_WEIGHTS)):
            continue
        _check_path(name, listing.repo_id)
        local = scratch / name
        hub.fetch(listing.repo_id, listing.commit, remote, local, lambda _: None, cancel)
        hub.verify(local, remote, listing.repo_id)
        weight_map = fileio.read_json(local).get("weight_map")
        if not isinstance(weight_map, dict) or not weight_map:
            raise ModelDeskError(f"'{listing.repo_id}' has a damaged {name} (no weight_map), so ModelDesk cannot "
                                 "tell which weight files belong to the model.")
        shards = {str(v) for v in weight_map.values()}
        missing = sorted(shards - {f.path for f in listing.files})
        if missing:
            raise ModelDeskError(f"'{listing.repo_id}' lists {missing[0]} in its {name} but has no such file.")
        found[name] = (local, shards)
    return found


def partial_downloads() -> list[PartialDownload]:
    """Every download that stopped before the end, with how much of it is here."""
    root = paths.models_dir() / PARTIAL
    found = []
    for folder in sorted(root.iterdir()) if root.is_dir() else ():
        state = fileio.read_json(folder / STATE)
        if isinstance(state.get("repo_id"), str):
            done = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and p.name != STATE)
            found.append(PartialDownload(folder.name, state["repo_id"], done, int(state.get("total", 0))))
    return found


class ByteMeter:
    """Bytes done of a total, as Progress events that say the speed and the time left.

    An event goes out at most every EVERY seconds or each 1 % (a fast link would flood the window);
    the speed is measured over the last WINDOW seconds.
    """

    EVERY = 0.1
    WINDOW = 5.0

    def __init__(self, total: int, done: int, progress: ProgressFn, label: str, clock=time.monotonic) -> None:
        self.total, self.done, self.progress, self.label, self.clock = total, done, progress, label, clock
        self.samples: deque[tuple[float, int]] = deque([(clock(), done)])
        self.sent = (float("-inf"), done)
        start = f"{label}: {self.done / total:.0%} already here" if done and total else f"{label}…"
        emit(progress, Progress(done, total or None, start))

    def add(self, count: int) -> None:
        self.done += count
        now = self.clock()
        self.samples.append((now, self.done))
        while len(self.samples) > 2 and now - self.samples[0][0] > self.WINDOW:
            self.samples.popleft()
        last_time, last_done = self.sent
        if now - last_time >= self.EVERY or abs(self.done - last_done) * 100 >= self.total or self.done == self.total:
            self.sent = (now, self.done)
            emit(self.progress, Progress(self.done, self.total or None, self.message()))

    def speed(self) -> float:
        (t0, d0), (t1, d1) = self.samples[0], self.samples[-1]
        return max(0.0, (d1 - d0) / (t1 - t0)) if t1 > t0 else 0.0

    def message(self) -> str:
        text = f"{self.label}: {format_size(self.done)} of {format_size(self.total)}"
        speed = self.speed()
        if speed > 0:
            text += f" · {format_size(speed)}/s · {format_duration((self.total - self.done) / speed)} left"
        return text


def _check_path(path: str, repo_id: str) -> None:
    """A file name from the hub never leaves the download's folder."""
    parts = PurePosixPath(path).parts
    if not parts or path.startswith("/") or "\\" in path or any(p in ("..", ".") for p in parts):
        raise ModelDeskError(f"'{repo_id}' lists a file named '{path}', which ModelDesk will not write.")


def _keep_matching(folder: Path, files: list[hub.RemoteFile]) -> int:
    """Delete what ``folder`` holds that no longer matches a wanted file; return the bytes kept."""
    if not folder.is_dir():
        return 0
    recorded = fileio.read_json(folder / STATE).get("files") or {}
    wanted = {f.path: f for f in files}
    kept = 0
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        relative = path.relative_to(folder).as_posix()
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
            continue
        if relative == STATE:
            continue
        remote = wanted.get(relative.removesuffix(PART))
        size = path.stat().st_size
        if remote is not None and recorded.get(remote.path) == remote.digest and size <= remote.size:
            kept += size
        else:
            path.unlink()
    return kept


def _check_disk(needed: int, repo_id: str) -> None:
    free = shutil.disk_usage(paths.models_dir()).free
    if needed + DISK_MARGIN > free:
        raise ModelDeskError(f"Not enough disk space for {repo_id}: it needs {format_size(needed)} more and the disk "
                             f"holding {paths.models_dir()} has {format_size(free)} free.")


def _write_state(folder: Path, listing: hub.Listing, files: list[hub.RemoteFile]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    fileio.write_json(folder / STATE, {"repo_id": listing.repo_id, "commit": listing.commit,
                                       "total": sum(f.size for f in files),
                                       "files": {f.path: f.digest for f in files}})


def _check_task(folder: Path, repo_id: str) -> None:
    """Refuse a repository whose config names no task ModelDesk runs, before its weights come."""
    if store.detect_task(fileio.read_json(folder / "config.json")) is None:
        shutil.rmtree(folder, ignore_errors=True)
        raise ModelDeskError(f"'{repo_id}' is not a model ModelDesk can use: its config.json names no known task.")


def _install(folder: Path, target: Path, listing: hub.Listing, meter: ByteMeter) -> store.ModelInfo:
    """Write the manifest and move the complete folder into the models folder in one rename."""
    config = fileio.read_json(folder / "config.json")
    store.write_manifest(folder, task=store.detect_task(config), source=f"hub:{listing.repo_id}",
                         revision=listing.commit)
    (folder / STATE).unlink()
    replaced = target.exists()
    fileio.replace_dir(folder, target)
    if replaced:
        cache.forget(lambda key: isinstance(key, tuple) and str(target) in key)
    emit(meter.progress, Progress(meter.total, meter.total or None, f"Downloaded {listing.repo_id}"))
    return store.inspect(target, source="app")
