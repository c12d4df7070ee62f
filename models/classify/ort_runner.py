"""The exported classifier on ONNX Runtime: where an export's files lie, and the session that runs them.

The exporter (onnx_export.py) writes these files and checks them against torch; the classifier loads
them through ``load_ort_classifier``. Keeping the runner here lets both import it, and the classifier
run an export without importing its exporter.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import numpy as np

from models.core import cache, export_dirs, runtime, store

FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"


def onnx_paths(folder: os.PathLike | str) -> tuple[Path, Path]:
    """(fp32, int8) file paths of a model folder's export."""
    base = export_dirs.onnx_dir(folder)
    return base / FP32_FILE, base / INT8_FILE


class OrtClassifier(cache.Shared):
    """An ONNX Runtime session over an exported classifier: token ids in, logits out."""

    def __init__(self, onnx_file: Path, device: str = "cpu", threads: Optional[int] = None) -> None:
        self.path = onnx_file
        self.device = device
        self.session = runtime.ort_session(str(onnx_file), device=device, threads=threads)

    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": np.asarray(input_ids, dtype=np.int64),
                 "attention_mask": np.asarray(attention_mask, dtype=np.int64)}
        with self.in_use(), runtime.explain_oom(self.device):
            return self.session.run(["logits"], feeds)[0]


def load_ort_classifier(path: os.PathLike | str, int8: bool, device: str = "cpu",
                        allow_pickle: bool = False) -> OrtClassifier:
    """The exported classifier of a model folder (or store name), cached like torch models.

    ``allow_pickle`` is the consent the folder needs when its torch weights are a pickle (the
    ONNX file itself is no pickle, but the folder is refused without it like everywhere else).
    """
    info = store.open_model(path, task="classify", allow_pickle=allow_pickle)
    fp32_path, int8_path = onnx_paths(info.path)
    onnx_file = int8_path if int8 else fp32_path
    backend = runtime.Backend.ORT_INT8 if int8 else runtime.Backend.ORT_FP32
    if not onnx_file.is_file():
        raise runtime.no_export(info.name, backend)
    key = ("ort-classifier", str(info.path), device, backend.value)
    return cache.get_or_load(key, lambda: OrtClassifier(onnx_file, device))
