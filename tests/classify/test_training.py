"""The fine-tuning loop on a tiny encoder: checkpoints, events, early stopping, k-fold, class weights,
Stop, and every bad input of the issue refused before anything is written."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from models.classify import metrics

from models.core import runs, store
from models.core.events import CancelToken, Data, Log, Metric, ModelDeskError, Progress
from models.classify.training import TrainConfig, collate, load_dataset, make_batches, train_classifier
from tests.fixtures.training_data import make_rows, sentence

pytestmark = pytest.mark.usefixtures("one_torch_thread")
FAST = dict(epochs=3, lr=1e-2, batch_size=8, patience=0, device="cpu")


def train(encoder, data, name="clf", events=None, **options):
    sink = events.append if events is not None else None
    return train_classifier(progress=sink, model=str(encoder), train=str(data), out_name=name, **{**FAST, **options})


def step_losses(events, fold=None):
    return [e for e in events if isinstance(e, Metric) and e.name == "train_loss" and e.extra["scope"] == "step"
            and e.extra.get("fold") == fold]


def test_fine_tuning_saves_the_best_checkpoint_as_a_classifier(train_home, train_encoder, topics_csv):
    from models.classify.classifier import Classifier

    events = []
    result = train(train_encoder, topics_csv, "topics", events)
    assert result.status == "completed"
    folder = train_home / "models" / "topics"
    assert result.model_path == str(folder)
    assert (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    info = store.open_model(folder, task="classify")
    assert info.manifest["labels"] == ["cooking", "sports", "weather"] == result.labels
    assert info.manifest["metrics"] == result.best and info.manifest["run"] == result.run_id
    assert info.manifest["epoch"] == result.best_epoch
    # 38 training rows in batches of 8: 5 steps per epoch, one loss each
    assert len(step_losses(events)) == 3 * 5
    epochs = [e.epoch for e in events if isinstance(e, Metric) and e.name == "val_f1_macro"]
    assert epochs == [1, 2, 3]
    assert any(isinstance(e, Data) and e.kind == "evaluation" for e in events)
    assert [e for e in events if isinstance(e, Progress) and e.total][-1].fraction == 1.0
    # the saved checkpoint is the one evaluated: a fresh load scores the validation rows the same
    data = load_dataset(TrainConfig(model=str(train_encoder), train=str(topics_csv), out_name="x"))
    val = data.folds[0][1]
    clf = Classifier.load(folder, device="cpu")
    assert clf.labels == result.labels
    probs = clf.predict_proba([data.texts[i] for i in val])
    again = metrics.evaluate(data.y[val], probs, clf.labels)
    assert again["accuracy"] == pytest.approx(result.best["accuracy"])
    assert again["f1_macro"] == pytest.approx(result.best["f1_macro"])
    run = runs.load_run(result.run_id)
    assert run.status == "completed" and run.info["model"] == str(folder)
    assert sum(map(sum, run.evaluation()["confusion"])) == len(val)


def test_a_separate_evaluation_file_is_the_validation_set(train_home, train_encoder, topics_csv, labelled_file):
    held = labelled_file("held.jsonl", make_rows(4, seed=8))
    result = train(train_encoder, topics_csv, "with-eval", eval=str(held), epochs=1)
    assert result.evaluation["n"] == 12
    assert runs.load_run(result.run_id).config["sizes"] == {"train": 48, "validation": 12}


def test_early_stopping_after_patience_epochs(train_home, train_encoder, topics_csv):
    events = []
    result = train(train_encoder, topics_csv, "patient", events, lr=1e-7, epochs=6, patience=1, metric="accuracy")
    epochs = [e.epoch for e in events if isinstance(e, Metric) and e.name == "val_accuracy"]
    assert epochs == [1, 2]  # epoch 2 did not beat epoch 1, patience 1: stop
    assert result.best_epoch == 1
    assert any(isinstance(e, Log) and e.message.startswith("Early stopping") for e in events)


def test_gradient_accumulation_and_schedules(train_home, train_encoder, topics_csv):
    shapes = {}
    for schedule in ("linear", "cosine"):
        events = []
        train(train_encoder, topics_csv, f"accum-{schedule}", events, grad_accum=2, warmup=2, schedule=schedule)
        steps = step_losses(events)
        assert len(steps) == 3 * math.ceil(5 / 2)  # optimizer steps, not batches
        lrs = [e.extra["lr"] for e in steps]
        assert max(lrs) == pytest.approx(1e-2) and lrs[0] < max(lrs)  # warmup, then the peak
        assert lrs[-1] == pytest.approx(0.0, abs=1e-9)                # decayed to zero at the end
        shapes[schedule] = lrs
    assert shapes["linear"] != pytest.approx(shapes["cosine"])


def test_k_fold_reports_mean_and_std_of_the_fold_bests(train_home, train_encoder, topics_csv):
    events = []
    result = train(train_encoder, topics_csv, "kfold", events, kfold=3, epochs=2)
    assert result.cv["f1_macro"]["n"] == 3
    per_fold = []
    for fold in range(3):
        assert len(step_losses(events, fold)) == 2 * math.ceil(32 / 8)
        f1 = [e.value for e in events if isinstance(e, Metric) and e.name == "val_f1_macro"
              and e.extra.get("fold") == fold]
        assert len(f1) == 2
        per_fold.append(max(f1))
    assert result.cv["f1_macro"]["mean"] == pytest.approx(np.mean(per_fold))
    assert result.cv["f1_macro"]["std"] == pytest.approx(np.std(per_fold))
    assert result.best_fold in (0, 1, 2)
    assert store.read_manifest(result.model_path)["cv"] == result.cv


def test_class_weights_change_the_loss_on_imbalanced_labels(train_home, train_encoder, labelled_file):
    data = labelled_file("imbalanced.csv", make_rows({"sports": 30, "cooking": 6, "weather": 6}, seed=4))
    first = {}
    for weighted in (False, True):
        events = []
        train(train_encoder, data, f"weights-{weighted}", events, epochs=1, class_weights=weighted)
        first[weighted] = step_losses(events)[0].value
    assert first[True] != pytest.approx(first[False], abs=1e-4)


def test_a_classifier_with_another_head_is_retrained_for_these_labels(train_home, train_classifier_base, topics_csv):
    result = train(train_classifier_base, topics_csv, "retrained", epochs=1)
    assert store.inspect(result.model_path).task == "classify"
    assert store.read_manifest(result.model_path)["labels"] == ["cooking", "sports", "weather"]


def stop_after(token: CancelToken, events: list, evaluations: int, steps: int):
    """A progress callback that presses Stop after ``evaluations`` saves and ``steps`` more steps."""
    state = {"saves": 0, "steps": 0}

    def on_event(event):
        events.append(event)
        if isinstance(event, Data) and event.kind == "evaluation":
            state["saves"] += 1
        if isinstance(event, Metric) and event.name == "train_loss" and event.extra["scope"] == "step" \
                and state["saves"] >= evaluations:
            state["steps"] += 1
            if state["steps"] >= steps:
                token.cancel()

    return on_event


def test_stop_keeps_the_previous_best_checkpoint_loadable(train_home, train_encoder, topics_csv):
    from models.classify.classifier import Classifier

    token, events = CancelToken(), []
    result = train_classifier(progress=stop_after(token, events, evaluations=1, steps=2), cancel=token,
                              model=str(train_encoder), train=str(topics_csv), out_name="stopped",
                              **{**FAST, "epochs": 5})
    assert result.status == "stopped"
    assert result.best_epoch == 1
    assert len([e for e in events if isinstance(e, Metric) and e.name == "val_loss"]) == 1
    manifest = store.read_manifest(result.model_path)
    assert manifest["epoch"] == 1
    clf = Classifier.load(result.model_path, device="cpu")
    assert clf.predict_proba(["the referee and the goal"]).shape == (1, 3)
    assert runs.load_run(result.run_id).status == "stopped"
    assert not list((train_home / "models").glob(".*"))  # no temporary folder left behind
    assert any("best checkpoint so far is kept" in n for n in result.notes)


def test_stop_before_the_first_epoch_leaves_an_existing_model_intact(train_home, train_encoder, topics_csv):
    first = train(train_encoder, topics_csv, "keep", epochs=1)
    token = CancelToken()
    second = train_classifier(progress=stop_after(token, [], evaluations=0, steps=1), cancel=token,
                              model=str(train_encoder), train=str(topics_csv), out_name="keep", overwrite=True, **FAST)
    assert second.status == "stopped" and second.model_path is None
    assert store.read_manifest(train_home / "models" / "keep")["run"] == first.run_id
    assert store.open_model(train_home / "models" / "keep", task="classify")


def test_a_class_with_one_example_stays_in_training_with_a_warning(train_home, train_encoder, labelled_file):
    rows = make_rows(8, seed=6) + [{"text": "a lonely unicorn", "label": "rare"}]
    result = train(train_encoder, labelled_file("rare.csv", rows), "rare", epochs=1)
    assert "rare" in result.labels
    assert any("Class 'rare' has a single example" in n for n in result.notes)
    assert result.evaluation["per_class"][result.labels.index("rare")]["support"] == 0


def test_long_texts_are_truncated_with_a_note(train_home, train_encoder, labelled_file):
    rows = make_rows(6, seed=7)
    rows[0]["text"] = " ".join(["goal"] * 300)
    result = train(train_encoder, labelled_file("long.csv", rows), "long", epochs=1, max_length=512)
    assert "Max length 512 is beyond what tiny-encoder accepts; using 40." in result.notes
    assert "1 text was longer than 40 tokens and was truncated." in result.notes


@pytest.mark.parametrize("rows, message", [
    ([{"text": sentence(__import__("random").Random(i), "sports"), "label": "sports"} for i in range(10)],
     r"has a single class \('sports'\); a classifier needs at least two"),
    ([{"text": f"text {i}", "label": f"L{i}"} for i in range(10)], "no usable label column"),
    ([{"text": t, "label": "sports"} for t in ("goal", "team", "coach", "match", "league")]
     + [{"text": "rain", "label": "weather"}], "Too few examples per class to hold out a validation set"),
])
def test_unusable_training_data_is_refused_before_anything_is_written(train_home, train_encoder, labelled_file,
                                                                      rows, message):
    with pytest.raises(ModelDeskError, match=message):
        train(train_encoder, labelled_file("bad.csv", rows), "never")
    assert runs.list_runs() == [] and not (train_home / "models" / "never").exists()


def test_empty_file_and_unseen_evaluation_labels(train_home, train_encoder, topics_csv, labelled_file, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ModelDeskError, match="empty.csv is empty"):
        train(train_encoder, empty, "never")
    held = labelled_file("held.csv", make_rows(3, seed=9) + [{"text": "x", "label": "space"},
                                                             {"text": "y", "label": "music"}])
    with pytest.raises(ModelDeskError, match="never seen in training: music, space"):
        train(train_encoder, topics_csv, "never", eval=str(held))
    assert runs.list_runs() == []


def test_base_models_that_are_not_encoders_are_refused(train_home, tiny_gpt2, topics_csv):
    with pytest.raises(ModelDeskError, match="is a text generator, not an encoder or a text classifier"):
        train(tiny_gpt2, topics_csv, "never")


def test_an_existing_model_is_not_overwritten_unless_asked(train_home, train_encoder, topics_csv):
    first = train(train_encoder, topics_csv, "taken", epochs=1)
    with pytest.raises(ModelDeskError, match="A model named 'taken' already exists"):
        train(train_encoder, topics_csv, "taken", epochs=1)
    assert store.read_manifest(first.model_path)["run"] == first.run_id


@pytest.mark.parametrize("options, message", [
    (dict(lr=0), "learning rate must be positive"),
    (dict(kfold=1), "k-fold needs at least 2 folds"),
    (dict(schedule="step"), "schedule must be one of linear, cosine"),
    (dict(metric="bleu"), "early-stopping metric must be one of"),
    (dict(kfold=20), "20-fold cross-validation needs at least 20 examples of every class"),
    (dict(unknown_option=1), "Unknown training option"),
])
def test_invalid_settings_are_one_sentence(train_home, train_encoder, topics_csv, options, message):
    with pytest.raises(ModelDeskError, match=message):
        train(train_encoder, topics_csv, "never", **options)


def test_length_bucketed_batches_pad_less_and_cover_every_row():
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 120, size=500)
    bucketed = make_batches(lengths, 16, np.random.default_rng(1), bucketing=True)
    naive = make_batches(lengths, 16, np.random.default_rng(1), bucketing=False)
    for batches in (bucketed, naive):
        assert sorted(np.concatenate(batches).tolist()) == list(range(500))

    def padded(batches):
        return sum(len(b) * lengths[b].max() for b in batches)

    assert padded(bucketed) < 0.7 * padded(naive)
    first, second = (np.concatenate(make_batches(lengths, 16, np.random.default_rng(s))) for s in (2, 3))
    assert (first != second).any()  # each epoch shuffles differently
    ordered = np.concatenate(make_batches(lengths, 16))  # evaluation: sorted by length, no shuffling
    assert (np.diff(lengths[ordered]) >= 0).all()


def test_collate_pads_to_the_longest_or_to_a_fixed_width():
    features = [{"input_ids": [5, 6, 7], "attention_mask": [1, 1, 1]}, {"input_ids": [8], "attention_mask": [1]}]
    batch = collate(features, pad_id=0)
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert collate(features, pad_id=9, pad_to=5)["input_ids"].tolist() == [[5, 6, 7, 9, 9], [8, 9, 9, 9, 9]]
    assert collate(features, pad_id=0, padding_side="left")["input_ids"].tolist() == [[5, 6, 7], [0, 0, 8]]


def test_a_tokenizer_limit_beyond_the_position_table_is_capped(train_home, train_encoder, labelled_file, tmp_path):
    """A tokenizer that claims 512 tokens on a 40-position encoder: training keeps to the positions."""
    import json
    import shutil

    base = Path(shutil.copytree(train_encoder, tmp_path / "claims-512"))
    settings = json.loads((base / "tokenizer_config.json").read_text())
    (base / "tokenizer_config.json").write_text(json.dumps({**settings, "model_max_length": 512}))
    rows = make_rows(6, seed=7)
    rows[0]["text"] = " ".join(["goal"] * 300)
    result = train(base, labelled_file("long.csv", rows), "capped", epochs=1, max_length=128)
    assert "Max length 128 is beyond what claims-512 accepts; using 40." in result.notes
    assert result.status == "completed" and result.model_path


def test_a_pickle_only_base_needs_consent_then_loads_weights_only(train_home, train_encoder, topics_csv,
                                                                   pickle_only, torch_loads):
    base = pickle_only(train_encoder)
    with pytest.raises(ModelDeskError, match="has only a pickle checkpoint"):
        train(base, topics_csv, "from-pickle", epochs=1)
    assert torch_loads == [] and not (train_home / "models" / "from-pickle").exists()
    events: list = []
    result = train(base, topics_csv, "from-pickle", events, epochs=1, allow_pickle=True, backend="onnx-int8")
    assert result.status == "completed" and store.inspect(result.model_path).weights == "safetensors"
    assert torch_loads and set(torch_loads) == {True}
