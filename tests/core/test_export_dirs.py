"""Exports go under the app's data folder: a Hugging Face cache snapshot and a folder imported by
reference stay byte for byte as they were (contents and modification times), the export is found
again, and deleting (forgetting) the model deletes its exports."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.classify.classifier import classify_texts
from models.core import export_dirs, exports, paths, store

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder``: kind, bytes and modification time (of a link itself and its target)."""
    seen = {}
    for path in sorted(folder.rglob("*")):
        st = os.lstat(path)
        if path.is_symlink():
            seen[str(path)] = ("link", os.readlink(path), st.st_mtime_ns, path.read_bytes(), path.stat().st_mtime_ns)
        elif path.is_dir():
            seen[str(path)] = ("dir", st.st_mtime_ns)
        else:
            seen[str(path)] = ("file", path.read_bytes(), st.st_mtime_ns)
    seen["."] = ("dir", os.stat(folder).st_mtime_ns)
    return seen


def exported_and_untouched(name: str, watched: Path, quantize: bool) -> Path:
    before = snapshot(watched)
    info = store.open_model(name)
    report = exports.export_model(name, quantize=quantize)
    assert snapshot(watched) == before
    info = store.open_model(name)
    assert info.has_onnx and info.manifest["parity"] == report
    assert exports.exported_backends(info) == ({"onnx-fp32", "onnx-int8"} if quantize else {"onnx-fp32"})
    where = export_dirs.onnx_dir(info.path)
    assert where.is_relative_to(paths.home() / "exports") and sorted(p.name for p in where.glob("*.onnx"))
    texts = ["the film was good", "bad plot"]
    torch_labels = [r["label"] for r in classify_texts(name, texts)]
    assert [r["label"] for r in classify_texts(name, texts, backend="onnx-fp32")] == torch_labels
    assert snapshot(watched) == before   # using the export writes nothing there either
    return export_dirs.source_dir(info.path)


def test_a_cached_model_exports_into_the_apps_folder(tmp_path, monkeypatch, local_hub, tiny_text_classifier):
    from huggingface_hub import hf_hub_download

    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    cache = tmp_path / "hf-cache"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    local_hub.add("org/tiny-classifier", tiny_text_classifier)
    for name in local_hub.repos["org/tiny-classifier"].files:
        hf_hub_download("org/tiny-classifier", name, cache_dir=cache, endpoint=local_hub.endpoint)
    assert [m.source for m in store.list_models() if m.name == "org/tiny-classifier"] == ["hf-cache"]
    exported_and_untouched("org/tiny-classifier", cache, quantize=False)


def test_a_referenced_folder_stays_untouched_and_removing_it_removes_its_exports(tmp_path, monkeypatch,
                                                                                   tiny_text_classifier):
    import shutil

    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    mine = Path(shutil.copytree(tiny_text_classifier, tmp_path / "my-models" / "classifier"))
    store.import_folder(mine, name="mine")
    exports_of_mine = exported_and_untouched("mine", mine.parent, quantize=True)
    assert exports_of_mine.is_dir()
    store.remove("mine")
    assert not exports_of_mine.exists() and mine.is_dir()


def test_an_export_of_changed_weights_is_not_used_and_is_replaced(tmp_path, monkeypatch, tiny_text_classifier):
    import shutil

    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    folder = Path(shutil.copytree(tiny_text_classifier, paths.models_dir() / "clf"))
    exports.export_model("clf", quantize=False)
    old = export_dirs.export_dir(folder)
    weights = folder / "model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))   # retrained, say
    info = store.open_model("clf")
    assert not info.has_onnx and "parity" not in info.manifest and exports.exported_backends(info) == set()
    exports.export_model("clf", quantize=False)
    assert store.open_model("clf").has_onnx and not old.exists()   # the stale export is gone
    store.remove("clf")
    assert not export_dirs.source_dir(folder).exists()
