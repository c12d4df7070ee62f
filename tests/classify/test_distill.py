"""Distillation on a tiny fine-tuned teacher: the student's start, its loss, and that training brings it
closer to the teacher; saved and reloaded through the normal classifier path."""
from __future__ import annotations

import shutil

import pytest
import torch

from models.classify import distill
from models.classify.compress import compress_classifier
from models.classify.tabular import read_examples
from models.core import runs, store
from models.core.events import Data, Log, Metric, ModelDeskError
from tests.fixtures.compress_models import TEACHER_LAYERS
from tests.fixtures.training_data import make_rows

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def load(folder):
    from transformers import AutoModelForSequenceClassification

    info = store.open_model(folder, task="classify")
    return AutoModelForSequenceClassification.from_pretrained(str(info.path), **store.hf_kwargs(info)).eval()


def logits(model, folder, texts):
    from transformers import AutoTokenizer

    batch = AutoTokenizer.from_pretrained(str(folder))(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        return model.eval()(**batch).logits


def kl_to(teacher_logits, student_logits) -> float:
    """Mean KL(teacher || student) of the class distributions."""
    return float(torch.nn.functional.kl_div(torch.log_softmax(student_logits, -1), torch.log_softmax(teacher_logits, -1),
                                            log_target=True, reduction="batchmean"))


def compress(teacher, train, test, name, events=None, **options):
    settings = dict(method="distill", layers=1, alpha=1.0, epochs=3, lr=1e-3, batch_size=8, patience=0,
                    metric="loss", device="cpu", export=False, latency_rows=3)
    return compress_classifier(progress=events.append if events is not None else None, model=str(teacher),
                               train=str(train), test=str(test), out_name=name, **{**settings, **options})


def test_layers_are_picked_spread_or_first():
    assert distill.pick_layers(6, 2) == [2, 5]
    assert distill.pick_layers(6, 3) == [1, 3, 5]
    assert distill.pick_layers(12, 4) == [2, 5, 8, 11]
    assert distill.pick_layers(6, 2, "first") == [0, 1]
    for keep in (0, 6):
        with pytest.raises(ModelDeskError, match="between 1 and 5 layers"):
            distill.pick_layers(6, keep)


def test_the_student_starts_from_the_teachers_own_layers(tiny_teacher):
    teacher = load(tiny_teacher)
    student = distill.make_student(teacher, [1, 3])
    assert student.config.num_hidden_layers == 2 and teacher.config.num_hidden_layers == TEACHER_LAYERS
    for mine, theirs in ((0, 1), (1, 3)):
        for a, b in zip(student.bert.encoder.layer[mine].parameters(), teacher.bert.encoder.layer[theirs].parameters()):
            assert torch.equal(a, b)
    assert torch.equal(student.bert.embeddings.word_embeddings.weight, teacher.bert.embeddings.word_embeddings.weight)
    assert torch.equal(student.classifier.weight, teacher.classifier.weight)
    # the student owns its weights: training it leaves the teacher alone
    with torch.no_grad():
        student.classifier.weight.add_(1.0)
    assert not torch.equal(student.classifier.weight, teacher.classifier.weight)


def test_the_loss_is_zero_for_the_teacher_itself_and_weighs_its_parts():
    class Out:
        def __init__(self, logits, hidden):
            self.logits, self.hidden_states = logits, hidden

    torch.manual_seed(0)
    logits_, hidden = torch.randn(4, 3), tuple(torch.randn(4, 5, 8) for _ in range(3))
    labels = torch.tensor([0, 1, 2, 0])
    ce = torch.nn.CrossEntropyLoss()
    same = distill.distillation_loss(Out(logits_, hidden), Out(logits_, hidden), labels, ce, 2.0, 1.0, 1.0, [0, 1])
    assert float(same) == pytest.approx(0.0, abs=1e-6)
    hard_only = distill.distillation_loss(Out(logits_, hidden), Out(logits_ * 3, hidden), labels, ce, 2.0, 0.0)
    assert float(hard_only) == pytest.approx(float(ce(logits_, labels)))
    other = tuple(h + 1.0 for h in hidden)   # every hidden value off by one: a squared distance of 1
    mask = torch.ones(4, 5)
    assert float(distill.distillation_loss(Out(logits_, hidden), Out(logits_, other), labels, ce, 2.0, 1.0, 0.5,
                                           [0, 1], mask)) == pytest.approx(0.5)


def test_distillation_lowers_the_kl_divergence_to_the_teacher(train_home, tiny_teacher, topics_csv, labelled_file):
    texts = read_examples(topics_csv).texts
    teacher = load(tiny_teacher)
    target = logits(teacher, tiny_teacher, texts)
    start = distill.make_student(teacher, distill.pick_layers(TEACHER_LAYERS, 1))
    before = kl_to(target, logits(start, tiny_teacher, texts))
    test = labelled_file("held-out.csv", make_rows(4, seed=9))
    events = []
    result = compress(tiny_teacher, topics_csv, test, "student-1l", events).training
    assert result.status == "completed"
    student = load(result.model_path)
    after = kl_to(target, logits(student, result.model_path, texts))
    # measured: 0.022 -> 0.004 on the training texts
    assert after < before / 2, (before, after)
    assert student.config.num_hidden_layers == 1
    assert any(isinstance(e, Log) and e.message.startswith("Student: 1 of the teacher's 4 layers (4)") for e in events)
    assert [e.epoch for e in events if isinstance(e, Metric) and e.name == "val_loss"] == [1, 2, 3]
    manifest = store.read_manifest(result.model_path)
    assert manifest["compression"] == {"method": "distill", "teacher_layers": 4, "layers": [3],
                                       "layer_choice": "spread"}
    assert manifest["teacher"] == str(tiny_teacher) and manifest["source"] == "distilled from tiny-teacher"
    assert runs.load_run(result.run_id).kind == "compress"
    assert any(isinstance(e, Data) and e.kind == "tradeoff" for e in events)


def test_hidden_state_matching_also_brings_the_student_closer(train_home, tiny_teacher, topics_csv, labelled_file):
    texts = read_examples(topics_csv).texts
    teacher = load(tiny_teacher)
    target = logits(teacher, tiny_teacher, texts)
    before = kl_to(target, logits(distill.make_student(teacher, [0, 1]), tiny_teacher, texts))
    result = compress(tiny_teacher, topics_csv, labelled_file("held-out.csv", make_rows(4, seed=9)), "student-hidden",
                      layers=2, layer_choice="first", alpha=0.5, hidden_weight=1.0).training
    after = kl_to(target, logits(load(result.model_path), result.model_path, texts))
    assert after < before, (before, after)
    assert store.read_manifest(result.model_path)["compression"]["layers"] == [0, 1]


def test_bad_settings_and_unknown_labels_fail_before_anything_is_written(train_home, tiny_teacher, topics_csv,
                                                                        labelled_file, train_encoder):
    test = labelled_file("held-out.csv", make_rows(4, seed=9))
    with pytest.raises(ModelDeskError, match="between 1 and 3 layers"):
        compress(tiny_teacher, topics_csv, test, "too-deep", layers=4)
    with pytest.raises(ModelDeskError, match="choose a held-out evaluation file"):
        compress(tiny_teacher, topics_csv, "", "no-test")
    with pytest.raises(ModelDeskError, match="soft-target weight"):
        compress(tiny_teacher, topics_csv, test, "alpha", alpha=1.5)
    odd = labelled_file("odd.csv", make_rows(4, seed=9) + [{"text": "a unicorn", "label": "myths"}])
    with pytest.raises(ModelDeskError, match="the teacher does not know: myths"):
        compress(tiny_teacher, topics_csv, odd, "odd-test")
    with pytest.raises(ModelDeskError, match="the model does not know: myths"):
        compress(tiny_teacher, odd, test, "odd-train")
    with pytest.raises(ModelDeskError, match="not a text classifier"):
        compress(train_encoder, topics_csv, test, "bare")
    assert not (train_home / "models").exists() or not list((train_home / "models").iterdir())
    mine = shutil.copytree(tiny_teacher, train_home / "models" / "mine")
    with pytest.raises(ModelDeskError, match="it would replace its teacher"):
        compress(mine, topics_csv, test, "mine", overwrite=True)
    assert runs.list_runs() == []
