"""train-classifier / evaluate-classifier: epoch lines, the final table, scikit-learn's numbers, one-line errors."""
from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn import metrics as skm

import main
from models.core import runs, store
from models.classify.classifier import Classifier
from models.classify.tabular import read_examples
from tests.fixtures.training_data import make_rows

pytestmark = pytest.mark.usefixtures("one_torch_thread")
FAST = ("--epochs", "2", "--lr", "0.01", "--batch-size", "8", "--patience", "0", "--device", "cpu")


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr (without library progress bars: transformers is already loaded in
    this process, so the command cannot switch them off as it does when it starts fresh)."""
    code = main.main(list(argv))
    out, err = capsys.readouterr()
    err = "".join(line for line in err.replace("\r", "\n").splitlines(keepends=True)
                  if line.strip() and "it/s]" not in line)
    return code, out, err


def scalar(text: str, name: str) -> float:
    return float(re.search(rf"^{name}\s+([0-9.]+)$", text, flags=re.M).group(1))


def test_train_prints_one_line_per_epoch_and_a_metrics_table(capsys, train_home, train_encoder, topics_csv):
    code, out, err = run_cli(capsys, "train-classifier", "--model", str(train_encoder), "--train", str(topics_csv),
                             "--out", "cli-model", "--warmup", "2", "--schedule", "cosine", "--weight-decay", "0.05",
                             "--class-weights", "--seed", "7", "--max-length", "32", *FAST)
    assert code == 0, err
    epoch_lines = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in epoch_lines] == ["1/2", "2/2"]
    assert all("train_loss" in line and "f1_macro" in line and "roc_auc" in line for line in epoch_lines)
    manifest = store.read_manifest(train_home / "models" / "cli-model")
    assert scalar(out, "f1_macro") == pytest.approx(manifest["metrics"]["f1_macro"], abs=5e-5)
    assert scalar(out, "accuracy") == pytest.approx(manifest["metrics"]["accuracy"], abs=5e-5)
    assert f"saved as {train_home / 'models' / 'cli-model'}" in out
    [run] = runs.list_runs()
    config = run.config
    assert (config["schedule"], config["warmup"], config["weight_decay"], config["class_weights"], config["seed"],
            config["max_length"]) == ("cosine", 2.0, 0.05, True, 7, 32)
    assert "Traceback" not in err


def test_k_fold_prints_mean_and_std(capsys, train_home, train_encoder, topics_csv):
    code, out, err = run_cli(capsys, "train-classifier", "--model", str(train_encoder), "--train", str(topics_csv),
                             "--out", "folded", "--kfold", "3", *FAST)
    assert code == 0, err
    assert len([line for line in out.splitlines() if line.startswith("fold ")]) == 3 * 2
    assert "cross-validation (3 folds): mean ± std" in out
    assert re.search(r"^f1_macro\s+[0-9.]+ ± [0-9.]+$", out, flags=re.M)


def test_evaluate_prints_what_scikit_learn_computes_on_the_same_predictions(capsys, train_home, train_encoder,
                                                                            topics_csv, labelled_file):
    code, _, err = run_cli(capsys, "train-classifier", "--model", str(train_encoder), "--train", str(topics_csv),
                           "--out", "scored", *FAST)
    assert code == 0, err
    data = labelled_file("test.csv", make_rows(10, seed=21))
    code, out, err = run_cli(capsys, "evaluate-classifier", "--model", "scored", "--data", str(data),
                             "--device", "cpu")
    assert code == 0, err
    # the same predictions, scored by scikit-learn directly
    examples = read_examples(data)
    clf = Classifier.load(train_home / "models" / "scored", device="cpu")
    probs = clf.predict_proba(examples.texts)
    y = np.array([clf.labels.index(label) for label in examples.labels])
    pred = probs.argmax(axis=1)
    assert scalar(out, "examples") == 30
    assert scalar(out, "accuracy") == pytest.approx(skm.accuracy_score(y, pred), abs=5e-5)
    assert scalar(out, "f1_macro") == pytest.approx(skm.f1_score(y, pred, average="macro"), abs=5e-5)
    assert scalar(out, "roc_auc") == pytest.approx(skm.roc_auc_score(y, probs, multi_class="ovr"), abs=5e-5)
    p, r, f, s = skm.precision_recall_fscore_support(y, pred, zero_division=0)
    for c, label in enumerate(clf.labels):
        row = re.search(rf"^{label}\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+(\d+)$", out, flags=re.M)
        assert [float(v) for v in row.groups()[:3]] == pytest.approx([p[c], r[c], f[c]], abs=5e-5)
        assert float(row.group(4)) == pytest.approx(skm.roc_auc_score(y == c, probs[:, c]), abs=5e-5)
        assert int(row.group(5)) == s[c]
    assert runs.list_runs()[0].kind == "evaluate"


@pytest.mark.parametrize("argv, message", [
    (("train-classifier", "--train", "{single}", "--out", "x"), "has a single class ('sports')"),
    (("train-classifier", "--train", "{topics}", "--out", "x", "--kfold", "1"), "k-fold needs at least 2 folds"),
    (("evaluate-classifier", "--data", "{unseen}"), "the model 'known' does not know: space"),
])
def test_bad_input_is_one_stderr_line(capsys, train_home, train_encoder, topics_csv, labelled_file, argv, message):
    single = labelled_file("single.csv", [{"text": f"goal {i}", "label": "sports"} for i in range(6)])
    unseen = labelled_file("unseen.csv", make_rows(4, seed=3) + [{"text": "stars", "label": "space"}])
    if argv[0] == "evaluate-classifier":
        code, _, err = run_cli(capsys, "train-classifier", "--model", str(train_encoder), "--train", str(topics_csv),
                               "--out", "known", "--epochs", "1", "--device", "cpu")
        assert code == 0, err
        argv = argv + ("--model", "known")
    else:
        argv = argv + ("--model", str(train_encoder))
    argv = tuple(a.format(single=single, topics=topics_csv, unseen=unseen) for a in argv)
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("modeldesk: error: ") and message in err
    assert not (train_home / "models" / "x").exists()


def test_not_an_encoder_is_refused(capsys, train_home, tiny_gpt2, topics_csv):
    code, _, err = run_cli(capsys, "train-classifier", "--model", str(tiny_gpt2), "--train", str(topics_csv),
                           "--out", "x")
    assert code == 2 and "is a text generator, not an encoder or a text classifier" in err
