"""The causal LM on ONNX Runtime: export, parity in the manifest, the backends, and their errors."""
from __future__ import annotations

import shutil

import pytest

from models.core import export_dirs, store
from models.core.events import ModelDeskError, Progress
from models.core.exports import export_model
from models.generate import generator
from models.generate.generator import generate
from models.core.onnx_tools import compare_sequences
from models.generate.onnx_export import onnx_paths

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def exported_gpt2(tiny_gpt2, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lm-export") / "gpt2"
    shutil.copytree(tiny_gpt2, folder)
    events = []
    parity = export_model(folder, progress=events.append)
    return folder, parity, events


def test_export_records_greedy_parity(exported_gpt2):
    folder, parity, events = exported_gpt2
    assert all(path.is_file() for path in onnx_paths(folder))
    assert store.read_manifest(folder)["parity"] == parity
    assert parity["tokens"] == 32 and "greedy" in parity["set"]
    assert parity["fp32"] == {"sequences_equal_pct": 100.0, "mean_common_prefix": 32.0}
    assert parity["int8"]["sequences_equal_pct"] == parity["int8"]["vs_fp32_sequences_equal_pct"] == 100.0
    assert [e.done for e in events if isinstance(e, Progress)] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("backend", ["onnx-fp32", "onnx-int8"])
def test_onnx_backends_decode_like_torch(exported_gpt2, backend):
    folder, _, _ = exported_gpt2
    lm = generator.load(folder, backend=backend)
    assert lm.backend == backend and lm.max_positions == generator.load(folder).max_positions
    want = generate(folder, "the film", max_new_tokens=20, temperature=0)
    assert generate(folder, "the film", max_new_tokens=20, temperature=0, backend=backend) == want
    sampled = dict(max_new_tokens=10, temperature=1.0, top_k=0, top_p=1.0, seed=5)
    assert generate(folder, "hello", backend=backend, **sampled) == generate(folder, "hello", backend=backend,
                                                                             **sampled)


def test_a_backend_without_its_export_says_so(tiny_gpt2, exported_gpt2, tmp_path):
    with pytest.raises(ModelDeskError, match="has no ONNX fp32 export yet: export it on the Models page"):
        generate(tiny_gpt2, "x", backend="onnx-fp32")
    folder = tmp_path / "fp32-only"
    shutil.copytree(exported_gpt2[0], folder)
    shutil.copytree(export_dirs.export_dir(exported_gpt2[0]), export_dirs.export_dir(folder))   # its export too
    onnx_paths(folder)[1].unlink()
    with pytest.raises(ModelDeskError, match="has no ONNX INT8 export yet"):
        generate(folder, "x", backend="onnx-int8")
    assert generate(folder, "the", max_new_tokens=3, temperature=0, backend="onnx-fp32") == \
        generate(folder, "the", max_new_tokens=3, temperature=0)
    with pytest.raises(ModelDeskError, match="Unknown backend"):
        generate(folder, "x", backend="tensorrt")


def test_compare_sequences():
    assert compare_sequences([[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 9, 6]]) == \
        {"sequences_equal_pct": 50.0, "mean_common_prefix": 2.0}
    assert compare_sequences([[1, 2, 3]], [[1, 2]]) == {"sequences_equal_pct": 0.0, "mean_common_prefix": 2.0}
