"""The quantization recipes on graphs shaped like the tied weights the exporters meet."""
from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from models.core.quantization import dynamic_int8, weight_only_int8

VOCAB, WIDTH = 512, 256


def tied_head_graph(path) -> np.ndarray:
    """ids -> Gather(table) -> MatMul(Transpose(table)): how a large GPT-2 or Marian exports its head
    (the exporter folds the Transpose of small weights itself, so the test models never show it)."""
    table = np.random.default_rng(0).standard_normal((VOCAB, WIDTH)).astype(np.float32) * 0.05
    nodes = [helper.make_node("Gather", ["table", "ids"], ["hidden"]),
             helper.make_node("Transpose", ["table"], ["table_t"], perm=[1, 0]),
             helper.make_node("MatMul", ["hidden", "table_t"], ["logits"])]
    graph = helper.make_graph(nodes, "tied", [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, None])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, None, VOCAB])],
                              [numpy_helper.from_array(table, "table")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=10), str(path))
    return table


def test_a_tied_output_projection_is_quantized_and_the_lookup_keeps_its_table(tmp_path):
    table = tied_head_graph(tmp_path / "fp32.onnx")
    weight_only_int8(tmp_path / "fp32.onnx", tmp_path / "int8.onnx")
    graph = onnx.load(str(tmp_path / "int8.onnx")).graph
    assert sorted(n.op_type for n in graph.node) == ["Gather", "MatMulNBits"]
    assert [n.input[0] for n in graph.node if n.op_type == "Gather"] == ["table"]
    ids = np.array([[3, 77, 400]], dtype=np.int64)
    logits = ort.InferenceSession(str(tmp_path / "int8.onnx"), providers=["CPUExecutionProvider"]).run(
        None, {"ids": ids})[0]
    expected = table[ids[0]] @ table.T
    assert np.abs(logits[0] - expected).max() < 0.02 * np.abs(expected).max()
    assert (logits[0].argmax(-1) == expected.argmax(-1)).all()


def test_dynamic_int8_unties_a_lookup_that_the_quantized_product_shares(tmp_path):
    """Whisper's head is its token table read as [vocab, width] by a Gather and by MatMul(x, table^T)
    (exported here as a Gemm with transB): the quantized product must not leave the lookup reading a
    transposed or integer table."""
    table = np.random.default_rng(1).standard_normal((VOCAB, WIDTH)).astype(np.float32) * 0.05
    nodes = [helper.make_node("Gather", ["table", "ids"], ["hidden"]),
             helper.make_node("Gemm", ["hidden", "table"], ["logits"], transB=1)]
    graph = helper.make_graph(nodes, "tied", [helper.make_tensor_value_info("ids", TensorProto.INT64, [None])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [None, VOCAB])],
                              [numpy_helper.from_array(table, "table")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=10),
              str(tmp_path / "fp32.onnx"))
    dynamic_int8(tmp_path / "fp32.onnx", tmp_path / "int8.onnx", ("MatMul", "Gemm"), untie_lookups=True)
    quantized = onnx.load(str(tmp_path / "int8.onnx")).graph
    lookup = next(n for n in quantized.node if n.op_type == "Gather")
    stored = {init.name: numpy_helper.to_array(init) for init in quantized.initializer}
    assert np.array_equal(stored[lookup.input[0]], table)
    assert any(n.op_type in ("MatMulInteger", "DynamicQuantizeMatMul", "QGemm") or "Integer" in n.op_type
               for n in quantized.node), [n.op_type for n in quantized.node]
    ids = np.array([3, 77, 400], dtype=np.int64)
    logits = ort.InferenceSession(str(tmp_path / "int8.onnx"), providers=["CPUExecutionProvider"]).run(
        None, {"ids": ids})[0]
    expected = table[ids] @ table.T
    assert np.abs(logits - expected).max() < 0.02 * np.abs(expected).max()
