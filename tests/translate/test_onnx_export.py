"""The translator on ONNX Runtime: export, parity, both backends agreeing, and the search rules."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from models.core import export_dirs, store
from models.core.events import ModelDeskError
from models.core.exports import export_model
from models.translate import translator
from models.translate.onnx_export import onnx_paths
from models.translate.search import Rules, search
from models.translate.translator import translate

pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")]
TEXT = "the cat sat on the mat. a dog runs!\n\nhello world how are you today"


@pytest.fixture(scope="module")
def exported_marian(tiny_marian, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mt-export") / "marian"
    shutil.copytree(tiny_marian, folder)
    return folder, export_model(folder)


def test_export_records_greedy_parity(exported_marian):
    folder, parity = exported_marian
    assert all(p.is_file() for kind in ("fp32", "int8") for p in onnx_paths(folder, kind))
    assert store.read_manifest(folder)["parity"] == parity
    assert parity["fp32"] == {"sequences_equal_pct": 100.0, "mean_common_prefix": 16.0}
    assert parity["int8"]["sequences_equal_pct"] == 100.0


@pytest.mark.parametrize("beams", [1, 3])
def test_onnx_translates_like_torch(exported_marian, beams):
    folder, _ = exported_marian
    for backend in ("onnx-fp32", "onnx-int8"):
        assert translator.load(folder, backend=backend).backend == backend
        assert translate(folder, TEXT, beam_size=beams, max_length=8, backend=backend) == \
            translate(folder, TEXT, beam_size=beams, max_length=8), backend


def test_onnx_without_an_export_says_so(tiny_marian, exported_marian, tmp_path):
    with pytest.raises(ModelDeskError, match="has no ONNX fp32 export yet: export it on the Models page"):
        translate(tiny_marian, "hello", backend="onnx-fp32")
    folder = tmp_path / "fp32-only"
    shutil.copytree(exported_marian[0], folder)
    shutil.copytree(export_dirs.export_dir(exported_marian[0]), export_dirs.export_dir(folder))   # its export too
    onnx_paths(folder, "int8")[1].unlink()
    with pytest.raises(ModelDeskError, match="has no ONNX INT8 export yet"):
        translate(folder, "hello", backend="onnx-int8")


def toy_model(table: np.ndarray):
    """A 'model' whose next-token log-probabilities depend only on the last token (rows of ``table``)."""
    def encode(ids, mask):
        shape = (1, ids.shape[0], 1, ids.shape[1], 1)
        return np.zeros(shape, np.float32), np.zeros(shape, np.float32)

    def decode(tokens, mask, keys, values, cross_keys, cross_values):
        grown = np.zeros(keys.shape[:3] + (keys.shape[3] + 1,) + keys.shape[4:], np.float32)
        return np.log(table[tokens[:, -1]]), grown, grown.copy()

    return encode, decode


def test_search_rules():
    # tokens: 0 start, 1 end, 2 pad, 3 and 4 words; 4 is likelier first, but 3 then the end is the better whole
    table = np.array([[0.0, 0.0, 0.5, 0.2, 0.3], [0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0],
                      [0.0, 0.9, 0.0, 0.05, 0.05], [0.0, 0.5, 0.0, 0.1, 0.4]]) + 1e-9
    encode, decode = toy_model(table)
    ids, mask = np.ones((1, 3), np.int64), np.ones((1, 3), np.int64)
    rules = Rules(start_id=0, eos_ids=frozenset({1}), suppress=frozenset({2}), forced_eos=1)
    assert search(encode, decode, ids, mask, rules, 1, 4) == [[4, 1]]             # greedy; pad never comes out
    assert search(encode, decode, ids, mask, rules, 2, 4) == [[3, 1]]             # a beam finds the better whole
    assert search(encode, decode, ids, mask, rules, 1, 4, forced_bos=3) == [[3, 1]]
    assert search(encode, decode, ids, mask, rules, 2, 1) == [[1]]                # the end forced at the last step
    loose = Rules(start_id=0, eos_ids=frozenset({1}))
    assert search(encode, decode, ids, mask, loose, 1, 3) == [[2, 2, 2]]          # no suppression, no forced end
    assert search(encode, decode, np.ones((3, 2), np.int64), np.ones((3, 2), np.int64), rules, 2, 4) == [[3, 1]] * 3
