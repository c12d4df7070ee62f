"""The one export entry point: dispatch by task, calibration only where an exporter takes it, which backends
a folder has (from its manifest), and parity reports in words whatever a task's metric names."""
from __future__ import annotations

import json
import sys
import types

import numpy as np
import pytest
from safetensors.numpy import save_file

from models.core import export_dirs, exports, store
from models.core.events import ModelDeskError
from models.core.parity import format_parity


def _folder(tmp_path, task_arch: str, manifest: dict | None = None, onnx: bool = False):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"architectures": [task_arch]}))
    save_file({"w": np.zeros(1, np.float32)}, str(folder / "model.safetensors"))   # whole, as store checks
    (folder / "tokenizer.json").write_text("{}")   # a text model's folder must have a tokenizer to open
    if manifest is not None:
        store.write_manifest(folder, **manifest)
    if onnx:
        export_dirs.onnx_dir(folder).mkdir(parents=True)
        (export_dirs.onnx_dir(folder) / "model.onnx").write_bytes(b"graph")
    return folder


@pytest.fixture
def fake_exporters(monkeypatch):
    """A generator exporter without a calibration parameter, a classifier exporter with one."""
    calls = []
    module = types.ModuleType("fake_exporters")

    def plain(model, quantize=True, device="auto", backend="torch", allow_pickle=False, progress=None, cancel=None):
        calls.append(("plain", model))
        return {"set": "x", "fp32": {"tokens_equal_pct": 100.0}}

    def calibrated(model, quantize=True, device="auto", backend="torch", allow_pickle=False, calibration=None,
                   progress=None, cancel=None):
        calls.append(("calibrated", calibration))
        return {}

    module.plain, module.calibrated = plain, calibrated
    monkeypatch.setitem(sys.modules, "fake_exporters", module)
    monkeypatch.setitem(exports.EXPORTERS, "generate", "fake_exporters:plain")
    monkeypatch.setitem(exports.EXPORTERS, "classify", "fake_exporters:calibrated")
    return calls


def test_calibration_reaches_only_exporters_that_take_one(tmp_path, fake_exporters):
    gpt = _folder(tmp_path, "GPT2LMHeadModel")
    assert exports.export_model(gpt) == {"set": "x", "fp32": {"tokens_equal_pct": 100.0}}
    with pytest.raises(ModelDeskError, match="Exports of a text generator take no calibration file."):
        exports.export_model(gpt, calibration="data.csv")
    (gpt / "config.json").write_text(json.dumps({"architectures": ["BertForSequenceClassification"]}))
    exports.export_model(gpt, calibration="data.csv")
    assert fake_exporters == [("plain", str(gpt)), ("calibrated", "data.csv")]


def test_a_task_without_an_exporter_says_so(tmp_path, monkeypatch):
    monkeypatch.setitem(exports.EXPORTERS, "generate", "models.generate.no_such_module:export")
    with pytest.raises(ModelDeskError, match="ModelDesk cannot export a text generator to ONNX yet."):
        exports.export_model(_folder(tmp_path, "GPT2LMHeadModel"))


@pytest.mark.parametrize("parity, onnx, expected", [
    ({"set": "s", "fp32": {"a": 1}, "int8": {"a": 1}}, True, {"onnx-fp32", "onnx-int8"}),
    ({"set": "s", "fp32": {"a": 1}}, True, {"onnx-fp32"}),
    ({"set": "s", "fp32": {"a": 1}, "int8": {"a": 1}}, False, set()),   # the files are gone
    (None, True, set()),                                                # an export under way, or failed
])
def test_exported_backends_come_from_the_parity_report(tmp_path, parity, onnx, expected):
    folder = _folder(tmp_path, "GPT2LMHeadModel", {"parity": parity}, onnx=onnx)
    assert exports.exported_backends(store.inspect(folder)) == expected


def test_parity_in_words_for_any_task_s_metrics():
    assert format_parity({"set": "240 validation rows", "fp32": {"agreement_pct": 100.0, "max_prob_diff": 3e-7,
                                                               "f1_macro_delta": 0.0},
                          "int8": {"agreement_pct": 99.58, "max_prob_diff": 0.157, "f1_macro_delta": -0.0012}}) == (
        "ONNX fp32: agreement 100.0%, max |Δp| 3e-07, f1 macro delta ±0; ONNX INT8: agreement 99.6%, "
        "max |Δp| 0.157, f1 macro delta -0.0012 (vs torch, on 240 validation rows)")
    # other tasks' names (greedy tokens, pixels, WER) read as written, numbers kept short
    assert format_parity({"set": "8 prompts × 32 tokens", "int8": {"same_tokens_pct": 87.5, "wer": 0.1384,
                                                                  "max_pixel_diff": 3, "note": "greedy"}}) == (
        "ONNX INT8: same tokens 87.5%, wer 0.138, max pixel difference 3, note greedy (vs torch, on 8 prompts × 32 tokens)")
    # a report written before the schema had a "set"
    assert format_parity({"texts": 42, "fp32": {"max_abs_diff": 3.5e-6, "argmax_agreement_pct": 100.0}}) == (
        "ONNX fp32: max |Δlogit| 3.5e-06, argmax agreement 100.0% (vs torch, on 42 sentences)")
    assert format_parity({}) == "no parity figures recorded"
