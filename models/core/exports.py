"""One entry point for exporting any model to ONNX Runtime, whatever its task.

Each task keeps its own exporter in ``models/<task>/onnx_export.py`` with the same signature:
``export(model, quantize=True, device="auto", backend="torch", allow_pickle=False, progress=None,
cancel=None) -> dict``. It writes the ONNX files into the model folder's ``onnx/`` subfolder,
checks them against torch, records the parity report in the folder's manifest (``parity``) and
returns it. The report has the shape ``{"set": "<what it was measured on>", "fp32": {<metric>:
value, ...}, "int8": {...}}``; ``models.core.parity.format_parity`` says it in words.
"""
from __future__ import annotations

import importlib
import os
from typing import Callable, Optional

from models.core import store
from models.core.events import CancelToken, ModelDeskError, ProgressFn

#: task -> "module:function" of its exporter
EXPORTERS = {
    "classify": "models.classify.onnx_export:export_classifier",
    "generate": "models.generate.onnx_export:export_generator",
    "translate": "models.translate.onnx_export:export_translator",
    "faces": "models.faces.onnx_export:export_generator",
    "transcribe": "models.transcribe.onnx_export:export_recognizer",
}


def exporter(task: str) -> Callable[..., dict]:
    """The export function of a task, or a clear error when the task has none yet."""
    target = EXPORTERS.get(task)
    module_name, _, name = (target or "").partition(":")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError):
        raise ModelDeskError(f"ModelDesk cannot export {store.KINDS.get(task, task)} to ONNX yet.") from None


def export_model(model: os.PathLike | str, quantize: bool = True, device: str = "auto", backend: str = "torch",
                 allow_pickle: bool = False, progress: ProgressFn = None,
                 cancel: Optional[CancelToken] = None) -> dict:
    """Export ``model`` with its task's exporter (see the module docstring); returns the parity report."""
    info = store.open_model(model, allow_pickle=allow_pickle)
    return exporter(info.task)(str(info.path), quantize=quantize, device=device, backend=backend,
                               allow_pickle=allow_pickle, progress=progress, cancel=cancel)
