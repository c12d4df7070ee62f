"""Downloads against the local hub: a busy or failing server (429, 5xx) is asked again after the wait its
Retry-After says, and a sharded checkpoint fetches exactly the shards its index names, each once."""
from __future__ import annotations

import email.utils
import json
import time

import pytest
from safetensors.numpy import load_file, save_file

from models.core import downloads, hub as hub_module
from models.core.events import ModelDeskError

from tests.core.test_downloads import REPO, WEIGHTS, home  # noqa: F401  (the same repository and data folder)


@pytest.fixture
def waits(monkeypatch):
    """The pauses the download asks for before each retry (not waited out: the wait is not under test)."""
    asked: list[float] = []
    monkeypatch.setattr(hub_module, "_pause", lambda seconds, cancel: asked.append(seconds))
    return asked


@pytest.mark.parametrize("status, header, expected", [
    (503, "2", 2.0),
    (429, None, None),   # no Retry-After: the doubling backoff
    (502, email.utils.formatdate(time.time() + 3600, usegmt=True), hub_module.MAX_RETRY_AFTER),
])
def test_a_busy_server_answering_twice_then_200_completes(home, local_hub, tiny_gpt2, waits, status, header, expected):
    local_hub.add(REPO, tiny_gpt2)
    local_hub.fault(WEIGHTS, status=status, times=2, retry_after=header)
    info = downloads.download(REPO)
    assert (info.path / WEIGHTS).read_bytes() == local_hub.repos[REPO].files[WEIGHTS]
    answered = [r.status for r in local_hub.log if r.method == "GET" and WEIGHTS in r.path and r.server == "storage"]
    assert answered.count(200) == 1
    backoff = [hub_module.RETRY_DELAY, 2 * hub_module.RETRY_DELAY]
    assert waits == ([expected, expected] if expected is not None else backoff)


def test_a_server_that_stays_busy_ends_with_a_sentence(home, local_hub, tiny_gpt2, waits):
    local_hub.add(REPO, tiny_gpt2)
    local_hub.fault(WEIGHTS, status=503, retry_after="1")
    with pytest.raises(ModelDeskError, match=f"^The hub answered 503 for '{REPO}'; try again later"):
        downloads.download(REPO)
    assert len(waits) == hub_module.RETRIES - 1


def test_sharded_weights_come_from_the_index_each_once(home, local_hub, tiny_gpt2):
    tensors = load_file(str(tiny_gpt2 / WEIGHTS))
    names = sorted(tensors)
    halves = {"model-00001-of-00002.safetensors": names[::2], "model-00002-of-00002.safetensors": names[1::2]}
    scratch = home.parent / "shards"
    scratch.mkdir()
    files = {p.name: p.read_bytes() for p in tiny_gpt2.iterdir() if p.is_file() and p.name != WEIGHTS}
    for shard, keys in halves.items():
        save_file({k: tensors[k] for k in keys}, str(scratch / shard))
        files[shard] = (scratch / shard).read_bytes()
    index = {"metadata": {"total_size": 0}, "weight_map": {k: s for s, keys in halves.items() for k in keys}}
    files["model.safetensors.index.json"] = json.dumps(index).encode()
    files["consolidated.safetensors"] = (tiny_gpt2 / WEIGHTS).read_bytes()   # the same weights in one file
    local_hub.add(REPO, files)
    info = downloads.download(REPO)
    assert local_hub.gets("consolidated.safetensors") == [] and not (info.path / "consolidated.safetensors").exists()
    for name in [*halves, "model.safetensors.index.json"]:
        assert len(local_hub.gets(name)) == 1, name
        assert (info.path / name).read_bytes() == files[name]
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(info.path, local_files_only=True)   # the shards make the model
    assert sum(p.numel() for p in model.parameters()) > 0


def test_without_an_index_only_the_single_file_from_pretrained_reads(home, local_hub, tiny_gpt2):
    files = {p.name: p.read_bytes() for p in tiny_gpt2.iterdir() if p.is_file()}
    files["consolidated.safetensors"] = files[WEIGHTS]
    local_hub.add(REPO, files)
    info = downloads.download(REPO)
    assert local_hub.gets("consolidated.safetensors") == [] and len(local_hub.gets(WEIGHTS)) == 1
    assert (info.path / WEIGHTS).is_file()


def test_an_index_naming_a_missing_shard_is_refused(home, local_hub, tiny_gpt2):
    files = {p.name: p.read_bytes() for p in tiny_gpt2.iterdir() if p.is_file()}
    files["model.safetensors.index.json"] = json.dumps({"weight_map": {"w": "model-00009.safetensors"}}).encode()
    local_hub.add(REPO, files)
    with pytest.raises(ModelDeskError, match="lists model-00009.safetensors in its model.safetensors.index.json"):
        downloads.download(REPO)
    assert local_hub.gets(WEIGHTS) == []
