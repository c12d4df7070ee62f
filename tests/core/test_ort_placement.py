"""Where ONNX Runtime placed a quantized model's nodes, read from a real profiled CPU session, and the
decision built on it: INT8 operators on the CPU of a GPU session are said, in one sentence, and an export
made where CUDA runs records it for the pages to offer fp32 instead."""
from __future__ import annotations

import json
import shutil
import sys
import types

import numpy as np
import pytest
import torch
from safetensors.numpy import save_file

from models.core import export_dirs, exports, ort_placement, store
from models.core.ort_placement import CPU, Placement, int8_on_cpu_note, placements, summary

CUDA = "CUDAExecutionProvider"


@pytest.fixture(scope="module")
def int8_model(tmp_path_factory):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder = tmp_path_factory.mktemp("placement")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4)).eval()
    torch.onnx.export(net, (torch.zeros(2, 16),), folder / "fp32.onnx", input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}}, dynamo=False)
    quantize_dynamic(str(folder / "fp32.onnx"), str(folder / "int8.onnx"), weight_type=QuantType.QInt8)
    return folder


def test_a_real_session_reports_every_node_and_its_provider(int8_model):
    placed = placements(int8_model / "int8.onnx", [CPU])
    assert placed and {p.provider for p in placed} == {CPU}
    assert {p.op for p in placed} & ort_placement.QUANTIZED_OPS   # the INT8 arithmetic is among them
    assert "Relu" in {p.op for p in placed}
    fp32 = placements(int8_model / "fp32.onnx", [CPU])
    assert not {p.op for p in fp32} & ort_placement.QUANTIZED_OPS
    assert summary(placed).startswith("CPU ") and "INT8:" in summary(placed) and "INT8" not in summary(fp32)


def test_int8_on_the_cpu_of_a_gpu_session_is_said(int8_model):
    placed = placements(int8_model / "int8.onnx", [CPU])   # what CUDA leaves to the CPU looks like this
    note = int8_on_cpu_note(placed, "cuda")
    quantized = [p for p in placed if p.op in ort_placement.QUANTIZED_OPS]
    assert note.startswith(f"{len(quantized)} of {len(quantized)} INT8 operators would run on the CPU")
    assert "ONNX fp32 or PyTorch" in note
    assert int8_on_cpu_note(placed, "cpu") is None   # the CPU was asked for


def test_int8_kept_on_the_gpu_needs_no_word():
    placed = [Placement("q", "MatMulInteger", CUDA), Placement("d", "DynamicQuantizeLinear", CUDA),
              Placement("copy", "MemcpyToHost", CPU)]
    assert int8_on_cpu_note(placed, "cuda") is None
    placed.append(Placement("q2", "DynamicQuantizeLinear", CPU))
    assert int8_on_cpu_note(placed, "cuda").startswith("1 of 3 INT8 operators would run on the CPU")


def as_on_cuda(trace: list[dict]) -> list[dict]:
    """A real CPU trace with every node but the INT8 arithmetic moved to CUDA: what ONNX Runtime's CUDA
    provider records for a dynamically quantized graph, whose INT8 kernels it lacks."""
    moved = json.loads(json.dumps(trace))
    for event in moved:
        args = event.get("args") or {}
        if event.get("cat") == "Node" and args.get("provider") \
                and args.get("op_name") not in ort_placement.QUANTIZED_OPS:
            args["provider"] = CUDA
    return moved


def test_a_recorded_cuda_trace_is_read_node_by_node(int8_model):
    trace = as_on_cuda(ort_placement.profile_trace(int8_model / "int8.onnx", [CPU]))
    placed = ort_placement.read_trace(trace)
    assert {p.node for p in placed} == {p.node for p in placements(int8_model / "int8.onnx", [CPU])}
    assert {p.provider for p in placed if p.op == "Relu"} == {CUDA}
    assert {p.provider for p in placed if p.op in ort_placement.QUANTIZED_OPS} == {CPU}
    assert "CUDA " in summary(placed) and int8_on_cpu_note(placed, "cuda")


@pytest.fixture
def exported_on_cuda(int8_model, tmp_path, monkeypatch):
    """A model folder whose (stand-in) exporter writes a real INT8 graph, on a machine whose CUDA run
    is the recorded trace: ``cuda_trace`` is the one call that needs the GPU."""
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"]}))
    save_file({"w": np.zeros(1, np.float32)}, str(folder / "model.safetensors"))
    (folder / "tokenizer.json").write_text("{}")

    def export(model, quantize=True, device="auto", backend="torch", allow_pickle=False, progress=None, cancel=None):
        target = export_dirs.onnx_dir(model)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(int8_model / "fp32.onnx", target / "model.onnx")
        if quantize:
            shutil.copyfile(int8_model / "int8.onnx", target / "model_int8.onnx")
        return {"set": "x", "fp32": {}, **({"int8": {}} if quantize else {})}

    module = types.ModuleType("placement_exporter")
    module.export = export
    monkeypatch.setitem(sys.modules, "placement_exporter", module)
    monkeypatch.setitem(exports.EXPORTERS, "generate", "placement_exporter:export")
    recorded = as_on_cuda(ort_placement.profile_trace(int8_model / "int8.onnx", [CPU]))
    traced = []
    monkeypatch.setattr(ort_placement, "cuda_trace", lambda path: traced.append(path.name) or recorded)
    return folder, traced


def test_an_export_where_cuda_runs_records_int8_on_the_cpu(exported_on_cuda):
    folder, traced = exported_on_cuda
    exports.export_model(folder)
    assert traced == ["model_int8.onnx"]   # the INT8 graph only: fp32 runs every node on CUDA
    placement = store.inspect(folder).manifest["placement"]
    assert placement["device"] == "cuda"
    assert list(placement["int8_on_cpu"]) == ["model_int8.onnx"]
    assert "INT8 operators would run on the CPU" in placement["int8_on_cpu"]["model_int8.onnx"]
    exports.export_model(folder, quantize=False)   # no INT8 file now: nothing left to warn about
    assert "placement" not in store.inspect(folder).manifest


def test_the_cli_export_says_int8_would_run_on_the_cpu_of_this_gpu(exported_on_cuda, capsys):
    from main import main

    folder, _ = exported_on_cuda
    assert main(["models", "export-onnx", str(folder)]) == 0
    said = [line for line in capsys.readouterr().out.splitlines() if line.startswith("On this machine's GPU")]
    assert len(said) == 1 and said[0].startswith("On this machine's GPU, model_int8.onnx: ")
    assert "INT8 operators would run on the CPU" in said[0] and "choose ONNX fp32 or PyTorch" in said[0]


def test_no_cuda_or_a_failed_check_records_nothing_and_the_export_stands(exported_on_cuda, monkeypatch):
    folder, _ = exported_on_cuda
    monkeypatch.setattr(ort_placement, "cuda_trace", lambda path: None)   # this ONNX Runtime has no CUDA
    assert exports.export_model(folder)["int8"] == {}
    assert "placement" not in store.inspect(folder).manifest

    def broken(path):
        raise RuntimeError("CUDA driver version is insufficient")

    monkeypatch.setattr(ort_placement, "cuda_trace", broken)
    assert exports.export_model(folder)["int8"] == {}
    assert "placement" not in store.inspect(folder).manifest


def test_onnx_runtime_listing_cuda_without_a_gpu_is_no_placement_check(int8_model, monkeypatch):
    """onnxruntime-gpu lists CUDA on a machine with no GPU; its session then runs on the CPU, which must
    not read as "the INT8 nodes fall back" (it told CPU users to pick fp32 "for this GPU")."""
    import onnxruntime

    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: [CUDA, CPU])
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert ort_placement.cuda_trace(int8_model / "int8.onnx") is None
    assert ort_placement.cuda_int8_placement(int8_model) is None
