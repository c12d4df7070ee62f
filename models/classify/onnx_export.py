"""Export a sequence classifier to ONNX, quantize it to INT8 and check both against torch.

The export lives inside the model folder (``onnx/model.onnx`` and
``onnx/model_int8.onnx``) and its parity figures go into the manifest, so the
Models page and the classifier's ONNX backends can trust what they find there.
"""
from __future__ import annotations

import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Optional

import numpy as np

from models.core import cache, fileio, runtime, store
from models.core.tokens import token_limit
from models.core.events import CancelToken, ModelDeskError, Progress, ProgressFn, check, emit

ONNX_DIR = "onnx"
FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
OPSET = 18
INPUTS = ("input_ids", "attention_mask")
PARITY_MAX_LENGTH = 128

_SUBJECTS = ("The film", "This phone", "Our hotel room", "The new update", "That restaurant", "The service")
_VERDICTS = ("was wonderful and I would go again", "broke after two days, a waste of money",
             "was fine, nothing special", "exceeded every expectation we had",
             "made me angry from start to finish", "is exactly what the reviews promised")


def parity_texts() -> list[str]:
    """A fixed, varied set of sentences (short and long) so parity figures are comparable run to run."""
    texts = [f"{s} {v}." for s in _SUBJECTS for v in _VERDICTS]
    return texts + [f"{t} Honestly, {t.lower()}" for t in texts[::6]]


def onnx_paths(folder: os.PathLike | str) -> tuple[Path, Path]:
    """(fp32, int8) file paths of a model folder's export."""
    base = Path(folder) / ONNX_DIR
    return base / FP32_FILE, base / INT8_FILE


def _logits_module(model: Any) -> Any:
    """The classifier behind a two-input, logits-only forward, which is the graph the backends expect."""
    import torch

    class LogitsOnly(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    return LogitsOnly().eval()


def _export_fp32(model: Any, target: Path) -> None:
    """torch.onnx dynamo export with dynamic batch and sequence axes, written atomically."""
    import torch

    # the exporter warns that torchvision's detection ops are unavailable: irrelevant to text models
    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
    example = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "sequence"}
    with fileio.atomic_path(target, suffix=".onnx") as tmp, torch.no_grad(), warnings.catch_warnings():
        # both inputs share the two axis names on purpose; the exporter says so once per axis
        warnings.filterwarnings("ignore", message="# The axis name")
        torch.onnx.export(_logits_module(model), (example, example.clone()), str(tmp), dynamo=True,
                          opset_version=OPSET, input_names=list(INPUTS), output_names=["logits"],
                          dynamic_shapes={name: axes for name in INPUTS}, external_data=False,
                          verbose=False)


def _quantize_int8(source: Path, target: Path) -> None:
    """Dynamic INT8 quantization, per channel.

    The dynamo exporter fills ``value_info`` with shapes that the quantizer's own
    shape inference then contradicts (it fails or emits a broken graph), so the
    graph is given to it without them.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source))
    del graph.graph.value_info[:]
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch, \
            fileio.atomic_path(target, suffix=".onnx") as tmp:
        clean = Path(scratch) / "clean.onnx"
        onnx.save(graph, str(clean))
        quantize_dynamic(str(clean), str(tmp), per_channel=True, weight_type=QuantType.QInt8)


def _compare(reference: np.ndarray, logits: np.ndarray) -> dict[str, float]:
    agree = float((reference.argmax(-1) == logits.argmax(-1)).mean() * 100.0)
    return {"max_abs_diff": float(np.abs(reference - logits).max()), "argmax_agreement_pct": agree}


def export_classifier(model: os.PathLike | str, quantize: bool = True, device: str = "auto", backend: str = "torch",
                      allow_pickle: bool = False, progress: ProgressFn = None,
                      cancel: Optional[CancelToken] = None) -> dict:
    """Write ``onnx/model.onnx`` (and ``onnx/model_int8.onnx``), check them against torch, return the parity.

    The parity (max absolute logit difference and argmax agreement in percent,
    per backend, over :func:`parity_texts`) is also recorded in the manifest.
    ``device`` and ``backend`` are accepted like every job's runtime options but do
    not apply: the export is traced on the CPU in fp32, and makes the ONNX files.
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    info = store.open_model(model, task="classify", allow_pickle=allow_pickle)
    steps = 4 if quantize else 3
    emit(progress, Progress(0, steps, f"Loading {info.name}"))
    kwargs = store.hf_kwargs(info)
    net = AutoModelForSequenceClassification.from_pretrained(info.path, dtype=torch.float32, **kwargs).eval()
    tokenizer = AutoTokenizer.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
    fp32_path, int8_path = onnx_paths(info.path)
    check(cancel)
    emit(progress, Progress(1, steps, "Exporting to ONNX"))
    _export_fp32(net, fp32_path)
    check(cancel)
    if quantize:
        emit(progress, Progress(2, steps, "Quantizing to INT8"))
        _quantize_int8(fp32_path, int8_path)
        check(cancel)
    else:
        int8_path.unlink(missing_ok=True)  # an old INT8 file would no longer match the fp32 one
    cache.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == str(info.path))
    emit(progress, Progress(steps - 1, steps, "Checking parity with torch"))
    texts = parity_texts()
    limit = min(PARITY_MAX_LENGTH, token_limit(tokenizer, net.config))
    batch = tokenizer(texts, padding=True, truncation=True, max_length=limit, return_tensors="np")
    ids, mask = batch["input_ids"].astype(np.int64), batch["attention_mask"].astype(np.int64)
    with torch.no_grad():
        reference = net(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits.numpy()
    parity: dict[str, Any] = {"texts": len(texts), "opset": OPSET,
                              "fp32": _compare(reference, OrtClassifier(fp32_path).logits(ids, mask))}
    if quantize:
        parity["int8"] = _compare(reference, OrtClassifier(int8_path).logits(ids, mask))
    store.write_manifest(info.path, parity=parity)
    emit(progress, Progress(steps, steps, "Exported"))
    return parity


class OrtClassifier(cache.Shared):
    """An ONNX Runtime session over an exported classifier: token ids in, logits out."""

    def __init__(self, onnx_file: Path, device: str = "cpu", threads: Optional[int] = None) -> None:
        self.path = onnx_file
        self.session = runtime.ort_session(str(onnx_file), device=device, threads=threads)

    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": np.asarray(input_ids, dtype=np.int64),
                 "attention_mask": np.asarray(attention_mask, dtype=np.int64)}
        with self.in_use():
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
    if not onnx_file.is_file():
        kind = "INT8" if int8 else "ONNX"
        raise ModelDeskError(f"{info.name} has no {kind} export yet; use Convert to ONNX + INT8 on the Models page.")
    backend = runtime.Backend.ORT_INT8 if int8 else runtime.Backend.ORT_FP32
    key = ("ort-classifier", str(info.path), device, backend.value)
    return cache.get_or_load(key, lambda: OrtClassifier(onnx_file, device))
