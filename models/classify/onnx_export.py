"""Export a sequence classifier to ONNX, quantize it to INT8 where that keeps its answers, check both.

The export lives in the model's export folder (``onnx/model.onnx``, ``onnx/model_int8.onnx`` and their
CPU-optimised copies, named in ort_runner.py, which also holds the runner) and its parity report goes
into the manifest, so the Models page and the classifier's ONNX backends can trust what they find there.

INT8 is chosen by measurement, on the chooser's part of the user's rows (see models.classify.calibration): the
embeddings and the classification head always stay fp32 (they cost little time and move the
logits most); the linear layers of the transformer blocks are quantized dynamically (int8 weights
per channel, uint8 activations per row, int32 accumulation). If the whole set of blocks misses the
targets (agreement and metric on the calibration set), a sweep quantizes one block at a time and
measures how far the probabilities move, and the most sensitive blocks are kept fp32 one by one
until the targets are met. What was kept and why is recorded in the manifest (``quantization``),
with the figures on the rows it was chosen on. The parity report is measured on the other part
of the rows, which the choice never saw: that is the figure the app shows and trusts.
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
import warnings
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import numpy as np

from models.classify.calibration import Calibration, Part, calibration_set
from models.classify.ort_runner import OrtClassifier, onnx_paths
from models.core.parity import checked_on
from models.core import cache, fileio, quantization, runtime, store
from models.core.events import CancelToken, Log, ModelDeskError, Progress, ProgressFn, check, emit
from models.core.tokens import token_limit

OPSET = 18
INPUTS = ("input_ids", "attention_mask")
#: what INT8 must keep on the chooser's rows (argmax agreement with torch; macro-F1 lost, in F1 units)
MIN_AGREEMENT_PCT = 99.5
MAX_METRIC_DROP = 0.001
#: rows of the calibration set the per-block sweep measures on
SWEEP_ROWS = 128
#: a transformer block in a module path: encoder.layer.3, transformer.layer.3, layers.3, h.3, block.3
_BLOCK = re.compile(r"^(.*?\b(?:layer|layers|block|blocks|h)\.\d+)(?:\.|$)")


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
    """torch.onnx dynamo export with dynamic batch and sequence axes, written atomically.

    The dynamo exporter fills ``value_info`` with shapes that ONNX Runtime's quantizer then
    contradicts with its own shape inference (it fails or emits a broken graph); the file is saved
    without them, as nothing else needs them.
    """
    import onnx
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
        graph = onnx.load(str(tmp))
        del graph.graph.value_info[:]
        onnx.save(graph, str(tmp))


# --- measuring ----------------------------------------------------------------

def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64) - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _rows(tokenizer: Any, texts: Sequence[str], limit: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(ids, mask) per text, unpadded, as the classifier feeds them at batch size 1."""
    enc = tokenizer(list(texts), truncation=True, max_length=limit)
    return [(np.asarray([ids], dtype=np.int64), np.ones((1, len(ids)), dtype=np.int64)) for ids in enc["input_ids"]]


def _probs(logits_fn: Callable[[np.ndarray, np.ndarray], np.ndarray], rows: Sequence[tuple[np.ndarray, np.ndarray]],
           cancel: Optional[CancelToken] = None) -> np.ndarray:
    out = []
    for ids, mask in rows:
        check(cancel)
        out.append(softmax(logits_fn(ids, mask))[0])
    return np.array(out)


def _torch_probs(net: Any, rows: Sequence[tuple[np.ndarray, np.ndarray]], cancel: Optional[CancelToken]) -> np.ndarray:
    import torch

    def logits(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return net(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits.numpy()

    return _probs(logits, rows, cancel)


def _f1(y: np.ndarray, probs: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, probs.argmax(1), average="macro", labels=np.arange(probs.shape[1]), zero_division=0))


def compare(reference: np.ndarray, probs: np.ndarray, y: Optional[np.ndarray]) -> dict[str, float]:
    """Parity figures of one variant: argmax agreement with torch (%), the largest probability
    difference, and (on labelled rows) the change of macro-F1 against torch's."""
    figures = {"agreement_pct": round(float((reference.argmax(1) == probs.argmax(1)).mean() * 100.0), 3),
               "max_prob_diff": float(np.abs(reference - probs).max()) if len(probs) else 0.0}
    if y is not None:
        figures["f1_macro_delta"] = round(_f1(y, probs) - _f1(y, reference), 6)
    return figures


def meets_targets(figures: dict[str, float]) -> bool:
    return figures["agreement_pct"] >= MIN_AGREEMENT_PCT and figures.get("f1_macro_delta", 0.0) >= -MAX_METRIC_DROP


# --- INT8 -----------------------------------------------------------------------

def _module_path(node: Any) -> str:
    """The torch module a node was exported from (the dynamo exporter records its name scopes)."""
    for prop in node.metadata_props:
        if prop.key == "pkg.torch.onnx.name_scopes":
            scopes = re.findall(r"'([^']*)'", prop.value)
            return scopes[-2] if len(scopes) >= 2 else ""
    return ""


def quantizable_blocks(graph: Any) -> dict[str, list[str]]:
    """Transformer block -> its linear layers (MatMul nodes with a weight), in graph order.

    Linear layers outside a block (the classification head, a pooler) are not listed: they stay fp32.
    """
    weights = {init.name for init in graph.graph.initializer}
    blocks: dict[str, list[str]] = {}
    for node in graph.graph.node:
        if node.op_type == "MatMul" and len(node.input) == 2 and node.input[1] in weights:
            match = _BLOCK.match(_module_path(node))
            if match:
                blocks.setdefault(match.group(1).removeprefix("inner."), []).append(node.name)
    return blocks


def _sensitivity(graph: Any, blocks: dict[str, list[str]], rows: Sequence[tuple[np.ndarray, np.ndarray]],
                 reference: np.ndarray, scratch: Path, report: Callable[[str], None],
                 cancel: Optional[CancelToken]) -> dict[str, float]:
    """Per block: quantized alone, how far it moves the probabilities (mean KL divergence from torch's)."""
    sensitivity = {}
    for i, (block, nodes) in enumerate(blocks.items()):
        check(cancel)
        report(f"Measuring how sensitive each block is to INT8 ({i + 1}/{len(blocks)})")
        quantization.dynamic_int8(graph, scratch / "probe.onnx", ("MatMul",), nodes)
        probs = _probs(OrtClassifier(scratch / "probe.onnx").logits, rows, cancel)
        kl = np.sum(reference * (np.log(reference + 1e-12) - np.log(probs + 1e-12)), axis=1)
        sensitivity[block] = float(kl.mean())
    return sensitivity


def choose_int8(fp32_path: Path, int8_path: Path, rows: Sequence[tuple[np.ndarray, np.ndarray]], reference: np.ndarray,
                y: Optional[np.ndarray], report: Callable[[str], None],
                cancel: Optional[CancelToken] = None) -> tuple[dict, dict]:
    """Write ``int8_path``: every block quantized, unless the calibration set says some must stay fp32.

    All blocks are tried first (the fastest graph); when that misses the targets, the sweep ranks
    the blocks and the most sensitive stay fp32, one more at a time, until the targets are met (at
    least one block stays INT8). Returns (the INT8 parity figures, the quantization record).
    """
    import onnx

    graph = onnx.load(str(fp32_path))
    blocks = quantizable_blocks(graph)
    if not blocks:
        raise ModelDeskError("No transformer blocks were found in the exported graph, so nothing can be quantized.")
    ranked, sensitivity, fp32_blocks = list(blocks), {}, []
    with tempfile.TemporaryDirectory(dir=int8_path.parent) as scratch:
        for kept in range(len(ranked)):
            check(cancel)
            fp32_blocks = ranked[:kept]
            report("Quantizing to INT8" + (f", {kept} block(s) kept fp32" if kept else ""))
            quantization.dynamic_int8(graph, int8_path, ("MatMul",), [n for b in ranked[kept:] for n in blocks[b]])
            figures = compare(reference, _probs(OrtClassifier(int8_path).logits, rows, cancel), y)
            if meets_targets(figures) or len(ranked) == 1:
                break
            if not sensitivity:
                sensitivity = _sensitivity(graph, blocks, rows[:SWEEP_ROWS], reference[:SWEEP_ROWS], Path(scratch),
                                           report, cancel)
                ranked = sorted(blocks, key=lambda b: -sensitivity[b])
    record = {"method": "dynamic INT8 (int8 weights per channel, uint8 activations, int32 accumulation)",
              "fp32": ["embeddings", "classification head"] + fp32_blocks,
              "int8_blocks": len(blocks) - len(fp32_blocks), "blocks": len(blocks), "met_targets": meets_targets(figures),
              "targets": {"agreement_pct": MIN_AGREEMENT_PCT, "f1_macro_drop": MAX_METRIC_DROP}}
    if sensitivity:
        record["sensitivity_kl"] = {b: float(f"{sensitivity[b]:.3g}") for b in ranked}
    return figures, record


# --- the export ---------------------------------------------------------------------

def _load_torch(info: store.ModelInfo) -> Any:
    """The classifier in fp32 with plain (eager) attention: its graph is the smallest and fastest in ORT."""
    import torch
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(info.path, dtype=torch.float32, attn_implementation="eager",
                                                              **store.hf_kwargs(info)).eval()


def held_out_parity(net: Any, tokenizer: Any, limit: int, calib: Calibration, heldout: Part, chooser_rows: int,
                    files: Sequence[Path], cancel: Optional[CancelToken] = None) -> dict[str, Any]:
    """The parity report: each exported file against torch on ``heldout``, rows the INT8 chooser never saw."""
    rows = _rows(tokenizer, heldout.texts, limit)
    reference = _torch_probs(net, rows, cancel)
    parity: dict[str, Any] = {"set": checked_on(calib.source, calib.origin, len(rows), chooser_rows,
                                                heldout.y is not None),
                              "source": calib.source, "rows": len(rows), "chooser_rows": chooser_rows,
                              "labelled": heldout.y is not None}
    for kind, path in zip(("fp32", "int8"), files):
        parity[kind] = compare(reference, _probs(OrtClassifier(path).logits, rows, cancel), heldout.y)
    return parity


def export_classifier(model: os.PathLike | str, quantize: bool = True, device: str = "auto", backend: str = "torch",
                      allow_pickle: bool = False, calibration: Optional[str] = None, progress: ProgressFn = None,
                      cancel: Optional[CancelToken] = None) -> dict:
    """Write ``onnx/model.onnx`` (and ``onnx/model_int8.onnx``), check them against torch, return the parity.

    The rows (``calibration`` if given, else the fine-tune's validation rows, else built-in
    sentences) are split: INT8 is chosen on one part, and the parity (argmax agreement, largest
    probability difference and macro-F1 change against torch, per variant) is measured on the
    held-out part and recorded in the manifest. ``device`` and
    ``backend`` are accepted like every job's runtime options but do not apply: the export is
    traced on the CPU in fp32, and makes the ONNX files.
    """
    from transformers import AutoTokenizer

    info = store.open_model(model, task="classify", allow_pickle=allow_pickle)
    steps = 5 if quantize else 4
    emit(progress, Progress(0, steps, f"Loading {info.name}"))
    net = _load_torch(info)
    tokenizer = AutoTokenizer.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
    labels = [str(net.config.id2label.get(i, f"LABEL_{i}")) for i in range(int(net.config.num_labels))]
    calib: Calibration = calibration_set(info, labels, calibration)
    for note in calib.notes:
        emit(progress, Log(note, level="warning"))
    fp32_path, int8_path = onnx_paths(info.path)
    check(cancel)
    emit(progress, Progress(1, steps, "Exporting to ONNX"))
    if "parity" in info.manifest:   # an older export's report stops vouching for files being replaced
        store.write_manifest(info.path, parity=None)
    for path in (fp32_path, int8_path):   # nor do its optimised copies
        runtime.optimized_path(path).unlink(missing_ok=True)
    _export_fp32(net, fp32_path)
    if not quantize:
        int8_path.unlink(missing_ok=True)  # an old INT8 file would no longer match the fp32 one
    cache.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == str(info.path))
    chooser, heldout = calib.split()
    limit = token_limit(tokenizer, net.config)
    check(cancel)
    updates: dict[str, Any] = {}
    if quantize:
        emit(progress, Progress(2, steps, f"Choosing INT8 on {len(chooser.texts)} rows"))
        rows = _rows(tokenizer, chooser.texts, limit)

        def report(message: str) -> None:
            emit(progress, Progress(2, steps, message))

        seen, updates["quantization"] = choose_int8(fp32_path, int8_path, rows, _torch_probs(net, rows, cancel),
                                                    chooser.y, report, cancel)
        updates["quantization"]["on_chooser_rows"] = seen   # what it tuned on: not the figure to trust
    emit(progress, Progress(steps - 2, steps, f"Checking against torch on {len(heldout.texts)} held-out rows"))
    parity = held_out_parity(net, tokenizer, limit, calib, heldout, len(chooser.texts),
                             (fp32_path, int8_path) if quantize else (fp32_path,), cancel)
    emit(progress, Progress(steps - 1, steps, "Saving the CPU-optimised graphs"))
    for path in (fp32_path, int8_path) if quantize else (fp32_path,):
        runtime.save_optimized(path)
    store.write_manifest(info.path, parity=parity, **updates)
    cache.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == str(info.path))
    emit(progress, Progress(steps, steps, "Exported"))
    return parity
