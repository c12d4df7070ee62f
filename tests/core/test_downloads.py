"""Downloads from a real HTTP hub on 127.0.0.1: byte progress, resume after a dropped connection and after
Stop, checksums, the disk-space check, same-name refusals, pickle consent and the hub's errors."""
from __future__ import annotations

import json

import pytest

from models.core import downloads, paths, store
from models.core.downloads import ByteMeter, PartialDownload
from models.core.events import Cancelled, CancelToken, ModelDeskError, Progress

REPO = "org/tiny-gpt"
WEIGHTS = "model.safetensors"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    return tmp_path / "home"


@pytest.fixture
def hub(local_hub, tiny_gpt2):
    """The tiny GPT-2 served as org/tiny-gpt (its weights as an LFS file on the storage server)."""
    local_hub.add(REPO, tiny_gpt2)
    return local_hub


def partial_folder():
    return paths.models_dir() / downloads.PARTIAL / "tiny-gpt"


def test_a_download_reports_bytes_rising_to_the_total_and_lists_the_model_when_complete(home, hub, tiny_gpt2):
    served = hub.repos[REPO].files
    events: list[Progress] = []
    info = downloads.download(REPO, progress=events.append)
    done = [e.done for e in events]
    assert done == sorted(done) and len(done) >= 4
    assert done[-1] == sum(len(data) for data in served.values())
    assert {e.total for e in events} == {done[-1]}
    assert any("/s ·" in e.message and "left" in e.message for e in events[1:-1])   # speed and time left
    assert (info.name, info.task, info.source) == ("tiny-gpt", "generate", "app")
    assert {p: (info.path / p).read_bytes() for p in served} == served
    manifest = store.read_manifest(info.path)
    assert (manifest["source"], manifest["task"]) == (f"hub:{REPO}", "generate")
    assert [m.name for m in store.list_models("generate")] == ["tiny-gpt"]
    assert not partial_folder().exists() and downloads.partial_downloads() == []


def test_a_connection_dropped_half_way_resumes_and_fetches_no_byte_twice(home, hub):
    weights = hub.repos[REPO].files[WEIGHTS]
    half = len(weights) // 2
    hub.fault(WEIGHTS, drop_at=0.5)
    info = downloads.download(REPO)
    first, second = hub.gets(WEIGHTS)
    assert (first.range, first.status, first.sent) == (None, 200, half)
    assert (second.range, second.status, second.sent) == (f"bytes={half}-", 206, len(weights) - half)
    assert (info.path / WEIGHTS).read_bytes() == weights


def test_a_corrupted_byte_is_caught_the_model_not_listed_and_only_that_file_fetched_again(home, hub):
    hub.fault(WEIGHTS, corrupt_at=100)
    with pytest.raises(ModelDeskError) as failure:
        downloads.download(REPO)
    message = str(failure.value)
    assert message.startswith(f"{WEIGHTS} of {REPO} arrived damaged: its sha256 does not match what the hub lists")
    assert "\n" not in message and "press Download again" in message
    assert store.list_models() == [] and not (paths.models_dir() / "tiny-gpt").exists()
    kept = sorted(p.name for p in partial_folder().iterdir())
    assert WEIGHTS not in kept and f"{WEIGHTS}.part" not in kept and "config.json" in kept

    del hub.faults[WEIGHTS]
    info = downloads.download(REPO)
    assert (info.path / WEIGHTS).read_bytes() == hub.repos[REPO].files[WEIGHTS]
    assert len(hub.gets("config.json")) == 1 and len(hub.gets(WEIGHTS)) == 2


def test_stop_during_a_file_leaves_a_partial_that_the_next_download_resumes(home, hub):
    files = hub.repos[REPO].files
    weights = files[WEIGHTS]
    total = sum(len(data) for data in files.values())
    hub.fault(WEIGHTS, delay=0.05)
    token = CancelToken()

    def stop_inside_the_weights(event: Progress) -> None:
        if total - len(weights) < event.done < total:
            token.cancel()

    with pytest.raises(Cancelled):
        downloads.download(REPO, progress=stop_inside_the_weights, cancel=token)
    part = partial_folder() / f"{WEIGHTS}.part"
    kept = part.stat().st_size
    assert 0 < kept < len(weights)
    assert part.read_bytes() == weights[:kept]
    assert store.list_models() == []
    assert downloads.partial_downloads() == [PartialDownload("tiny-gpt", REPO, total - len(weights) + kept, total)]

    hub.faults[WEIGHTS].delay = 0
    events: list[Progress] = []
    info = downloads.download(REPO, progress=events.append)
    assert events[0].done == total - len(weights) + kept and "already here" in events[0].message
    resumed = hub.gets(WEIGHTS)[-1]
    assert (resumed.range, resumed.sent) == (f"bytes={kept}-", len(weights) - kept)
    assert len(hub.gets("config.json")) == 1
    assert (info.path / WEIGHTS).read_bytes() == weights


def test_a_disk_space_shortfall_is_refused_before_any_byte_is_written(home, hub):
    hub.fault(WEIGHTS, listed_size=2**60)   # more than any disk holds
    with pytest.raises(ModelDeskError, match=rf"^Not enough disk space for {REPO}: it needs .+ more and the disk "
                                             r"holding .+ has .+ free\.$"):
        downloads.download(REPO)
    assert [r.path for r in hub.log if "/api/models/" not in r.path] == []   # no file was even asked for
    assert list(paths.models_dir().iterdir()) == []


def test_a_same_name_download_is_refused_unless_confirmed(home, hub, tiny_gpt2):
    downloads.download(REPO)
    asked = len(hub.log)
    with pytest.raises(ModelDeskError) as refusal:
        downloads.download(REPO)
    assert str(refusal.value) == ("A model named 'tiny-gpt' already exists; choose another name or allow replacing "
                                  "it (models download --force).")
    with pytest.raises(ModelDeskError, match="A model named 'tiny-gpt' already exists"):
        downloads.download("other/whatever", name="tiny-gpt")
    assert len(hub.log) == asked   # refused before the network

    config = json.loads((tiny_gpt2 / "config.json").read_text())
    hub.add("other/tiny-gpt", {**hub.repos[REPO].files, "config.json": json.dumps({**config, "n_ctx": 99}).encode()})
    hub.fault(WEIGHTS, status=500)
    with pytest.raises(ModelDeskError, match="The hub answered 500 for 'other/tiny-gpt'"):
        downloads.download("other/tiny-gpt", overwrite=True)
    old = paths.models_dir() / "tiny-gpt"
    assert store.read_manifest(old)["source"] == f"hub:{REPO}"   # a failed replacement keeps the old model
    del hub.faults[WEIGHTS]
    info = downloads.download("other/tiny-gpt", overwrite=True)
    assert info.path == old and store.read_manifest(old)["source"] == "hub:other/tiny-gpt"
    assert json.loads((old / "config.json").read_text())["n_ctx"] == 99


def test_a_logged_in_token_goes_to_the_hub_and_never_to_the_storage_server(home, hub, monkeypatch):
    monkeypatch.setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")   # as the app runs
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    downloads.download(REPO)
    seen = {(r.server, r.authorization) for r in hub.log}
    assert seen == {("hub", "Bearer hf_test_token"), ("storage", None)}


def test_pickle_weights_only_with_consent(home, local_hub, tiny_gpt2):
    config = (tiny_gpt2 / "config.json").read_bytes()
    local_hub.add("org/old-gpt", {"config.json": config, "pytorch_model.bin": b"\x80pickle" * 50})
    with pytest.raises(ModelDeskError, match=r"^'org/old-gpt' has only pickle weights \(pytorch_model.bin\), which "
                                             r"can run code when loaded; allow pickle checkpoints"):
        downloads.download("org/old-gpt")
    assert local_hub.gets("config.json") == []
    info = downloads.download("org/old-gpt", allow_pickle=True)
    assert (info.weights, info.task) == ("pickle", "generate")


@pytest.mark.parametrize("case, message", [
    ("missing", "There is no model 'org/missing' on the hub (or it is private)."),
    ("api-500", f"The hub answered 500 for '{REPO}'; try again later"),
    ("not-a-model", "'org/photos' has no config.json, so it is not a model in Hugging Face layout."),
    ("bad-id", "'org/a/b' is not a hub repository id (like owner/name)."),
])
def test_the_hubs_errors_are_one_clear_sentence(home, hub, case, message):
    hub.add("org/photos", {"cat.safetensors": b"x" * 10, "README.md": b"cats"})
    if case == "api-500":
        hub.api_status = 500
    repo = {"missing": "org/missing", "api-500": REPO, "not-a-model": "org/photos", "bad-id": "org/a/b"}[case]
    with pytest.raises(ModelDeskError) as failure:
        downloads.download(repo)
    assert str(failure.value).startswith(message) and "\n" not in str(failure.value)
    assert list(paths.models_dir().iterdir()) == []


def test_the_byte_meter_says_speed_and_time_left():
    now = [0.0]
    events: list[Progress] = []
    meter = ByteMeter(10_000_000, 0, events.append, "Downloading org/x", clock=lambda: now[0])
    for _ in range(2):
        now[0] += 1.0
        meter.add(1_000_000)
    assert events[-1] == Progress(2_000_000, 10_000_000, "Downloading org/x: 2.0 MB of 10 MB · 1.0 MB/s · 8 s left")
