"""Job targets for the backend tests: an export that only writes what a real one leaves behind, and a job
that meets a full GPU (they run in the engine process, where a test's monkeypatch cannot reach)."""
from __future__ import annotations

from models.core import export_dirs, runtime, store
from models.core.events import Progress

PARITY = {"set": "built-in sentences only (25 held out, unlabelled), not checked on your data", "source": "builtin",
          "rows": 25, "chooser_rows": 17, "labelled": False,
          "fp32": {"agreement_pct": 100.0, "max_prob_diff": 3e-7}, "int8": {"agreement_pct": 97.6, "max_prob_diff": 0.04}}


def fake_export(model, quantize=True, device="auto", backend="torch", allow_pickle=False, progress=None, cancel=None):
    """The files and the parity report of an export, with progress on the way."""
    folder = export_dirs.onnx_dir(model)   # where the loaders look (beside the folder, per revision)
    folder.mkdir(parents=True, exist_ok=True)
    for step, name in enumerate(("model.onnx", "model_int8.onnx")):
        progress(Progress(step, 2, f"Writing {name}"))
        (folder / name).write_bytes(b"graph")
    store.write_manifest(model, parity=PARITY)
    progress(Progress(2, 2, "Exported"))
    return PARITY


class CudaOutOfMemory(RuntimeError):
    """What torch raises when the GPU is full (the name is what counts)."""


CudaOutOfMemory.__name__ = "OutOfMemoryError"


def full_gpu(**kwargs):
    """A model job whose forward pass meets a full GPU."""
    with runtime.explain_oom("cuda"):
        raise CudaOutOfMemory("CUDA out of memory. Tried to allocate 2.00 GiB")
