"""Classification metrics, all computed by scikit-learn.

Metrics are easy to get subtly wrong (averaging, absent classes, ties in ROC
thresholds), so nothing here re-implements them: this module only calls
scikit-learn and arranges the results into one JSON-serialisable dictionary that
the CLI prints, the run folder stores and the dashboard plots. No torch, no Qt.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
from sklearn import metrics as skm

#: scalar metrics of an evaluation, in the order reports show them
SCALARS = ("loss", "accuracy", "precision_macro", "recall_macro", "f1_macro", "roc_auc")
#: for early stopping: metrics where lower is better
LOWER_IS_BETTER = {"loss"}


def _finite(value: float) -> Optional[float]:
    value = float(value)
    return value if math.isfinite(value) else None


def roc_auc(y_true: np.ndarray, probs: np.ndarray) -> Optional[float]:
    """Binary ROC-AUC on the positive class, one-vs-rest macro for more classes; None if undefined."""
    k = probs.shape[1]
    if len(np.unique(y_true)) < 2:
        return None
    try:
        if k == 2:
            return _finite(skm.roc_auc_score(y_true, probs[:, 1]))
        if len(np.unique(y_true)) < k:
            return None  # one-vs-rest needs every class present
        return _finite(skm.roc_auc_score(y_true, probs, multi_class="ovr", average="macro", labels=list(range(k))))
    except ValueError:
        return None


def _class_curves(y_true: np.ndarray, probs: np.ndarray, k: int) -> tuple[dict, dict]:
    roc: dict = {}
    pr: dict = {}
    for c in range(k):
        positive = (y_true == c).astype(int)
        if positive.min() == positive.max():  # class absent (or alone): the curve is undefined
            continue
        fpr, tpr, _ = skm.roc_curve(positive, probs[:, c])
        precision, recall, _ = skm.precision_recall_curve(positive, probs[:, c])
        roc[c] = {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "auc": _finite(skm.auc(fpr, tpr))}
        pr[c] = {"precision": precision.tolist(), "recall": recall.tolist(),
                 "ap": _finite(skm.average_precision_score(positive, probs[:, c]))}
    return roc, pr


def evaluate(y_true: Sequence[int], probs: np.ndarray, labels: Sequence[str]) -> dict:
    """Everything the reports and plots need, from true class indices and predicted probabilities.

    ``probs`` has one row per example and one column per label (rows sum to 1).
    """
    y = np.asarray(y_true, dtype=int)
    p = np.asarray(probs, dtype=float)
    if p.ndim == 2:
        p = p / p.sum(axis=1, keepdims=True)  # float32 softmax rows drift from 1 by rounding
    k = len(labels)
    if p.ndim != 2 or p.shape != (len(y), k):
        raise ValueError(f"probabilities of shape {p.shape} do not match {len(y)} examples and {k} labels")
    pred = p.argmax(axis=1)
    index = list(range(k))
    macro = skm.precision_recall_fscore_support(y, pred, labels=index, average="macro", zero_division=0)
    per = skm.precision_recall_fscore_support(y, pred, labels=index, average=None, zero_division=0)
    roc, pr = _class_curves(y, p, k)
    return {
        "labels": list(labels),
        "n": int(len(y)),
        "loss": _finite(skm.log_loss(y, p, labels=index)),
        "accuracy": float(skm.accuracy_score(y, pred)),
        "precision_macro": float(macro[0]),
        "recall_macro": float(macro[1]),
        "f1_macro": float(macro[2]),
        "roc_auc": roc_auc(y, p),
        "per_class": [{"label": str(labels[c]), "precision": float(per[0][c]), "recall": float(per[1][c]),
                       "f1": float(per[2][c]), "support": int(per[3][c]),
                       "auc": roc[c]["auc"] if c in roc else None} for c in index],
        "confusion": skm.confusion_matrix(y, pred, labels=index).tolist(),
        "roc": {str(labels[c]): v for c, v in roc.items()},
        "pr": {str(labels[c]): v for c, v in pr.items()},
        "y_true": y.tolist(),
        "probs": p.round(6).tolist(),
    }


def summarize(evaluations: Sequence[dict]) -> dict:
    """Mean and standard deviation of each scalar metric over k folds."""
    summary: dict = {}
    for name in SCALARS:
        values = [e[name] for e in evaluations if e.get(name) is not None]
        if values:
            summary[name] = {"mean": float(np.mean(values)), "std": float(np.std(values)), "n": len(values)}
    return summary


def scalars(evaluation: dict) -> dict:
    """Only the scalar metrics (for manifests and epoch lines)."""
    return {name: evaluation.get(name) for name in SCALARS if name in evaluation}
