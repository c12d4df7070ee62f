"""Writing ONNX files: one dynamo export and one INT8 recipe for the exporters that share them.

optimum pins transformers below what ModelDesk uses, so graphs are exported with
``torch.onnx.export(dynamo=True)`` directly. Both steps write atomically: a failed or stopped
export never leaves a half-written file where a backend would look for one.
"""
from __future__ import annotations

import logging
import tempfile
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


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic INT8 quantization of the weights (MatMul/Gather), per channel.

    The dynamo exporter fills ``value_info`` with shapes that the quantizer's own shape
    inference then contradicts (it fails or emits a broken graph), so the graph is given to it
    without them.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source))
    del graph.graph.value_info[:]
    advice = _DropAdvice()
    logging.getLogger().addFilter(advice)   # "consider pre-processing": meant for static quantization
    try:
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch, \
                fileio.atomic_path(target, suffix=".onnx") as tmp:
            clean = Path(scratch) / "clean.onnx"
            onnx.save(graph, str(clean))
            quantize_dynamic(str(clean), str(tmp), per_channel=True, weight_type=QuantType.QInt8)
    finally:
        logging.getLogger().removeFilter(advice)


class _DropAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Please consider to run pre-processing")


def compare_sequences(reference: list[list[int]], other: list[list[int]]) -> dict[str, float]:
    """How far two sets of greedy token sequences agree (the parity of the generative exports): the share
    of whole sequences that are equal, and the mean length of the common prefix."""
    prefixes = [next((i for i, (a, b) in enumerate(zip(ref, got)) if a != b), min(len(ref), len(got)))
                for ref, got in zip(reference, other)]
    whole = sum(p == len(r) == len(o) for p, r, o in zip(prefixes, reference, other))
    return {"sequences_equal_pct": 100.0 * whole / len(reference),
            "mean_common_prefix": sum(prefixes) / len(prefixes)}
