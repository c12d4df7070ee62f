"""ONNX Runtime quantization, in one place: every exporter's INT8 is one of these three recipes.

- ``dynamic_int8``: int8 weights per output channel, uint8 activations scaled per run, int32
  accumulation (ORT's dynamic quantization). The classifier quantizes the MatMuls of the transformer
  blocks it chose (``classify.onnx_export``); Whisper every MatMul/Gemm of its decoder, its token
  lookups untied first (``transcribe.onnx_export``); the translator's first recipes, products and
  lookup tables (``translate.int8_choice``).
- ``static_qdq_int8``: QDQ nodes with per-channel int8 weights and uint8 activation ranges measured on
  calibration batches the exporter gives (the face generator's latents, ``faces.onnx_export``).
- ``weight_only_int8``: 8-bit weight blocks multiplied through ``MatMulNBits`` (the causal LM,
  ``generate.onnx_export``; the translator's last recipe, ``translate.int8_choice``).

Which nodes and which rows are each task's policy; how a graph is quantized is this module's. Every
file is written atomically. The generator's 4-bit ``onnx-int4`` backend is not here: it repacks GGUF
or safetensors blocks into a graph built node by node (``generate.nbits``), a format conversion rather
than a quantization pass of ONNX Runtime.
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

from models.core import fileio

#: weights per scale of ``weight_only_int8``
INT8_BLOCK = 128


def dynamic_int8(source: Any, target: Path, op_types: Sequence[str] = ("MatMul",),
                 nodes: Optional[Sequence[str]] = None, untie_lookups: bool = False) -> None:
    """Dynamic INT8 of ``op_types`` (only ``nodes`` when given), weights per channel, written atomically.

    ``source`` is a file or a loaded ``onnx.ModelProto``. ``untie_lookups`` (a file only) drops the
    exporter's shape hints, which confuse the quantizer's own inference, and gives each embedding
    lookup its own copy of a weight a product shares (see ``_untie_lookups``).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    options = {"per_channel": True, "weight_type": QuantType.QInt8, "op_types_to_quantize": list(op_types)}
    if nodes is not None:
        options["nodes_to_quantize"] = list(nodes)
    if not untie_lookups:
        with fileio.atomic_path(target, suffix=".onnx") as tmp:
            quantize_dynamic(source if not isinstance(source, (str, Path)) else str(source), str(tmp), **options)
        return
    import onnx

    graph = onnx.load(str(source))
    del graph.graph.value_info[:]
    _untie_lookups(graph)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch, \
            fileio.atomic_path(target, suffix=".onnx") as tmp:
        clean = Path(scratch) / "clean.onnx"
        onnx.save(graph, str(clean))
        quantize_dynamic(str(clean), str(tmp), **options)


def static_qdq_int8(source: Path, target: Path, batches: Iterable[dict[str, Any]]) -> None:
    """Static INT8 in QDQ form: per-channel int8 weights, uint8 activations whose ranges are measured
    on ``batches`` (input name -> array, one dict per run); written atomically."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._batches = iter(batches)

        def get_next(self) -> Optional[dict]:
            return next(self._batches, None)

        def rewind(self) -> None:  # part of the reader protocol; one pass is all the quantizer makes here
            pass

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer's advice to pre-process goes to the root logger
    try:
        with fileio.atomic_path(target, suffix=".onnx") as tmp:
            quantize_static(str(source), str(tmp), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                            weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8)
    finally:
        root.setLevel(level)


def weight_only_int8(source: Path, target: Path, block: int = INT8_BLOCK, accuracy_level: int = 4) -> None:
    """Every MatMul weight (a Gemm is rewritten as MatMul + Add first) stored as 8-bit integers in
    blocks of ``block`` values with one scale each, multiplied with 8-bit activations quantised per
    block on the fly (ORT's MatMulNBits; ``accuracy_level`` 1 keeps fp32 activations).

    Measured on a GPT-2-small-sized decoder at batch 1, one thread: 1.75x the fp32 graph, where
    ``dynamic_int8`` gave 1.05x, its per-tensor activation scale and the quantize/dequantize nodes
    around each product costing what the int8 product saves. ``value_info`` is cleared first: the
    dynamo exporter's shapes no longer hold after the rewrite.
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


# --- shared weights, made separate for the quantizers --------------------------------

def _untie_lookups(graph: Any) -> None:
    """Give each embedding lookup its own copy of a weight that a matrix product shares.

    Whisper's output projection is its token embedding; the dynamic quantizer transposes that weight
    in place for the product, which would leave the lookup reading the transposed table.
    """
    from onnx import numpy_helper

    inits = {init.name: init for init in graph.graph.initializer}
    products = {name for node in graph.graph.node if node.op_type in ("MatMul", "Gemm") for name in node.input}
    for node in graph.graph.node:
        if node.op_type == "Gather" and node.input[0] in inits and node.input[0] in products:
            copy = numpy_helper.from_array(numpy_helper.to_array(inits[node.input[0]]), node.input[0] + "_lookup")
            graph.graph.initializer.append(copy)
            node.input[0] = copy.name


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
