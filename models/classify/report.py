"""Reading an evaluation: the text report and the binary threshold readout.

Plain Python, no scikit-learn or numpy: the GUI uses these on its own thread (scikit-learn takes
half a second to import, which the window must never wait for).
"""
from __future__ import annotations

from typing import Optional, Sequence


def at_threshold(y_true: Sequence[int], scores: Sequence[float], threshold: float) -> dict:
    """Precision, recall, TPR and FPR of a binary task when ``scores >= threshold`` predicts class 1."""
    pairs = [(int(y), float(s) >= threshold) for y, s in zip(y_true, scores)]
    tp = sum(1 for y, p in pairs if p and y == 1)
    fp = sum(1 for y, p in pairs if p and y == 0)
    tn = sum(1 for y, p in pairs if not p and y == 0)
    fn = sum(1 for y, p in pairs if not p and y == 1)
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"threshold": float(threshold), "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": recall, "tpr": recall, "fpr": fp / (fp + tn) if fp + tn else 0.0,
            "tp": tp, "fp": fp, "tn": tn, "fn": fn}


def format_value(value: Optional[float]) -> str:
    """Four decimals, or n/a for a metric that is undefined (e.g. AUC with one class present)."""
    return "n/a" if value is None else f"{value:.4f}"


def format_report(evaluation: dict, cv: Optional[dict] = None) -> str:
    """A plain-text table of the scalar metrics and the per-class scores (what the CLI prints)."""
    lines = [f"examples         {evaluation['n']}",
             f"accuracy         {format_value(evaluation['accuracy'])}",
             f"precision_macro  {format_value(evaluation['precision_macro'])}",
             f"recall_macro     {format_value(evaluation['recall_macro'])}",
             f"f1_macro         {format_value(evaluation['f1_macro'])}",
             f"roc_auc          {format_value(evaluation['roc_auc'])}"]
    width = max([len("class")] + [len(row["label"]) for row in evaluation["per_class"]])
    lines.append("")
    lines.append(f"{'class':<{width}}  precision  recall     f1         auc        support")
    for row in evaluation["per_class"]:
        lines.append(f"{row['label']:<{width}}  {format_value(row['precision']):<9}  {format_value(row['recall']):<9}  "
                     f"{format_value(row['f1']):<9}  {format_value(row['auc']):<9}  {row['support']}")
    if cv:
        lines.append("")
        lines.append(f"cross-validation ({next(iter(cv.values()))['n']} folds): mean ± std")
        for name, stats in cv.items():
            lines.append(f"{name:<16} {stats['mean']:.4f} ± {stats['std']:.4f}")
    return "\n".join(lines)


def tradeoff_baseline(points: Sequence[dict]) -> Optional[dict]:
    """The point others are compared with: the teacher on torch (else the first torch point, else the first)."""
    for wanted in (lambda p: p.get("role") == "teacher" and p["backend"] == "torch",
                   lambda p: p["backend"] == "torch", lambda p: True):
        for point in points:
            if wanted(point):
                return point
    return None


def format_tradeoff(points: Sequence[dict]) -> str:
    """A table of trade-off points, with macro-F1 kept and speed-up against the baseline of the same run."""
    base = tradeoff_baseline(points)
    if base is None:
        return "no measurements"
    rows = [("variant", "backend", "macro-F1", "kept", "latency bs=1", "speed-up", "size", "params")]
    for p in points:
        kept = f"{p['f1_macro'] / base['f1_macro']:.1%}" if base["f1_macro"] else "n/a"
        rows.append((f"{p.get('role') or 'model'} {p['name']}", p["backend"], f"{p['f1_macro']:.4f}", kept,
                     f"{p['latency_ms']:.2f} ms", f"{base['latency_ms'] / p['latency_ms']:.2f}x",
                     f"{p['size_mb']:.1f} MB", f"{p['params'] / 1e6:.2f} M"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.append(f"(kept and speed-up against {base.get('role') or 'model'} {base['name']} on {base['backend']}, "
                 f"measured in the same run; latency is the median over {base.get('latency_rows', 0)} texts)")
    return "\n".join(lines)


def tradeoff_key(point: dict) -> str:
    """What identifies a trade-off point: the model, its backend and the file it was measured on."""
    return f"{point['model']}|{point['backend']}|{point['data']}"


def tradeoff_label(point: dict) -> str:
    """How lists and plots name a point."""
    return f"{point.get('role') or 'model'} {point['name']} · {point['backend']}"
