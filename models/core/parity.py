"""Parity reports: how closely an exported model (ONNX fp32, INT8) matches torch, in words."""
from __future__ import annotations


def format_parity(parity: dict) -> str:
    """One line for people: how closely each ONNX file matches torch."""
    parts = []
    for key, label in (("fp32", "ONNX fp32"), ("int8", "INT8")):
        if key in parity:
            figures = parity[key]
            if "max_pixel_diff" in figures:   # a face generator: images rather than logits
                parts.append(f"{label}: max pixel difference {figures['max_pixel_diff']}/255")
            else:
                parts.append(f"{label}: argmax agreement {figures['argmax_agreement_pct']:.1f}%, "
                             f"max |Δlogit| {figures['max_abs_diff']:.2g}")
    measured = parity.get("set") or f"vs torch, {parity.get('texts', '?')} sentences"
    return "; ".join(parts) + f" ({measured})"
