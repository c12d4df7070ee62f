"""Parity reports: how closely an exported model (ONNX fp32, INT8) matches torch, in words.

Every exporter records the same shape in the model's manifest (see models.core.exports):
``{"set": "<what it was measured on>", "fp32": {<metric>: value, ...}, "int8": {...}}``. The metric
names are each task's own (argmax agreement, token equality, pixel difference, WER...), so this
module knows none of them: it prints any name and number, with a few names worded more kindly.
"""
from __future__ import annotations

from typing import Any

#: variants in the order they are shown, with their label
VARIANTS = (("fp32", "ONNX fp32"), ("int8", "ONNX INT8"))
#: kinder words for metric names that exporters use; any other is shown as written (a "_pct" name with a %)
WORDS = {"max_prob_diff": "max |Δp|", "max_abs_diff": "max |Δlogit|", "max_pixel_diff": "max pixel difference"}


def _number(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if name.endswith("_pct"):
        return f"{value:.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    if name.endswith("_delta"):
        return f"{value:+.4f}" if value else "±0"
    return f"{value:.3g}"


def format_figures(figures: dict) -> str:
    """``name value, name value`` for one variant's metrics, in the order the exporter wrote them."""
    return ", ".join(f"{WORDS.get(name, name.removesuffix('_pct').replace('_', ' '))} {_number(name, value)}"
                     for name, value in figures.items())


def format_parity(parity: dict) -> str:
    """One line for people: how closely each ONNX variant matches torch, and on what."""
    parts = [f"{label}: {format_figures(parity[key])}" for key, label in VARIANTS
             if isinstance(parity.get(key), dict) and parity[key]]
    if not parts:
        return "no parity figures recorded"
    where = parity.get("set") or (f"{parity['texts']} sentences" if "texts" in parity else "")
    return "; ".join(parts) + (f" (vs torch, on {where})" if where else " (vs torch)")


#: what a classifier's INT8 label adds when its parity was measured on built-in sentences only
NOT_CHECKED = "not checked on your data"


def checked_on(source: str, origin: str, rows: int, chooser_rows: int, labelled: bool) -> str:
    """Where a classifier's parity was measured, in words: the user's held-out rows, or built-in sentences only."""
    kind = "labelled" if labelled else "unlabelled"
    if source == "user":
        return (f"your data: {rows:,} held-out rows of {origin}, {kind}; INT8 was chosen on {chooser_rows:,} "
                "other rows")
    return f"built-in sentences only ({rows} held out, {kind}), {NOT_CHECKED}"


def backend_note(parity: dict, key: str) -> str:
    """One variant's figures and, for a report that says where it was measured, on what:
    ``agreement 99.4%, … · your data: 240 held-out rows`` or ``… · built-in sentences only, not checked on
    your data``. ``key`` is "fp32" or "int8"."""
    figures = parity.get(key)
    text = format_figures(figures) if isinstance(figures, dict) and figures else "no parity figures recorded"
    if parity.get("source") == "user":
        return f"{text} · your data: {parity['rows']:,} held-out rows"
    if parity.get("source") == "builtin":
        return f"{text} · built-in sentences only, {NOT_CHECKED}"
    return text
