"""Writing ONNX files for the generative exporters: one dynamo export and one parity measure (their INT8
is ``quantization.weight_only_int8``).

optimum pins transformers below what ModelDesk uses, so graphs are exported with
``torch.onnx.export(dynamo=True)`` directly. The export writes atomically: a failed or stopped
export never leaves a half-written file where a backend would look for one.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

from models.core import fileio
from models.core.events import ModelDeskError

OPSET = 18


def export_graph(module: Any, args: tuple, target: Path, input_names: list[str], output_names: list[str],
                 dynamic_shapes: dict[str, dict[int, str]]) -> None:
    """Export ``module(*args)`` (in eval mode, fp32) to ``target`` with named dynamic axes."""
    import torch

    # the exporter warns that torchvision's detection ops are unavailable: irrelevant here
    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
    with fileio.atomic_path(target, suffix=".onnx") as tmp, torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")   # axis-name and tracer advice, once per axis
        try:
            torch.onnx.export(module, args, str(tmp), dynamo=True, opset_version=OPSET, input_names=input_names,
                              output_names=output_names, dynamic_shapes=dynamic_shapes, external_data=False,
                              verbose=False)
        except Exception as exc:   # the exporter raises many kinds; the user needs the one line
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
            raise ModelDeskError(f"The model could not be exported to ONNX ({text[:200]}).") from exc


def compare_sequences(reference: list[list[int]], other: list[list[int]]) -> dict[str, float]:
    """How far two sets of greedy token sequences agree (the parity of the generative exports): the share
    of whole sequences that are equal, and the mean length of the common prefix."""
    prefixes = [next((i for i, (a, b) in enumerate(zip(ref, got)) if a != b), min(len(ref), len(got)))
                for ref, got in zip(reference, other)]
    whole = sum(p == len(r) == len(o) for p, r, o in zip(prefixes, reference, other))
    return {"sequences_equal_pct": 100.0 * whole / len(reference),
            "mean_common_prefix": sum(prefixes) / len(prefixes)}


def sequence_parity(description: str, tokens: int, reference: list[list[int]],
                    decoded: dict[str, list[list[int]]]) -> dict[str, Any]:
    """The manifest's parity report of a generative export: each variant ("fp32", "int8") against torch's
    greedy ``reference`` and, for INT8, against fp32 too."""
    parity: dict[str, Any] = {"set": description, "tokens": tokens, "opset": OPSET}
    for kind, sequences in decoded.items():
        parity[kind] = compare_sequences(reference, sequences)
    if "int8" in decoded and "fp32" in decoded:
        parity["int8"]["vs_fp32_sequences_equal_pct"] = compare_sequences(
            decoded["fp32"], decoded["int8"])["sequences_equal_pct"]
    return parity
