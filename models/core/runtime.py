"""Device, precision, threads and inference backend.

torch is imported inside functions so that importing this module stays cheap
(the GUI shows its window before torch loads).
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from enum import Enum
from typing import Any, Optional

from models.core.events import Log, ModelDeskError, ProgressFn, emit


class Backend(str, Enum):
    TORCH = "torch"
    ORT_FP32 = "onnx-fp32"
    ORT_INT8 = "onnx-int8"


def parse_backend(value: str) -> Backend:
    """The backend a setting or option names, or a clear error."""
    try:
        return Backend(value)
    except ValueError:
        raise ModelDeskError(f"Unknown backend '{value}'; choose one of "
                             f"{', '.join(b.value for b in Backend)}.") from None


def torch_only(backend: str, doing: str, progress: ProgressFn) -> None:
    """Only classifiers have ONNX exports: other tasks run on torch, and say so when ONNX was chosen."""
    if parse_backend(backend) is not Backend.TORCH:
        emit(progress, Log(f"ONNX Runtime runs only exported classifiers; {doing} with PyTorch."))


@dataclass(frozen=True)
class DeviceChoice:
    device: str          # "cuda" or "cpu"
    dtype_name: str      # "bfloat16", "float16" or "float32"
    reason: str          # why, in words (shown in the status bar)

    @property
    def dtype(self) -> Any:
        import torch
        return getattr(torch, self.dtype_name)

    @property
    def label(self) -> str:
        return f"{self.device.upper()} · {self.dtype_name}"


def choose_device(preference: str = "auto") -> DeviceChoice:
    """CUDA when present and wanted, else CPU, with the reason in words.

    ``preference`` is "auto", "cuda" or "cpu" (MODELDESK_DEVICE overrides "auto").
    """
    import torch

    preference = (preference or "auto").lower()
    if preference == "auto":
        preference = os.environ.get("MODELDESK_DEVICE", "auto").lower()
    if preference == "cpu":
        return DeviceChoice("cpu", "float32", "CPU chosen in settings")
    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        dtype = "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
        return DeviceChoice("cuda", dtype, f"GPU: {name}")
    if not torch.backends.cuda.is_built():
        why = "this torch build has no CUDA support"
    elif torch.cuda.device_count() == 0:
        why = "no CUDA GPU was found"
    else:
        why = "CUDA is not usable"
    prefix = "GPU requested but " if preference == "cuda" else ""
    return DeviceChoice("cpu", "float32", f"{prefix}{why}; running on the CPU")


#: the thread count a setting or an option asked for (set_threads); ONNX Runtime sessions use it too
_asked_threads: Optional[int] = None


def set_threads(count: Optional[int] = None) -> int:
    """Set torch's intra-op threads once, at start-up, and return the number used.

    ``count`` comes from a setting or an option; else MODELDESK_THREADS, else every core.
    No job may change it: torch keeps the count per thread and every thread started later takes
    the last one set, so a job that lowered it slowed the jobs started beside it (a training job
    started during a live session ran on one thread). A count asked for (not the every-core
    default) also sizes ONNX Runtime's sessions (``ort_session``), so torch and ONNX Runtime
    compare on the same budget.

    Before torch is loaded this only sets OMP_NUM_THREADS, which torch reads when it loads: a
    command that never needs torch (``models list``) does not pay for importing it.
    """
    global _asked_threads
    _asked_threads = count or int(os.environ.get("MODELDESK_THREADS", 0)) or None
    count = max(1, _asked_threads or (os.cpu_count() or 1))
    if "torch" not in sys.modules:
        os.environ["OMP_NUM_THREADS"] = str(count)
        return count
    import torch

    torch.set_num_threads(count)
    return torch.get_num_threads()


def ort_providers(device: str) -> list[str]:
    """ONNX Runtime execution providers for the device, CUDA only when really available."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    if device == "cuda" and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def ort_session(model_path: str, device: str = "cpu", threads: Optional[int] = None) -> Any:
    """An ONNX Runtime session with full graph optimisation and a thread budget: ``threads``, else
    the count asked of ``set_threads``, else ONNX Runtime's own choice (one per physical core)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    threads = threads or _asked_threads
    if threads:
        opts.intra_op_num_threads = threads
    return ort.InferenceSession(model_path, sess_options=opts, providers=ort_providers(device))


def warm_up(device: str = "auto") -> DeviceChoice:
    """Import the heavy libraries and pick the device (run in the engine at start-up)."""
    import transformers  # noqa: F401  (the import itself is the work)

    return choose_device(device)
