"""models.metrics arranges scikit-learn's numbers; these tests check the arrangement (labels, averaging,
absent classes) against scikit-learn called directly, and that the printed report shows the same values."""
from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn import metrics as skm

from models.classify.metrics import evaluate, summarize
from models.classify.report import at_threshold, format_report


def random_predictions(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y]  # informative but imperfect
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, probs


@pytest.mark.parametrize("k", [2, 4])
def test_scalars_and_per_class_match_scikit_learn(k):
    y, probs = random_predictions(200, k, seed=k)
    labels = [f"class{c}" for c in range(k)]
    ev = evaluate(y, probs, labels)
    pred = probs.argmax(axis=1)
    assert ev["n"] == 200
    assert ev["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert ev["f1_macro"] == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert ev["precision_macro"] == pytest.approx(skm.precision_score(y, pred, average="macro"))
    assert ev["recall_macro"] == pytest.approx(skm.recall_score(y, pred, average="macro"))
    expected_auc = (skm.roc_auc_score(y, probs[:, 1]) if k == 2
                    else skm.roc_auc_score(y, probs, multi_class="ovr", average="macro"))
    assert ev["roc_auc"] == pytest.approx(expected_auc)
    assert ev["loss"] == pytest.approx(skm.log_loss(y, probs))
    assert ev["confusion"] == skm.confusion_matrix(y, pred).tolist()
    f1 = skm.f1_score(y, pred, average=None)
    for c, row in enumerate(ev["per_class"]):
        assert row["label"] == labels[c]
        assert row["f1"] == pytest.approx(f1[c])
        assert row["support"] == int((y == c).sum())
        assert row["auc"] == pytest.approx(skm.roc_auc_score(y == c, probs[:, c]))
    assert set(ev["roc"]) == set(labels) == set(ev["pr"])
    fpr, tpr, _ = skm.roc_curve(y == 1, probs[:, 1])
    assert ev["roc"]["class1"]["fpr"] == pytest.approx(fpr.tolist())
    assert ev["roc"]["class1"]["tpr"] == pytest.approx(tpr.tolist())
    assert ev["pr"]["class1"]["ap"] == pytest.approx(skm.average_precision_score(y == 1, probs[:, 1]))


def test_a_small_case_worked_by_hand():
    y = [0, 0, 1, 1, 2, 2]
    probs = np.array([[.8, .1, .1], [.2, .7, .1], [.1, .8, .1], [.3, .6, .1], [.1, .1, .8], [.5, .2, .3]])
    ev = evaluate(y, probs, ["a", "b", "c"])
    assert ev["confusion"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert ev["accuracy"] == pytest.approx(4 / 6)
    by_label = {row["label"]: row for row in ev["per_class"]}
    assert by_label["b"]["precision"] == pytest.approx(2 / 3)
    assert by_label["b"]["recall"] == pytest.approx(1.0)
    assert by_label["c"]["recall"] == pytest.approx(0.5)


def test_a_class_absent_from_the_truth_has_no_curve_and_no_crash():
    y = [0, 0, 1, 1]
    probs = np.array([[.7, .2, .1], [.6, .3, .1], [.2, .7, .1], [.3, .3, .4]])
    ev = evaluate(y, probs, ["a", "b", "c"])
    assert set(ev["roc"]) == {"a", "b"}
    assert ev["roc_auc"] is None  # one-vs-rest macro is undefined without class c
    assert ev["per_class"][2]["support"] == 0 and ev["per_class"][2]["auc"] is None
    assert "n/a" in format_report(ev)


def test_float32_probabilities_are_accepted():
    y, probs = random_predictions(50, 3, seed=9)
    ev = evaluate(y, probs.astype(np.float32), ["x", "y", "z"])
    assert ev["loss"] == pytest.approx(skm.log_loss(y, probs), rel=1e-5)


def test_threshold_readout_matches_scikit_learn():
    y, probs = random_predictions(120, 2, seed=3)
    scores = probs[:, 1]
    for threshold in (0.2, 0.5, 0.8):
        pred = (scores >= threshold).astype(int)
        out = at_threshold(y, scores, threshold)
        tn, fp, fn, tp = skm.confusion_matrix(y, pred).ravel()
        assert out["precision"] == pytest.approx(skm.precision_score(y, pred))
        assert out["recall"] == out["tpr"] == pytest.approx(skm.recall_score(y, pred))
        assert out["fpr"] == pytest.approx(fp / (fp + tn))
    assert at_threshold(y, scores, 0.0)["fpr"] == 1.0
    assert at_threshold(y, scores, 1.01)["recall"] == 0.0


def test_summary_is_mean_and_std_over_folds():
    folds = [evaluate(*random_predictions(60, 3, seed=s), ["a", "b", "c"]) for s in range(4)]
    summary = summarize(folds)
    values = [f["f1_macro"] for f in folds]
    assert summary["f1_macro"]["mean"] == pytest.approx(np.mean(values))
    assert summary["f1_macro"]["std"] == pytest.approx(np.std(values))
    assert summary["f1_macro"]["n"] == 4


def test_printed_report_equals_scikit_learn_on_the_same_predictions():
    y, probs = random_predictions(150, 3, seed=11)
    labels = ["news", "sport", "tech"]
    text = format_report(evaluate(y, probs, labels))
    pred = probs.argmax(axis=1)
    printed = dict(re.findall(r"^(accuracy|f1_macro|roc_auc)\s+([0-9.]+)$", text, flags=re.M))
    assert float(printed["accuracy"]) == pytest.approx(skm.accuracy_score(y, pred), abs=5e-5)
    assert float(printed["f1_macro"]) == pytest.approx(skm.f1_score(y, pred, average="macro"), abs=5e-5)
    assert float(printed["roc_auc"]) == pytest.approx(skm.roc_auc_score(y, probs, multi_class="ovr"), abs=5e-5)
    p, r, f, s = skm.precision_recall_fscore_support(y, pred)
    for c, label in enumerate(labels):
        row = re.search(rf"^{label}\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+(\d+)$", text, flags=re.M)
        assert row, text
        assert [float(v) for v in row.groups()[:3]] == pytest.approx([p[c], r[c], f[c]], abs=5e-5)
        assert int(row.group(5)) == s[c]
