"""The Hugging Face cache, which other apps share: listed and cleaned through huggingface_hub.

``scan_cache_dir`` reads the cache (repositories, revisions, refs, blob sizes) and
``delete_revisions(...).execute()`` removes what one repository holds in the order huggingface_hub
chooses (links before blobs); ModelDesk adds only which revision it would load and a refusal for a
repository that is not there. huggingface_hub is imported inside the functions, which run in the
engine or the command line.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from models.core import cache
from models.core.events import ModelDeskError


@dataclass(frozen=True)
class CachedModel:
    """One model repository in the cache."""
    repo_id: str
    size_bytes: int
    files: int
    revisions: int
    path: Path                  # the repository's folder in the cache
    snapshot: Optional[Path]    # the revision ModelDesk loads: the one "main" points to, else the newest


def cache_dir() -> Path:
    """The hub cache folder, from the environment as it is now (huggingface_hub reads it at import)."""
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "huggingface")
    return Path(home).expanduser() / "hub"


def cached_models() -> list[CachedModel]:
    """Every model repository in the cache, by repository id; datasets and damaged entries are left out."""
    info = _scan()
    found = []
    for repo in (r for r in info.repos if r.repo_type == "model") if info else ():
        main = repo.refs.get("main")
        newest = main or max(repo.revisions, key=lambda r: r.last_modified, default=None)
        found.append(CachedModel(repo.repo_id, repo.size_on_disk, repo.nb_files, len(repo.revisions),
                                 repo.repo_path, newest.snapshot_path if newest is not None else None))
    return sorted(found, key=lambda m: m.repo_id.lower())


def delete_cached(repo_id: str) -> int:
    """Delete one model repository from the cache (every revision and the blobs only it uses) and
    nothing else; return the bytes freed."""
    info = _scan()
    repo = next((r for r in info.repos if r.repo_type == "model" and r.repo_id == repo_id), None) if info else None
    if repo is None:
        raise ModelDeskError(f"'{repo_id}' is not in the Hugging Face cache ({cache_dir()}).")
    if not repo.revisions:   # an empty shell (a download that never finished): nothing links into it
        shutil.rmtree(repo.repo_path)
        return 0
    # delete_revisions finds revisions by commit hash across every repository it knows, and a duplicated
    # repository shares its commits with the original: ask a report that holds this repository alone
    alone = dataclasses.replace(info, repos=frozenset({repo}), incomplete_files=frozenset(), warnings=[])
    strategy = alone.delete_revisions(*(r.commit_hash for r in repo.revisions))
    strategy.execute()
    snapshots = {str(r.snapshot_path) for r in repo.revisions}
    cache.forget(lambda key: isinstance(key, tuple) and bool(snapshots & {str(k) for k in key}))
    return strategy.expected_freed_size


def _scan():
    """huggingface_hub's report on the cache (an HFCacheInfo), or None when there is no cache yet."""
    from huggingface_hub import scan_cache_dir

    folder = cache_dir()
    return scan_cache_dir(folder) if folder.is_dir() else None
