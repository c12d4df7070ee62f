"""Device, precision, threads and inference backend.

torch is imported inside functions so that importing this module stays cheap
(the GUI shows its window before torch loads).
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Iterator, Optional

from models.core.events import ModelDeskError, ProgressFn
from models.core.oom import is_gpu_oom

log = logging.getLogger(__name__)


class Backend(str, Enum):
    TORCH = "torch"
    ORT_FP32 = "onnx-fp32"
    ORT_INT8 = "onnx-int8"
    ORT_INT4 = "onnx-int4"   # generators only: blockwise 4-bit (8-bit where a GGUF file is finer), converted on use

    @property
    def label(self) -> str:
        """How people read it: PyTorch, ONNX fp32, ONNX INT8."""
        return {"torch": "PyTorch", "onnx-fp32": "ONNX fp32", "onnx-int8": "ONNX INT8",
                "onnx-int4": "ONNX 4-bit"}[self.value]

    @property
    def precision(self) -> str:
        """The key an export's parity report files this backend under ("fp32", "int8"; "" for torch)."""
        return self.value.partition("-")[2]


class BackendUnavailable(ModelDeskError):
    """The chosen backend cannot run here: no export yet, no CUDA execution provider, the GPU is full.

    A ModelDeskError like any other (one sentence for people); its own class lets the GUI tell it
    from other failures and show it in the status bar as the backend's state.
    """


def parse_backend(value: str) -> Backend:
    """The backend a setting or option names, or a clear error."""
    try:
        return Backend(value)
    except ValueError:
        raise ModelDeskError(f"Unknown backend '{value}'; choose one of "
                             f"{', '.join(b.value for b in Backend)}.") from None


def no_export(name: str, backend: str | Backend, doing: str = "") -> BackendUnavailable:
    """The error for an ONNX backend chosen for a model that has no such export (``doing``: "for generating")."""
    what = f"{parse_backend(backend).label} export{' ' + doing if doing else ''}"
    return BackendUnavailable(f"{name} has no {what} yet: export it on the Models page, or choose PyTorch.")


def torch_only(backend: str, doing: str, progress: ProgressFn = None, model: Optional[str] = None) -> None:
    """For a task whose ONNX Runtime path does not exist yet: ONNX chosen is an error, never a silent switch.

    ``doing`` says what was asked ("generating"); ``model`` names the model in the message.
    """
    if parse_backend(backend) is not Backend.TORCH:
        raise no_export(model or "This model", backend, f"for {doing}")


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

    @property
    def is_cuda(self) -> bool:
        """True for "cuda" and "cuda:N" (one process per GPU under torchrun)."""
        return self.device.startswith("cuda")


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


_threads: Optional[int] = None   # the count set_threads chose for this process


def set_threads(count: Optional[int] = None) -> int:
    """Set torch's intra-op threads once, at start-up, and return the number used.

    ``count`` comes from a setting or an option; else MODELDESK_THREADS, else every core (an even
    share of them when torchrun starts several processes on this machine).
    No job may change it: torch keeps the count per thread and every thread started later takes
    the last one set, so a job that lowered it slowed the jobs started beside it (a training job
    started during a live session ran on one thread). ONNX Runtime sessions take the same count
    (:func:`thread_count`).

    Before torch is loaded this only sets OMP_NUM_THREADS, which torch reads when it loads: a
    command that never needs torch (``models list``) does not pay for importing it.
    """
    global _threads
    count = max(1, count or _default_threads())
    _threads = count
    if "torch" not in sys.modules:
        os.environ["OMP_NUM_THREADS"] = str(count)
        return count
    import torch

    torch.set_num_threads(count)
    return torch.get_num_threads()


def _default_threads() -> int:
    processes = max(1, int(os.environ.get("LOCAL_WORLD_SIZE", 1)))   # torchrun: processes on this machine
    return int(os.environ.get("MODELDESK_THREADS", 0)) or max(1, (os.cpu_count() or 1) // processes)


def thread_count() -> int:
    """The process's thread budget: what set_threads chose, else MODELDESK_THREADS, else every core."""
    return _threads or _default_threads()


CUDA_PROVIDER = "CUDAExecutionProvider"
CPU_PROVIDER = "CPUExecutionProvider"


def ort_providers(device: str) -> list[str]:
    """ONNX Runtime execution providers for the device; CUDA asked for but missing is an error that says why."""
    if not device.startswith("cuda"):
        return [CPU_PROVIDER]
    import onnxruntime as ort

    if CUDA_PROVIDER not in ort.get_available_providers():
        raise BackendUnavailable(
            f"ONNX Runtime {ort.__version__} has no CUDA execution provider here (install onnxruntime-gpu and "
            "the CUDA and cuDNN versions it needs): choose the CPU device, or PyTorch.")
    return [CUDA_PROVIDER, CPU_PROVIDER]


def optimized_path(model_path: os.PathLike | str) -> Path:
    """Where the CPU-optimised copy of an ONNX file lives (``model_int8.onnx`` -> ``model_int8.optimized.onnx``)."""
    path = Path(model_path)
    return path.with_name(f"{path.stem}.optimized.onnx")


def _session_options(threads: Optional[int], level: Any = None, spinning: bool = True) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = level if level is not None else ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = threads or thread_count()
    opts.inter_op_num_threads = 1   # one graph at a time: the intra-op threads do the work
    if not spinning:
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


def save_optimized(model_path: os.PathLike | str) -> Path:
    """Write the CPU-optimised copy of an ONNX file next to it, so sessions skip the graph rewriting.

    Saved at the *extended* level (fusions that hold on any CPU); the layout changes of the full
    level depend on the CPU and are made when the session loads.
    """
    import onnxruntime as ort

    from models.core import fileio

    target = optimized_path(model_path)
    with fileio.atomic_path(target, suffix=".onnx") as tmp:
        opts = _session_options(1, ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
        opts.optimized_model_filepath = str(tmp)
        ort.InferenceSession(str(model_path), sess_options=opts, providers=[CPU_PROVIDER])
    return target


def ort_session(model_path: os.PathLike | str, device: str = "cpu", threads: Optional[int] = None,
                spinning: bool = True) -> Any:
    """An ONNX Runtime session: full graph optimisation, the process's thread budget, the saved optimised
    copy on the CPU when there is one. CUDA asked for but not running is an error that says why.
    ``spinning=False``: idle threads sleep instead of spinning (a loop with Python between short steps,
    on a shared CPU, ran twice as fast so)."""
    import onnxruntime as ort

    providers = ort_providers(device)
    path = Path(model_path)
    optimized = optimized_path(path)
    if providers == [CPU_PROVIDER] and optimized.is_file():
        try:
            return ort.InferenceSession(str(optimized), sess_options=_session_options(threads, spinning=spinning),
                                        providers=providers)
        except Exception as exc:  # made by another ONNX Runtime version: the source file still serves
            log.info("not using %s (%s)", optimized, exc)
    with explain_oom(device):
        session = ort.InferenceSession(str(path), sess_options=_session_options(threads, spinning=spinning),
                                       providers=providers)
    if device.startswith("cuda") and session.get_providers()[0] != CUDA_PROVIDER:
        raise BackendUnavailable("ONNX Runtime could not start its CUDA execution provider (its CUDA or cuDNN "
                                 "libraries did not load; the log says which): choose the CPU device, or PyTorch.")
    if device.startswith("cuda") and "int8" in path.stem:
        note = int8_placement_note(str(path), path.stat().st_mtime_ns, tuple(providers))
        if note:
            log.warning("%s: %s", path.name, note)
    return session


@functools.lru_cache(maxsize=32)
def int8_placement_note(path: str, _mtime_ns: int, providers: tuple[str, ...]) -> Optional[str]:
    """Whether an INT8 graph on the GPU runs its quantized operators on the CPU (once per file version)."""
    from models.core.ort_placement import int8_on_cpu_note, placements

    try:
        return int8_on_cpu_note(placements(path, list(providers)), "cuda")
    except Exception as exc:  # the check must never stop the model from running
        log.info("could not read the node placement of %s: %s", path, exc)
        return None


def is_oom(exc: BaseException) -> bool:
    """A GPU (or ONNX Runtime arena) allocation failure, whatever library raised it."""
    text = str(exc).lower()
    return type(exc).__name__ == "OutOfMemoryError" or "out of memory" in text or "failed to allocate memory" in text


@contextlib.contextmanager
def explain_oom(device: str) -> Iterator[None]:
    """Turn a GPU out-of-memory error into a sentence that says what to do. The original stays its
    ``__cause__``, which ``oom.retry_smaller`` looks for to retry smaller or on the CPU."""
    try:
        yield
    except Exception as exc:
        if not (is_gpu_oom(exc) or (device.startswith("cuda") and is_oom(exc))):
            raise
        raise BackendUnavailable("The GPU is out of memory: close other GPU programs, use a smaller batch, "
                                 "or choose the CPU device.") from exc


def warm_up(device: str = "auto") -> DeviceChoice:
    """Import the heavy libraries and pick the device (run in the engine at start-up)."""
    import transformers  # noqa: F401  (the import itself is the work)

    return choose_device(device)
