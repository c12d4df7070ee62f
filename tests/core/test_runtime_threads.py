"""The thread count asked of the process (--threads, the Threads setting) sizes ONNX Runtime's sessions too."""
from __future__ import annotations

import os

import pytest

from models.core import runtime


def identity_graph(path) -> str:
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9   # what every ONNX Runtime reads
    onnx.save(model, str(path))
    return str(path)


def test_an_asked_thread_count_sizes_onnx_runtime_sessions(tmp_path, monkeypatch: pytest.MonkeyPatch):
    import torch

    graph = identity_graph(tmp_path / "identity.onnx")
    before = torch.get_num_threads()
    monkeypatch.delenv("MODELDESK_THREADS", raising=False)
    try:
        runtime.set_threads(1)
        assert runtime.ort_session(graph).get_session_options().intra_op_num_threads == 1
        assert runtime.ort_session(graph, threads=2).get_session_options().intra_op_num_threads == 2
        runtime.set_threads(None)   # every core, for torch and ONNX Runtime alike
        assert runtime.ort_session(graph).get_session_options().intra_op_num_threads == (os.cpu_count() or 1)
        monkeypatch.setenv("MODELDESK_THREADS", "1")
        runtime.set_threads(None)
        assert runtime.ort_session(graph).get_session_options().intra_op_num_threads == 1
    finally:
        runtime.set_threads(before)
