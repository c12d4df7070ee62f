"""The Hugging Face cache through scan_cache_dir: listed with sizes, and one repository deleted, nothing else.

The cache is filled by huggingface_hub itself (hf_hub_download from the local hub), so its layout is the
real one: blobs, snapshots of links, refs. Both repositories have the same commit hash, as a duplicated
repository has its original's: deleting one must still leave the other.
"""
from __future__ import annotations

import json

import pytest

from models.core import hfcache, store
from models.core.events import ModelDeskError
from tests.core.test_store import CONFIGS, tree



def files(repo: str) -> dict[str, bytes]:
    """What the hub serves as ``repo``: a config naming the repository, and weights."""
    return {"config.json": json.dumps({**CONFIGS["generate"], "repo": repo}).encode(),
            "model.safetensors": b"\0" * 5000}


def size(repo: str) -> int:
    return sum(len(data) for data in files(repo).values())


@pytest.fixture
def filled_cache(tmp_path, monkeypatch, local_hub):
    """A cache holding org/keep and org/drop (two files each), a dataset, and files beside the cache."""
    from huggingface_hub import hf_hub_download

    cache = tmp_path / "hf-cache"
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    for repo in ("org/keep", "org/drop"):
        local_hub.add(repo, files(repo))
        for name in files(repo):
            hf_hub_download(repo, name, cache_dir=cache, endpoint=local_hub.endpoint)
    dataset = cache / "datasets--org--table" / "snapshots" / "abc"
    dataset.mkdir(parents=True)
    (dataset / "data.csv").write_text("a,b\n")
    (tmp_path / "beside.txt").write_text("not in the cache")
    return tmp_path


def test_the_cache_is_listed_per_model_with_its_size(filled_cache):
    found = {m.repo_id: m for m in hfcache.cached_models()}
    assert sorted(found) == ["org/drop", "org/keep"]
    keep = found["org/keep"]
    assert (keep.files, keep.revisions) == (2, 1)
    assert keep.size_bytes == size("org/keep")
    assert json.loads((keep.snapshot / "config.json").read_text())["repo"] == "org/keep"
    listed = {m.name: m for m in store.list_models()}
    assert {n: (m.source, m.task) for n, m in listed.items()} == {"org/drop": ("hf-cache", "generate"),
                                                                 "org/keep": ("hf-cache", "generate")}


@pytest.mark.parametrize("drop, keep", [("org/drop", "org/keep"), ("org/keep", "org/drop")])
def test_deleting_one_cached_repo_removes_it_and_nothing_else(filled_cache, drop, keep):
    before = tree(filled_cache)
    freed = hfcache.delete_cached(drop)
    after = tree(filled_cache)
    gone = {k for k in before if k.startswith(f"hf-cache/models--{drop.replace('/', '--')}")}
    assert gone and after == {k: v for k, v in before.items() if k not in gone}
    assert freed == size(drop)
    assert [m.repo_id for m in hfcache.cached_models()] == [keep]
    assert [m.name for m in store.list_models()] == [keep]


@pytest.mark.parametrize("repo", ["org/missing", "org/table", "../org", ""])
def test_deleting_what_is_not_a_cached_model_touches_nothing(filled_cache, repo):
    before = tree(filled_cache)
    with pytest.raises(ModelDeskError, match=r"is not in the Hugging Face cache \(.*hf-cache\)\.$"):
        hfcache.delete_cached(repo)
    assert tree(filled_cache) == before
