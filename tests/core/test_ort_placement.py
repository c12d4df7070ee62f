"""Where ONNX Runtime placed a quantized model's nodes, read from a real profiled CPU session, and the
decision built on it: INT8 operators on the CPU of a GPU session are said, in one sentence."""
from __future__ import annotations

import pytest
import torch

from models.core import ort_placement
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
