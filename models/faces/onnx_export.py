"""Export a face generator to ONNX (fp32 and INT8) and record how closely it matches.

The DCGAN's graph is written directly from its weights rather than traced: batch norm is folded
into the convolutions, the first layer (a 4×4 transposed convolution of a 1×1 input) is a Gemm,
and every stride-2 transposed convolution is four 2×2 convolutions, one per output phase, put
back together by DepthToSpace. The result is the same function, but made of Gemm and Conv,
which ONNX Runtime runs as real INT8 kernels; it has none for an INT8 transposed convolution.

An ONNX generator imported from elsewhere is already fp32 ONNX: its export is the INT8 variant,
measured against its own file. Parity is the largest difference of output value and of 8-bit
pixel over a fixed set of seeds; it is recorded in the manifest (``parity``) and returned.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import numpy as np

from models.core import cache, fileio, quantization, store
from models.core.events import CancelToken, ModelDeskError, Progress, ProgressFn, check, emit
from models.faces import generation
from models.faces import latents as lat
from models.faces import onnx_generator as og

OPSET = 17
PARITY_SEEDS = tuple(range(16))
CALIBRATION_SEEDS = tuple(range(1000, 1128))
#: the output phases of a stride-2, kernel-4, padding-1 transposed convolution: for output row 2i + a,
#: the kernel rows that reach it (in input order i - 1 + a, i + a) and the 2×2 convolution's padding
_PHASE_TAPS = {0: [3, 1], 1: [2, 0]}


def _fold(layers: list, position: int) -> tuple[np.ndarray, np.ndarray]:
    """A transposed convolution's weight [in, out, k, k] scaled by the batch norm after it, and its bias."""
    from torch import nn

    weight = layers[position].weight.detach().cpu().double().numpy()
    norm = layers[position + 1] if position + 1 < len(layers) else None
    if not isinstance(norm, nn.BatchNorm2d):
        return weight, np.zeros(weight.shape[1])
    scale = norm.weight.detach().double().numpy() / np.sqrt(norm.running_var.double().numpy() + norm.eps)
    bias = norm.bias.detach().double().numpy() - norm.running_mean.double().numpy() * scale
    return weight * scale[None, :, None, None], bias


def _dcgan_graph(generator: Any, nz: int) -> Any:
    """The ONNX model of a DCGAN generator (see the module docstring)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from torch import nn

    layers = list(generator.net)
    convs = [i for i, layer in enumerate(layers) if isinstance(layer, nn.ConvTranspose2d)]
    inits: list = []
    nodes: list = []

    def const(name: str, value: np.ndarray, dtype: Any = np.float32) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value, dtype=dtype), name))
        return name

    weight, bias = _fold(layers, convs[0])
    width = weight.shape[1]
    nodes.append(helper.make_node("Gemm", [og.LATENT_INPUT, const("w0", weight.reshape(nz, -1)),
                                           const("b0", np.repeat(bias, 16))], ["g0"]))
    nodes.append(helper.make_node("Reshape", ["g0", const("shape0", np.array([-1, width, 4, 4]), np.int64)], ["x0"]))
    nodes.append(helper.make_node("Relu", ["x0"], ["h0"]))
    current = "h0"
    for n, position in enumerate(convs[1:], start=1):
        weight, bias = _fold(layers, position)
        last = n == len(convs) - 1
        phases = []
        for a in (0, 1):
            for b in (0, 1):
                kernel = weight[:, :, _PHASE_TAPS[a]][:, :, :, _PHASE_TAPS[b]].transpose(1, 0, 2, 3)
                out = f"c{n}_{a}{b}"
                nodes.append(helper.make_node("Conv", [current, const(f"w{n}_{a}{b}", kernel), const(f"b{n}_{a}{b}", bias)],
                                              [out], kernel_shape=[2, 2], pads=[1 - a, 1 - b, a, b]))
                if not last:
                    nodes.append(helper.make_node("Relu", [out], [f"{out}r"]))
                    out = f"{out}r"
                phases.append(out)
        nodes.append(helper.make_node("Concat", phases, [f"cat{n}"], axis=1))
        current = "image" if last else f"h{n}"
        nodes.append(helper.make_node("DepthToSpace", [f"cat{n}"], [f"up{n}" if last else current], blocksize=2,
                                      mode="DCR"))
    nodes.append(helper.make_node("Tanh", [f"up{len(convs) - 1}"], ["image"]))
    size = 4 * 2 ** (len(convs) - 1)
    graph = helper.make_graph(
        nodes, "dcgan_generator",
        [helper.make_tensor_value_info(og.LATENT_INPUT, TensorProto.FLOAT, ["batch", nz])],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, size, size])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="ModelDesk")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def _calibration_batches(nz: int, latent_rank: int = 2) -> list[dict[str, np.ndarray]]:
    """Latents the INT8 quantizer measures activation ranges on, in four batches."""
    batches = np.array_split(lat.seed_latents(CALIBRATION_SEEDS, nz), 4)
    if latent_rank == 4:  # a generator that takes z as [N, latent, 1, 1]
        batches = [b.reshape(len(b), nz, 1, 1) for b in batches]
    return [{og.LATENT_INPUT: b} for b in batches]


def _compare(reference: np.ndarray, images: np.ndarray) -> dict[str, float]:
    pixels = np.abs(generation.to_uint8(reference).astype(int) - generation.to_uint8(images).astype(int))
    return {"max_abs_diff": float(np.abs(reference - images).max()), "max_pixel_diff": int(pixels.max())}


def _save(model: Any, target: Path) -> None:
    import onnx

    with fileio.atomic_path(target, suffix=".onnx") as tmp:
        onnx.save(model, str(tmp))


def export_generator(model: os.PathLike | str, quantize: bool = True, device: str = "auto", backend: str = "torch",
                     allow_pickle: bool = False, progress: ProgressFn = None,
                     cancel: Optional[CancelToken] = None) -> dict:
    """Write the fp32 ONNX generator (DCGAN) and its INT8 variant, check them, return the parity.

    ``device`` and ``backend`` are accepted like every job's runtime options but do not apply:
    the export reads the weights on the CPU in fp32 and measures parity on the CPU.
    """
    info = store.open_model(model, task="faces", allow_pickle=allow_pickle)
    fp32_path, int8_path = og.export_paths(info.path)
    onnx_only = info.weights == "onnx"
    if onnx_only and not quantize:
        raise ModelDeskError(f"{info.name} is already an ONNX generator; only its INT8 variant can be made.")
    steps = 3 if quantize else 2
    emit(progress, Progress(0, steps, f"Loading {info.name}"))
    if onnx_only:
        reference_renderer: generation.Renderer = generation.OrtRenderer(info.name, fp32_path, "cpu", "ONNX fp32")
        measured = f"{len(PARITY_SEEDS)} seeds, against its own ONNX file"
    else:
        reference_renderer = generation.torch_renderer(info, "cpu")
        measured = f"{len(PARITY_SEEDS)} seeds, against torch"
        check(cancel)
        emit(progress, Progress(1, steps, "Exporting to ONNX"))
        _save(_dcgan_graph(reference_renderer.generator, reference_renderer.nz), fp32_path)
    z = lat.seed_latents(PARITY_SEEDS, reference_renderer.nz)
    reference = reference_renderer.forward(z, 1.0)
    parity: dict[str, Any] = {"set": measured, "opset": OPSET}
    if not onnx_only:
        parity["fp32"] = _compare(reference, generation.OrtRenderer(info.name, fp32_path, "cpu", "").forward(z, 1.0))
    check(cancel)
    if quantize:
        emit(progress, Progress(steps - 1, steps, "Quantizing to INT8"))
        ort = isinstance(reference_renderer, generation.OrtRenderer)
        rank = reference_renderer.signature.latent_rank if ort else 2
        quantization.static_qdq_int8(fp32_path, int8_path, _calibration_batches(reference_renderer.nz, rank))
        parity["int8"] = _compare(reference, generation.OrtRenderer(info.name, int8_path, "cpu", "").forward(z, 1.0))
    else:
        int8_path.unlink(missing_ok=True)  # an old INT8 file would no longer match the fp32 one
    cache.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == str(info.path))
    store.write_manifest(info.path, parity=parity)
    emit(progress, Progress(steps, steps, "Exported"))
    return parity
