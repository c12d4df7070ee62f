"""The translator on ONNX Runtime: export, parity, both backends agreeing, and the search rules."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from models.core import export_dirs, store
from models.core.events import ModelDeskError
from models.core.exports import export_model
from models.translate import int8_choice, translator
from models.translate.ort_runner import onnx_paths
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
    assert parity["fp32"] == {"sequences_equal_pct": 100.0, "mean_common_prefix": 16.0, "token_agreement_pct": 100.0}
    assert parity["int8"]["sequences_equal_pct"] == 100.0
    # the recipe kept and its agreement on the choice sentences sit beside the reported parity
    assert parity["int8"]["recipe"] in [recipe.words() for recipe in int8_choice.RECIPES]
    assert parity["int8"]["choice_agreement_pct"] >= int8_choice.MIN_AGREEMENT_PCT


def test_int8_recipe_is_the_first_that_keeps_the_tokens(monkeypatch, tmp_path):
    written = []
    monkeypatch.setattr(int8_choice, "quantize", lambda recipe, *a: written.append(recipe))
    tokens = {int8_choice.RECIPES[0]: [[1, 2, 3, 4]], int8_choice.RECIPES[1]: [[1, 2, 3, 5]],
              int8_choice.RECIPES[2]: [[1, 2, 3, 4]]}
    sources, targets = (tmp_path / "e", tmp_path / "d"), (tmp_path / "e8", tmp_path / "d8")

    def greedy(paths):   # fp32 says 1 2 3 4; each recipe as the table says, the last one written decides
        return [[1, 2, 3, 4]] if paths == sources else tokens[written[-1]]

    tokens[int8_choice.RECIPES[0]] = [[1, 2, 9, 9]]
    got = int8_choice.choose(sources, targets, 10, greedy, lambda: None)
    assert written == list(int8_choice.RECIPES[:3])        # stopped at the first recipe that keeps every token
    assert got == {"recipe": int8_choice.RECIPES[2].words(), "choice_agreement_pct": 100.0}
    written.clear()
    tokens.update({r: [[1, 2, 3, 9]] for r in int8_choice.RECIPES[2:]})
    tokens[int8_choice.RECIPES[1]] = [[1, 2, 3, 5]]
    tokens[int8_choice.RECIPES[0]] = [[1, 9, 9, 9]]
    got = int8_choice.choose(sources, targets, 10, greedy, lambda: None)
    # none keeps them all: the closest (75 %, the first of the ties) is written again and kept
    assert written == [*int8_choice.RECIPES, int8_choice.RECIPES[1]]
    assert got == {"recipe": int8_choice.RECIPES[1].words(), "choice_agreement_pct": 75.0}


def test_int8_recipes_quantize_the_output_layer_or_keep_it_fp32(exported_marian, tmp_path):
    """The per-channel recipe turns every product on a weight and every lookup table into int8, the
    vocabulary-wide output layer included (the decoder graph gives it its own constant weight); the
    fp32-head recipe leaves that one."""
    import onnx

    folder, _ = exported_marian
    sources = onnx_paths(folder, "fp32")
    vocab = next(i.type.tensor_type.shape.dim[0].dim_value for i in onnx.load(str(sources[1])).graph.input
                 if i.name == "bias")
    targets = (tmp_path / "encoder.onnx", tmp_path / "decoder.onnx")

    def fp32_products(path):
        graph = onnx.load(str(path)).graph
        weights = {init.name: init for init in graph.initializer}
        return [tuple(weights[n.input[1]].dims) for n in graph.node if n.op_type == "MatMul" and n.input[1] in weights]

    def fp32_tables(path):
        graph = onnx.load(str(path)).graph
        floats = {i.name for i in graph.initializer if i.data_type == onnx.TensorProto.FLOAT and len(i.dims) == 2}
        return [n.input[0] for n in graph.node if n.op_type == "Gather" and n.input[0] in floats]

    assert fp32_tables(sources[0]) and fp32_tables(sources[1])   # the token lookups, before
    int8_choice.quantize(int8_choice.Recipe(), sources, targets, vocab)
    assert fp32_products(targets[0]) == [] and fp32_products(targets[1]) == []
    assert fp32_tables(targets[0]) == [] and fp32_tables(targets[1]) == []
    int8_choice.quantize(int8_choice.Recipe(fp32_head=True), sources, targets, vocab)
    assert fp32_products(targets[0]) == []
    assert [dims[-1] for dims in fp32_products(targets[1])] == [vocab]


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


class ToyModel:
    """A 'network' whose next-token log-probabilities depend only on the last token (rows of ``table``); it
    counts the rows it steps, so a test sees finished sentences leave the batch."""
    top = 4

    def __init__(self, table: np.ndarray, suppress: frozenset = frozenset()) -> None:
        self.table, self.suppress, self.rows = np.log(table), suppress, []

    def start(self, ids, mask):
        return np.arange(ids.shape[0])

    def step(self, state, tokens):
        self.rows.append(len(tokens))
        scores = self.table[tokens[:, -1]].copy()
        scores[:, list(self.suppress)] = -np.inf
        ids = np.argsort(-scores, axis=1, kind="stable")[:, :self.top]
        return np.take_along_axis(scores, ids, 1), ids, state

    def keep(self, state, rows):
        return state[rows]


def test_search_rules():
    # tokens: 0 start, 1 end, 2 pad, 3 and 4 words; 4 is likelier first, but 3 then the end is the better whole
    table = np.array([[0.0, 0.0, 0.5, 0.2, 0.3], [0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0],
                      [0.0, 0.9, 0.0, 0.05, 0.05], [0.0, 0.5, 0.0, 0.1, 0.4]]) + 1e-9
    ids, mask = np.ones((1, 3), np.int64), np.ones((1, 3), np.int64)
    rules = Rules(start_id=0, eos_ids=frozenset({1}), suppress=frozenset({2}), forced_eos=1)
    net = ToyModel(table, rules.suppress)
    assert search(net, ids, mask, rules, 1, 4) == [[4, 1]]             # greedy; pad never comes out
    assert search(net, ids, mask, rules, 2, 4) == [[3, 1]]             # a beam finds the better whole
    assert search(net, ids, mask, rules, 1, 4, forced_bos=3) == [[3, 1]]
    assert search(net, ids, mask, rules, 2, 1) == [[1]]                # the end forced at the last step
    loose = Rules(start_id=0, eos_ids=frozenset({1}))
    assert search(ToyModel(table), ids, mask, loose, 1, 3) == [[2, 2, 2]]  # no suppression, no forced end
    assert search(net, np.ones((3, 2), np.int64), np.ones((3, 2), np.int64), rules, 2, 4) == [[3, 1]] * 3


def test_finished_sentences_leave_the_batch():
    # token 3 ends at once (then the end), token 4 loops on itself: a forced first token picks each row's fate
    table = np.full((5, 5), 1e-9)
    table[0, 3], table[3, 1], table[4, 4], table[1, 1], table[2, 2] = 1.0, 1.0, 1.0, 1.0, 1.0
    rules = Rules(start_id=0, eos_ids=frozenset({1}))
    net = ToyModel(table)
    ids = np.ones((2, 2), np.int64)
    out = search(net, ids, ids, rules, 1, 5)
    assert out == [[3, 1], [3, 1]] and net.rows == [2, 2]             # both end at the second step
    table[0, 4], table[0, 3] = 1.0, 1e-9                               # now both loop to the limit
    net = ToyModel(table)
    assert search(net, ids, ids, rules, 1, 5) == [[4] * 5] * 2 and net.rows == [2] * 5
    # one sentence done after two steps, the other runs on alone: the batch shrinks to its rows
    mixed = ToyModel(table)
    mixed.start = lambda i, m: np.arange(2)
    real_step = mixed.step

    def step(state, tokens):
        scores, got, state = real_step(state, tokens)
        if len(mixed.rows) == 1:   # first step: the first sentence takes 3, the second 4
            got[0, 0], got[1, 0] = 3, 4
        return scores, got, state

    mixed.step = step
    assert search(mixed, ids, ids, rules, 1, 5) == [[3, 1], [4, 4, 4, 4, 4]]
    assert mixed.rows == [2, 2, 1, 1, 1]
    beams = ToyModel(table)
    search(beams, ids, ids, Rules(start_id=0, eos_ids=frozenset({1}), early_stopping=True), 2, 5)
    assert beams.rows[0] == 4 and all(r == 4 for r in beams.rows)      # 2 sentences x 2 beams, to the end


def test_too_many_beams_for_the_graph_says_so():
    net = ToyModel(np.ones((5, 5)))
    ids = np.ones((1, 2), np.int64)
    with pytest.raises(ModelDeskError, match="at most 2 beams: choose a smaller beam size"):
        search(net, ids, ids, Rules(start_id=0, eos_ids=frozenset({1})), 3, 4)
