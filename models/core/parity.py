"""Parity reports: how closely an exported model (ONNX fp32, INT8) matches torch, in words."""
from __future__ import annotations

#: how each known metric reads (others are shown by their name)
_LABELS = {"argmax_agreement_pct": ("argmax agreement", "{:.1f}%"), "max_abs_diff": ("max |Δlogit|", "{:.2g}"),
           "identical_windows_pct": ("identical windows", "{:.1f}%"),
           "token_agreement_pct": ("token agreement", "{:.1f}%")}


def format_parity(parity: dict) -> str:
    """One line for people: how closely each ONNX file matches torch."""
    parts = []
    for key, label in (("fp32", "ONNX fp32"), ("int8", "INT8")):
        if key in parity:
            figures = []
            known = [name for name in _LABELS if name in parity[key]]
            for name in known + [name for name in parity[key] if name not in _LABELS]:
                value = parity[key][name]
                words, fmt = _LABELS.get(name, (name.replace("_", " "), "{}"))
                figures.append(f"{words} {fmt.format(value)}")
            parts.append(f"{label}: " + ", ".join(figures))
    measured = parity.get("set") or f"{parity.get('texts', '?')} sentences"
    return "; ".join(parts) + f" (vs torch, {measured})"
