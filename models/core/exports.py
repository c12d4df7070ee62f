"""One entry point for exporting any model to ONNX Runtime, whatever its task.

Each task keeps its own exporter in ``models/<task>/onnx_export.py`` with the same signature:
``export(model, quantize=True, device="auto", backend="torch", allow_pickle=False, progress=None,
cancel=None) -> dict``. It writes the ONNX files into the model's export folder (``export_dirs``),
checks them against torch, records the parity report in the folder's manifest (``parity``) and
returns it. The report has the shape ``{"set": "<what it was measured on>", "fp32": {<metric>:
value, ...}, "int8": {...}}``; ``models.core.parity.format_parity`` says it in words. An exporter may
also take ``calibration`` (a labelled file to measure INT8 on; the classifier's does).

Which backends a model folder has is read from that report (:func:`exported_backends`), so the
GUI and the benchmarks know it without loading anything heavy.
"""
from __future__ import annotations

import importlib
import inspect
import logging
import os
from typing import Callable, Optional

from models.core import store
from models.core.events import CancelToken, ModelDeskError, ProgressFn
from models.core.runtime import Backend

log = logging.getLogger(__name__)

#: task -> "module:function" of its exporter, registered by models/tasks.py (core names no task)
EXPORTERS: dict[str, str] = {}


def exporter(task: str) -> Callable[..., dict]:
    """The export function of a task, or a clear error when the task has none yet."""
    target = EXPORTERS.get(task)
    module_name, _, name = (target or "").partition(":")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError):
        raise ModelDeskError(f"ModelDesk cannot export {store.KINDS.get(task, task)} to ONNX yet.") from None


def exported_backends(info: store.ModelInfo) -> set[str]:
    """The ONNX backends a model folder has an export for, from its manifest's parity report.

    Every exporter records a variant's figures only once its file is written and checked, so a
    variant in the report with an ``onnx/`` folder present is a usable export.
    """
    parity = info.manifest.get("parity")
    if not isinstance(parity, dict) or not info.has_onnx:
        return set()
    return {b.value for b in (Backend.ORT_FP32, Backend.ORT_INT8) if isinstance(parity.get(b.precision), dict)}


def export_model(model: os.PathLike | str, quantize: bool = True, device: str = "auto", backend: str = "torch",
                 allow_pickle: bool = False, calibration: Optional[str] = None, progress: ProgressFn = None,
                 cancel: Optional[CancelToken] = None) -> dict:
    """Export ``model`` with its task's exporter (see the module docstring); returns the parity report.

    ``calibration``: a labelled file to measure the INT8 variant on, for exporters that take one.
    """
    info = store.open_model(model, allow_pickle=allow_pickle)
    export = exporter(info.task)
    extra = {}
    if calibration:
        if "calibration" not in inspect.signature(export).parameters:
            raise ModelDeskError(f"Exports of {store.KINDS.get(info.task, info.task)} take no calibration file.")
        extra["calibration"] = calibration
    parity = export(str(info.path), quantize=quantize, device=device, backend=backend, allow_pickle=allow_pickle,
                    progress=progress, cancel=cancel, **extra)
    store.write_manifest(info.path, placement=_int8_placement(info) if quantize else None)
    return parity


def _int8_placement(info: store.ModelInfo) -> Optional[dict]:
    """Where CUDA would run the INT8 export's nodes (``ort_placement.cuda_int8_placement``), when this
    machine has CUDA; a failed check never fails the export."""
    from models.core import export_dirs, ort_placement

    try:
        return ort_placement.cuda_int8_placement(export_dirs.onnx_dir(info.path))
    except Exception as exc:  # ONNX Runtime raises its own kinds; the export itself is done and checked
        log.warning("could not check where CUDA runs the INT8 export of %s: %s", info.name, exc)
        return None
