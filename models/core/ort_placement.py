"""Where ONNX Runtime runs each node of a model, and what that means for INT8 on a GPU.

ONNX Runtime's CUDA provider has no kernels for several quantized operators; it places those nodes
on the CPU without an error, copying tensors to and from the GPU around each. A session's first
provider says nothing about that, so the placement is read from a profiled run (every node's
``provider`` in ONNX Runtime's own trace) on inputs of the model's own shapes.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np

#: operators that carry the INT8 arithmetic of a quantized graph (ONNX and ONNX Runtime contrib ops)
QUANTIZED_OPS = frozenset({"MatMulNBits", "MatMulInteger", "DynamicQuantizeLinear", "DynamicQuantizeMatMul", "MatMulIntegerToFloat",
                           "QLinearMatMul", "QLinearConv", "ConvInteger", "QGemm", "QAttention", "QuantizeLinear",
                           "DequantizeLinear", "QOrderedMatMul"})
CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
_DTYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(double)": np.float64,
           "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int8)": np.int8, "tensor(uint8)": np.uint8,
           "tensor(bool)": np.bool_}


@dataclass(frozen=True)
class Placement:
    node: str
    op: str
    provider: str


def sample_feeds(session: Any, length: int = 4) -> dict[str, np.ndarray]:
    """Zeros of every input's type and shape (a named, unknown dimension taken as ``length``, a batch
    as 1): token id 0 and silent audio are valid inputs to every model here."""
    feeds = {}
    for index, spec in enumerate(session.get_inputs()):
        shape = [dim if isinstance(dim, int) and dim > 0 else (1 if position == 0 else length)
                 for position, dim in enumerate(spec.shape)]
        feeds[spec.name] = np.zeros(shape, dtype=_DTYPES.get(spec.type, np.float32))
    return feeds


def profile_trace(model_path: os.PathLike | str, providers: list[str],
                  feeds: Optional[dict[str, np.ndarray]] = None) -> list[dict]:
    """ONNX Runtime's own trace of one profiled run of ``model_path`` (its JSON events)."""
    import onnxruntime as ort

    with tempfile.TemporaryDirectory(prefix="modeldesk-placement-") as scratch:
        options = ort.SessionOptions()
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(scratch) / "trace")
        session = ort.InferenceSession(str(model_path), sess_options=options, providers=providers)
        session.run(None, feeds if feeds is not None else sample_feeds(session))
        return json.loads(Path(session.end_profiling()).read_text(encoding="utf-8"))


def read_trace(trace: list[dict]) -> list[Placement]:
    """Each node of a profiled run with the provider that ran it."""
    found: dict[str, Placement] = {}
    for event in trace:
        args = event.get("args") or {}
        if event.get("cat") == "Node" and args.get("provider"):
            name = str(event.get("name", "")).removesuffix("_kernel_time")
            found[name] = Placement(name, str(args.get("op_name", "")), str(args["provider"]))
    return list(found.values())


def placements(model_path: os.PathLike | str, providers: list[str],
               feeds: Optional[dict[str, np.ndarray]] = None) -> list[Placement]:
    """Each node of ``model_path`` with the provider ONNX Runtime ran it on, from one profiled run."""
    return read_trace(profile_trace(model_path, providers, feeds))


def summary(placed: list[Placement]) -> str:
    """Nodes per provider, with the quantized ones named: what gpu_check prints."""
    by_provider: dict[str, list[Placement]] = {}
    for p in placed:
        by_provider.setdefault(p.provider, []).append(p)
    parts = []
    for provider, nodes in sorted(by_provider.items()):
        quantized = sorted({p.op for p in nodes if p.op in QUANTIZED_OPS})
        parts.append(f"{provider.removesuffix('ExecutionProvider')} {len(nodes)} nodes"
                     + (f" (INT8: {', '.join(quantized)})" if quantized else ""))
    return "; ".join(parts) or "no nodes ran"


def int8_on_cpu_note(placed: list[Placement], device: str) -> Optional[str]:
    """A sentence when a GPU session runs INT8 operators on the CPU (then fp32 on the GPU, or torch in
    16 bits, is the faster choice); None when it does not, or when the CPU was asked for anyway."""
    if not device.startswith("cuda"):
        return None
    quantized = [p for p in placed if p.op in QUANTIZED_OPS]
    on_cpu = [p for p in quantized if p.provider == CPU]
    if not on_cpu:
        return None
    ops = ", ".join(sorted({p.op for p in on_cpu}))
    return (f"{len(on_cpu)} of {len(quantized)} INT8 operators would run on the CPU, not the GPU ({ops}): "
            "choose ONNX fp32 or PyTorch (fp16/bf16) for this GPU; they keep every node on it.")


def cuda_trace(model_path: os.PathLike | str) -> Optional[list[dict]]:
    """A profiled run on CUDA (the CPU taking what CUDA lacks), or None when there is no GPU to run it.

    onnxruntime-gpu lists CUDA on every machine, GPU or not; without one the session quietly runs
    on the CPU, which would read as "every INT8 node falls back". So no GPU for torch means no check,
    and a trace in which CUDA ran nothing (its libraries did not load) is no answer either."""
    import onnxruntime as ort
    import torch

    if CUDA not in ort.get_available_providers() or not torch.cuda.is_available():
        return None
    trace = profile_trace(model_path, [CUDA, CPU])
    return trace if any(p.provider == CUDA for p in read_trace(trace)) else None


def cuda_int8_placement(onnx_dir: Path) -> Optional[dict]:
    """The export record's ``placement``: each INT8 file's note when CUDA would leave its INT8 operators
    to the CPU (see ``int8_on_cpu_note``). None when nothing could be checked: no INT8 file, or no CUDA
    here. The pages read it to offer ONNX fp32 or PyTorch instead on the GPU."""
    files = sorted(f for f in onnx_dir.glob("*int8*.onnx") if not f.name.endswith(".optimized.onnx"))
    notes = {}
    for file in files:
        trace = cuda_trace(file)
        if trace is None:
            return None
        note = int8_on_cpu_note(read_trace(trace), "cuda")
        if note:
            notes[file.name] = note
    return {"device": "cuda", "int8_on_cpu": notes} if files else None
