"""Structured pruning on a tiny fine-tuned BERT: exactly the requested heads and neurons go, the cut model
is the masked original, it is smaller on disk and loads back through the normal classifier path, and
it stacks with the ONNX + INT8 export."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from models.classify import prune
from models.classify.classifier import Classifier
from models.classify.compress import compress_classifier
from models.classify.pruned_bert import MODEL_TYPE
from models.classify.tabular import read_examples
from models.classify.tradeoff import measure_classifiers, parameter_count
from models.core import exports, runs, store
from models.core.events import Log, ModelDeskError
from tests.fixtures.compress_models import TEACHER_HEADS, TEACHER_LAYERS
from tests.fixtures.training_data import make_rows

pytestmark = pytest.mark.usefixtures("one_torch_thread")
HEADS = {0: [1], 2: [0, 3]}
NEURONS = {1: [0, 5, 63], 3: list(range(10))}


def load(folder):
    from transformers import AutoModelForSequenceClassification

    info = store.open_model(folder, task="classify")
    return AutoModelForSequenceClassification.from_pretrained(str(info.path), **store.hf_kwargs(info)).eval()


def batch(folder, texts):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder))(texts, padding=True, return_tensors="pt")


def test_pruning_removes_exactly_the_requested_units_and_matches_the_masked_model(tiny_teacher, topics_csv,
                                                                                   tmp_path):
    teacher = load(tiny_teacher)
    pruned = prune.prune(teacher, HEADS, NEURONS).eval()
    assert pruned.config.layer_heads == [3, 4, 2, 4]
    assert pruned.config.layer_intermediate == [64, 61, 64, 54]
    size = teacher.config.hidden_size // TEACHER_HEADS
    for layer, gone in HEADS.items():
        kept = [h for h in range(TEACHER_HEADS) if h not in gone]
        rows = torch.cat([torch.arange(h * size, (h + 1) * size) for h in kept])
        mine, theirs = pruned.bert.encoder.layer[layer].attention, teacher.bert.encoder.layer[layer].attention
        for name in ("query", "key", "value"):
            assert torch.equal(getattr(mine.self, name).weight, getattr(theirs.self, name).weight[rows])
        assert torch.equal(mine.output.dense.weight, theirs.output.dense.weight[:, rows])
    for layer, gone in NEURONS.items():
        kept = [n for n in range(64) if n not in gone]
        assert torch.equal(pruned.bert.encoder.layer[layer].intermediate.dense.weight,
                           teacher.bert.encoder.layer[layer].intermediate.dense.weight[kept])
    # the same outputs as the original with those heads and neurons masked, on real texts with padding
    inputs = batch(tiny_teacher, read_examples(topics_csv).texts)
    with torch.no_grad():
        with prune.gated(teacher, *prune.gates_for(teacher, HEADS, NEURONS)):
            masked = teacher(**inputs).logits
        unmasked = teacher(**inputs).logits
        cut = pruned(**inputs).logits
    assert (cut - masked).abs().max() <= 1e-5
    assert (cut - unmasked).abs().max() > 1e-3   # the units removed did matter
    # saved small, and back through the classifier path with the same outputs
    from transformers import AutoTokenizer

    folder = tmp_path / "pruned"
    pruned.save_pretrained(folder)
    AutoTokenizer.from_pretrained(str(tiny_teacher)).save_pretrained(folder)
    assert store.inspect(folder).model_type == MODEL_TYPE and store.inspect(folder).task == "classify"
    assert parameter_count(folder) < parameter_count(tiny_teacher)
    assert parameter_count(folder) == sum(p.numel() for p in pruned.parameters())
    probs = Classifier.load(folder, device="cpu").predict_proba(read_examples(topics_csv).texts)
    assert np.abs(probs - torch.softmax(masked, -1).numpy()).max() <= 1e-5


def test_bad_unit_lists_are_refused(tiny_teacher):
    teacher = load(tiny_teacher)
    with pytest.raises(ModelDeskError, match="Layer 0 would keep no heads"):
        prune.prune(teacher, {0: list(range(TEACHER_HEADS))})
    with pytest.raises(ModelDeskError, match=r"Layer 1 has no head \[7\]"):
        prune.prune(teacher, {1: [7]})
    with pytest.raises(ModelDeskError, match="no layer 9"):
        prune.prune(teacher, {9: [0]})


def test_importance_ranks_dead_units_first(tiny_teacher, topics_csv):
    teacher = load(tiny_teacher)
    size = teacher.config.hidden_size // TEACHER_HEADS
    with torch.no_grad():   # head 2 of layer 1 outputs nothing; neuron 7 of layer 3 never fires
        teacher.bert.encoder.layer[1].attention.self.value.weight[2 * size:3 * size] = 0
        teacher.bert.encoder.layer[1].attention.self.value.bias[2 * size:3 * size] = 0
        teacher.bert.encoder.layer[3].intermediate.dense.weight[7] = 0
        teacher.bert.encoder.layer[3].intermediate.dense.bias[7] = 0
    examples = read_examples(topics_csv)
    labels = sorted(set(examples.labels))
    inputs = batch(tiny_teacher, examples.texts)
    targets = torch.tensor([labels.index(label) for label in examples.labels])
    heads, neurons = prune.importance(teacher, [(dict(inputs), targets)])
    assert [len(s) for s in heads] == [TEACHER_HEADS] * TEACHER_LAYERS and len(neurons[3]) == 64
    assert heads[1][2] == 0 and neurons[3][7] == 0
    assert min(float(s.min()) for layer, s in enumerate(heads) if layer != 1) > 0
    assert prune.choose(heads, 1 / 16) == {1: [2]}
    assert prune.choose(neurons, 1 / 256) == {3: [7]}
    assert teacher.training is False and all(p.grad is None for p in teacher.parameters())


def test_choose_removes_the_share_asked_and_keeps_a_unit_per_layer():
    rng = np.random.default_rng(0)
    scores = [rng.random(4) for _ in range(3)]
    assert sum(map(len, prune.choose(scores, 0.4).values())) == round(0.4 * 12)
    most = prune.choose(scores, 0.95)
    assert all(len(most.get(layer, [])) <= 3 for layer in range(3)) and sum(map(len, most.values())) == 9
    assert prune.choose(scores, 0.0) == {}
    # per-layer normalisation: a layer of uniformly small scores is not emptied first
    small = [np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.01, 0.02, 0.03, 0.04])]
    assert prune.choose(small, 0.25) == {0: [0], 1: [0]}


def test_prune_and_recover_then_stack_with_int8(train_home, tiny_teacher, topics_csv, labelled_file):
    test = labelled_file("held-out.csv", make_rows(6, seed=9))
    events = []
    outcome = compress_classifier(progress=events.append, model=str(tiny_teacher), train=str(topics_csv),
                                  test=str(test), out_name="pruned", method="prune", sparsity=0.5, ffn_sparsity=0.25,
                                  epochs=1, lr=1e-3, batch_size=8, patience=0, device="cpu", export=False,
                                  latency_rows=3)
    folder = train_home / "models" / "pruned"
    assert outcome.training.status == "completed" and outcome.training.model_path == str(folder)
    assert sum(outcome.compression["layer_heads"]) == TEACHER_LAYERS * TEACHER_HEADS - 8
    assert sum(len(v) for v in outcome.compression["removed_heads"].values()) == 8
    assert sum(outcome.compression["layer_intermediate"]) == 4 * 64 - 64
    assert outcome.compression["masked_max_abs_diff"] <= 1e-5
    assert any(isinstance(e, Log) and e.message.startswith("Pruned 8 of 16 attention heads and 64 of 256 FFN neurons")
               for e in events)
    assert load(folder).config.layer_heads == outcome.compression["layer_heads"]
    teacher_point, pruned_point = outcome.points
    assert (teacher_point["role"], pruned_point["role"]) == ("teacher", "pruned")
    assert pruned_point["params"] < teacher_point["params"] and pruned_point["size_mb"] < teacher_point["size_mb"]
    assert runs.load_run(outcome.training.run_id).tradeoff() == outcome.points
    # stacking: the normal export path takes the pruned architecture, and INT8 is measured beside torch
    parity = exports.export_model(str(folder))
    assert parity["fp32"]["max_prob_diff"] < 1e-4 and parity["int8"]["agreement_pct"] >= 90.0
    points = measure_classifiers([str(folder)], str(test), latency_rows=3, device="cpu")
    assert [p["backend"] for p in points] == ["torch", "onnx-int8"]
    assert points[0]["f1_macro"] == pytest.approx(pruned_point["f1_macro"])
    assert all(p["latency_ms"] > 0 and p["rows"] == 18 for p in points)
    assert runs.list_runs()[0].kind == "measure" and runs.list_runs()[0].tradeoff() == points
