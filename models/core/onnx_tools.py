"""Writing ONNX files for the generative exporters: one dynamo export, one INT8 recipe, one parity measure.

optimum pins transformers below what ModelDesk uses, so graphs are exported with
``torch.onnx.export(dynamo=True)`` directly. Both steps write atomically: a failed or stopped
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
#: weights per INT8 scale (see quantize_int8)
INT8_BLOCK = 128


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


def quantize_int8(source: Path, target: Path, block: int = INT8_BLOCK, accuracy_level: int = 4) -> None:
    """INT8 for the generative graphs: every MatMul weight (a Gemm is rewritten as MatMul + Add first) is
    stored as 8-bit integers in blocks of ``INT8_BLOCK`` values with one scale each, and multiplied
    with 8-bit activations quantised per block on the fly (ORT's MatMulNBits, accuracy level 4).

    Measured on a GPT-2-small-sized decoder at batch 1, one thread: 1.75x the fp32 graph, where plain
    dynamic per-channel quantization (``quantize_dynamic``) gave 1.05x, its per-tensor activation scale
    and the quantize/dequantize nodes around each product costing what the int8 product saves.
    ``value_info`` is cleared first: the dynamo exporter's shapes no longer hold after the rewrite.
    ``block`` and ``accuracy_level`` (1: fp32 activations) let an exporter trade speed for closeness.
    """
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import (DefaultWeightOnlyQuantConfig,
                                                                 MatMulNBitsQuantizer)

    model = onnx.load(str(source))
    del model.graph.value_info[:]
    _gemm_as_matmul(model.graph)
    _fold_transposed_weights(model.graph)
    config = DefaultWeightOnlyQuantConfig(block_size=block, is_symmetric=True, accuracy_level=accuracy_level,
                                          bits=8)
    quiet = logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer")
    level = quiet.level
    quiet.setLevel(logging.WARNING)   # one INFO line per weight otherwise
    try:
        quantizer = MatMulNBitsQuantizer(model, algo_config=config)
        quantizer.process()
        with fileio.atomic_path(target, suffix=".onnx") as tmp:
            quantizer.model.save_model_to_file(str(tmp), use_external_data_format=False)
    finally:
        quiet.setLevel(level)


def _gemm_as_matmul(graph: Any) -> None:
    """Rewrite each Gemm with a constant weight (alpha = beta = 1) as MatMul + Add, which MatMulNBits takes
    (GPT-2's Conv1D layers export as Gemm)."""
    from onnx import helper, numpy_helper

    weights = {init.name: init for init in graph.initializer}
    nodes, transposed_away = [], set()
    for node in graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type != "Gemm" or node.input[1] not in weights or attrs.get("transA", 0) \
                or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
            nodes.append(node)
            continue
        weight = node.input[1]
        if attrs.get("transB", 0):
            transposed = numpy_helper.to_array(weights[weight]).T.copy()
            transposed_away.add(weight)
            weight = f"{weight}_transposed"
            graph.initializer.append(numpy_helper.from_array(transposed, weight))
        product = f"{node.output[0]}_product" if len(node.input) > 2 else node.output[0]
        nodes.append(helper.make_node("MatMul", [node.input[0], weight], [product], name=f"{node.name}_matmul"))
        if len(node.input) > 2:
            nodes.append(helper.make_node("Add", [product, node.input[2]], [node.output[0]],
                                          name=f"{node.name}_add"))
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for node in graph.node for name in node.input}
    for name in transposed_away - used:   # the untransposed copy, when nothing else reads it
        graph.initializer.remove(weights[name])


def _fold_transposed_weights(graph: Any) -> None:
    """Give each MatMul that reads a constant weight through a Transpose node its own transposed copy.

    A tied output projection (GPT-2's ``lm_head``, shared with the token lookup) exports as
    MatMul(x, Transpose(weight)); MatMulNBits only takes a constant weight, so without this the
    largest product of the model - about 30 % of GPT-2-small's weights, read once per token -
    stayed fp32. The lookup keeps the original table.
    """
    from onnx import helper, numpy_helper

    weights = {init.name: init for init in graph.initializer}
    transposes = {node.output[0]: node for node in graph.node if node.op_type == "Transpose"
                  and node.input[0] in weights
                  and list(helper.get_attribute_value(node.attribute[0]) if node.attribute else [1, 0]) == [1, 0]}
    for node in graph.node:
        source = transposes.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) > 1 else None
        if source is None or len(weights[source.input[0]].dims) != 2:
            continue
        name = f"{source.input[0]}_transposed"
        if name not in weights:
            weights[name] = numpy_helper.from_array(numpy_helper.to_array(weights[source.input[0]]).T.copy(), name)
            graph.initializer.append(weights[name])
        node.input[1] = name
    used = {name for node in graph.node for name in node.input}
    for output, node in transposes.items():
        if output not in used:
            graph.node.remove(node)


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
