"""Measuring classifiers for the speed/accuracy trade-off: macro-F1, latency at batch size 1, size on disk.

A variant is a model folder run by one backend (torch, or its ONNX INT8 export). Every variant of
a measurement is scored on the same labelled file and timed through the normal classifier path
(``Classifier.predict_proba`` on one text, tokenisation included), one text at a time. The timing
is interleaved, each text run by every variant in turn, so load on a shared machine hits all
variants alike; the median is reported. Points are plain dicts (they cross to the GUI and go into
the run folder as ``tradeoff.json``).
"""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from models.classify import metrics, tabular
from models.classify.classifier import Classifier
from models.classify.ort_runner import onnx_paths
from models.core import runs, runtime, store
from models.core.events import CancelToken, Data, ModelDeskError, Progress, ProgressFn, check, emit

#: the backends a trade-off shows: the model as trained, and its INT8 export
BACKENDS = (runtime.Backend.TORCH.value, runtime.Backend.ORT_INT8.value)
#: texts timed one at a time per variant (evenly spread over the file, so short and long alike)
LATENCY_ROWS = 100
WARM_UP_ROWS = 3


def weights_file_bytes(folder: os.PathLike | str, backend: str) -> int:
    """What the backend loads from disk: the safetensors weights for torch, else the ONNX file."""
    folder = Path(folder)
    if backend == runtime.Backend.TORCH.value:
        return sum(f.stat().st_size for f in folder.glob("*.safetensors"))
    fp32, int8 = onnx_paths(folder)
    path = int8 if backend == runtime.Backend.ORT_INT8.value else fp32
    return path.stat().st_size if path.is_file() else 0


def parameter_count(folder: os.PathLike | str) -> int:
    """Parameters in a folder's safetensors weights, read from their headers (no tensor is loaded)."""
    from safetensors import safe_open

    total = 0
    for path in Path(folder).glob("*.safetensors"):
        with safe_open(str(path), framework="numpy") as fh:
            total += sum(int(np.prod(fh.get_slice(name).get_shape())) for name in fh.keys())
    return total


def available_backends(folder: os.PathLike | str) -> list[str]:
    """The trade-off backends a model folder can run: torch, and INT8 once it has been exported."""
    return [b for b in BACKENDS if b == runtime.Backend.TORCH.value or weights_file_bytes(folder, b)]


def latency_indices(n: int, rows: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, num=min(n, max(rows, 1))).astype(int))


def measure(variants: Sequence[tuple[str, str, str]], data: os.PathLike | str, examples: tabular.Examples,
            latency_rows: int = LATENCY_ROWS, device: str = "auto", allow_pickle: bool = False,
            progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> list[dict]:
    """One point per (model folder, backend, role) variant, all on ``examples`` (read from ``data``)."""
    data = Path(data)
    loaded = []
    for model, backend, role in variants:
        check(cancel)
        emit(progress, Progress(0, None, f"Loading {Path(model).name} ({backend})"))
        clf = Classifier.load(model, device=device, backend=backend, allow_pickle=allow_pickle)
        if clf.backend != backend:
            raise ModelDeskError(f"{clf.info.name} has no {backend} export; export it on the Models page first.")
        unseen = sorted(set(examples.labels) - set(clf.labels))
        if unseen:
            raise ModelDeskError(f"{data.name} has label(s) the model '{clf.info.name}' does not know: "
                                 f"{', '.join(unseen)}.")
        loaded.append((clf, role))
    points = []
    for k, (clf, role) in enumerate(loaded):
        emit(progress, Progress(k, len(loaded) * 2, f"Scoring {clf.info.name} ({clf.backend}) on "
                                                    f"{len(examples.texts):,} texts"))
        probs = clf.predict_proba(examples.texts, batch_size=32, cancel=cancel)
        y = [clf.labels.index(label) for label in examples.labels]
        scored = metrics.evaluate(y, probs, clf.labels)
        points.append({"name": clf.info.name, "role": role, "model": str(clf.info.path), "backend": clf.backend,
                       "device": clf.device, "f1_macro": scored["f1_macro"], "accuracy": scored["accuracy"],
                       "rows": len(examples.texts),
                       "size_mb": weights_file_bytes(clf.info.path, clf.backend) / 2**20,
                       "params": parameter_count(clf.info.path), "data": str(data.resolve())})
    texts = [examples.texts[i] for i in latency_indices(len(examples.texts), latency_rows)]
    for clf, _role in loaded:
        for text in texts[:WARM_UP_ROWS]:
            clf.predict_proba([text], batch_size=1)
    times: list[list[float]] = [[] for _ in loaded]
    for n, text in enumerate(texts):
        check(cancel)
        for k, (clf, _role) in enumerate(loaded):
            started = time.perf_counter()
            clf.predict_proba([text], batch_size=1)
            times[k].append(time.perf_counter() - started)
        emit(progress, Progress(len(loaded) + len(loaded) * (n + 1) / len(texts), len(loaded) * 2,
                                f"Timing at batch size 1: {n + 1}/{len(texts)} texts"))
    for point, seconds in zip(points, times):
        point.update(latency_ms=statistics.median(seconds) * 1000.0, latency_rows=len(seconds))
    return points


def measure_classifiers(models: Sequence[str], data: str, text_column: Optional[str] = None,
                        label_column: Optional[str] = None, latency_rows: int = LATENCY_ROWS, device: str = "auto",
                        backend: str = "torch", allow_pickle: bool = False, progress: ProgressFn = None,
                        cancel: Optional[CancelToken] = None) -> list[dict]:
    """Trade-off points of classifiers on a labelled file: each with torch, and with INT8 where it has
    an export. ``backend`` is taken like every job's runtime option, but every backend is measured.
    The points are recorded as a run, so the dashboard can show them again."""
    if not models:
        raise ModelDeskError("Choose a classifier to measure.")
    examples = tabular.read_examples(data, text_column, label_column)
    folders = [store.open_model(m, task="classify", allow_pickle=allow_pickle).path for m in models]
    variants = [(str(folder), b, "model") for folder in folders for b in available_backends(folder)]
    points = measure(variants, data, examples, latency_rows, device, allow_pickle, progress, cancel)
    run = runs.create_run({"kind": "measure", "model": str(folders[0]), "models": [str(f) for f in folders],
                           "data": str(Path(data).resolve())}, name=f"measure-{folders[0].name}")
    run.save_tradeoff(points)
    run.set_status("completed")
    emit(progress, Data("tradeoff", points))
    return points
