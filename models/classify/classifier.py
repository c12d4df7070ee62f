"""Sequence classification: probabilities for texts, and whole CSV/TSV/JSON Lines files.

Any Hugging Face ``*ForSequenceClassification`` folder works. Texts are tokenised in one call
of the fast tokenizer, batched by token length (short with short, so little padding is
computed) and the results are put back in input order. With an ONNX backend chosen, ONNX
Runtime runs the folder's export instead of torch; without an export that is an error that says
so, never a quiet switch to torch.

Per row, nothing is done that a batch could do once: at batch size 1 a row goes to the network
as it was tokenised (no padding, no mask to build), and progress is reported a few times a
second rather than per row (each event crosses a pipe to the GUI).
"""
from __future__ import annotations

import csv
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

import numpy as np

from models.core import cache, fileio, runtime, store
from models.core.tokens import token_limit

from models.classify import tabular
from models.core.events import CancelToken, Log, ModelDeskError, Progress, ProgressFn, check, emit

#: seconds between two progress events of a running classification
PROGRESS_EVERY = 0.1


@dataclass(frozen=True)
class Prediction:
    """The most likely label, its probability, and every label's probability."""
    label: str
    score: float
    probs: dict[str, float]


def _open_classifier(path_or_name: os.PathLike | str, allow_pickle: bool) -> store.ModelInfo:
    """The store's checks, with a plainer sentence for the common mistake of picking a bare encoder."""
    info = store.resolve(path_or_name)
    if info.task == store.ENCODER:
        where = str(info.path) if info.source == "folder" else info.name
        raise ModelDeskError(f"{where} is an encoder ({info.model_type or 'no head'}) without a classification "
                             "head, not a classifier; fine-tune it on labelled texts first.")
    return store.open_model(path_or_name, task="classify", allow_pickle=allow_pickle)


def _pad_id(tokenizer: Any) -> int:
    """Padding id; decoder tokenizers (GPT-2) often have none and pad with end-of-text instead."""
    for value in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if value is not None:
            return int(value)
    return 0


class Classifier(cache.Shared):
    """A loaded classifier (torch or ONNX Runtime) with its tokenizer and labels, shared by the jobs that use it."""

    def __init__(self, info: store.ModelInfo, tokenizer: Any, config: Any,
                 logits_fn: Callable[[dict[str, np.ndarray]], np.ndarray], device: str, backend: str) -> None:
        self.info = info
        self.tokenizer = tokenizer
        self.device = device
        self.backend = backend
        self.max_length = token_limit(tokenizer, config)
        id2label = {int(k): str(v) for k, v in (getattr(config, "id2label", None) or {}).items()}
        self.labels: list[str] = [id2label.get(i, f"LABEL_{i}") for i in range(int(config.num_labels))]
        self._logits = logits_fn
        self._pad_id = _pad_id(tokenizer)

    @classmethod
    def load(cls, path_or_name: os.PathLike | str, device: str = "auto", backend: str = "torch",
             allow_pickle: bool = False) -> "Classifier":
        """Load (or take from the cache) a classifier.

        An ONNX backend without its export raises ``runtime.BackendUnavailable`` (export it, or
        choose PyTorch); so does CUDA asked of ONNX Runtime where its CUDA provider cannot run.
        """
        info = _open_classifier(path_or_name, allow_pickle)
        choice = runtime.choose_device(device)
        backend = runtime.parse_backend(backend).value
        key = ("classifier", str(info.path), choice.device, backend)
        return cache.get_or_load(key, lambda: cls._build(info, choice, backend, allow_pickle))

    @classmethod
    def _build(cls, info: store.ModelInfo, choice: runtime.DeviceChoice, backend: str,
               allow_pickle: bool) -> "Classifier":
        from transformers import AutoConfig, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
        if backend == runtime.Backend.TORCH.value:
            return cls._build_torch(info, tokenizer, choice)
        from models.classify.onnx_export import load_ort_classifier

        config = AutoConfig.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
        ort = load_ort_classifier(info.path, int8=backend == runtime.Backend.ORT_INT8.value, device=choice.device,
                                  allow_pickle=allow_pickle)
        return cls(info, tokenizer, config, lambda batch: ort.logits(batch["input_ids"], batch["attention_mask"]),
                   choice.device, backend)

    @classmethod
    def _build_torch(cls, info: store.ModelInfo, tokenizer: Any, choice: runtime.DeviceChoice) -> "Classifier":
        import torch
        from transformers import AutoModelForSequenceClassification

        # bf16/fp16 weights on a GPU (choose_device), SDPA attention where the architecture has it
        with runtime.explain_oom(choice.device):
            model = AutoModelForSequenceClassification.from_pretrained(info.path, dtype=choice.dtype,
                                                                       **store.hf_kwargs(info))
            model.to(choice.device).eval()
        if model.config.pad_token_id is None:  # decoder-based classifiers find the last token through it
            model.config.pad_token_id = _pad_id(tokenizer)

        def logits(batch: dict[str, np.ndarray]) -> np.ndarray:
            with torch.inference_mode(), runtime.explain_oom(choice.device):
                tensors = {k: torch.from_numpy(v).to(choice.device) for k, v in batch.items()}
                return model(**tensors).logits.float().cpu().numpy()

        return cls(info, tokenizer, model.config, logits, choice.device, runtime.Backend.TORCH.value)

    # --- inference ----------------------------------------------------------
    def _encode(self, texts: Sequence[str], max_length: Optional[int], progress: ProgressFn) -> dict[str, list]:
        for text in texts:
            if not isinstance(text, str):
                raise ModelDeskError(f"Texts to classify must be strings, not {type(text).__name__}.")
        limit = min(max_length, self.max_length) if max_length else self.max_length
        enc = self.tokenizer(list(texts), truncation=True, max_length=limit)
        encodings = getattr(enc, "encodings", None)
        if encodings:
            truncated = sum(1 for e in encodings if e.overflowing)
        else:  # a slow tokenizer does not say; a full-length input was most likely cut
            truncated = sum(1 for ids in enc["input_ids"] if len(ids) >= limit)
        if truncated:
            emit(progress, Log(f"{truncated} text{'s were' if truncated > 1 else ' was'} longer than "
                               f"{limit} tokens and {'were' if truncated > 1 else 'was'} truncated."))
        keys = ["input_ids", "attention_mask"] + (["token_type_ids"] if self.backend == "torch" else [])
        return {k: enc[k] for k in keys if k in enc}

    def _pad(self, enc: dict[str, list], rows: np.ndarray) -> dict[str, np.ndarray]:
        if len(rows) == 1:   # nothing to pad: the row as tokenised
            batch = {key: np.asarray(seqs[rows[0]], dtype=np.int64)[None, :] for key, seqs in enc.items()}
            batch.setdefault("attention_mask", np.ones_like(batch["input_ids"]))
            return batch
        width = max(len(enc["input_ids"][i]) for i in rows)
        batch: dict[str, np.ndarray] = {}
        for key, seqs in enc.items():
            fill = self._pad_id if key == "input_ids" else 0
            out = np.full((len(rows), width), fill, dtype=np.int64)
            for r, i in enumerate(rows):
                out[r, :len(seqs[i])] = seqs[i]
            batch[key] = out
        if "attention_mask" not in batch:
            batch["attention_mask"] = (np.arange(width)[None, :] <
                                       np.array([len(enc["input_ids"][i]) for i in rows])[:, None]).astype(np.int64)
        return batch

    def iter_proba(self, texts: Sequence[str], batch_size: int = 32, max_length: Optional[int] = None,
                   progress: ProgressFn = None, cancel: Optional[CancelToken] = None, unit: str = "texts"
                   ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (row indices, probabilities) per batch, shortest texts first; cancel is checked between batches.

        Progress (with the throughput so far, ``unit``/s) is reported after the first batch, then
        every PROGRESS_EVERY seconds, and after the last.
        """
        if batch_size < 1:
            raise ModelDeskError("The batch size must be at least 1.")
        if not texts:
            return
        with self.in_use():
            enc = self._encode(texts, max_length, progress)
        order = np.argsort([len(ids) for ids in enc["input_ids"]], kind="stable")
        total = len(order)
        started, reported = time.perf_counter(), float("-inf")
        for start in range(0, total, batch_size):
            check(cancel)
            rows = order[start:start + batch_size]
            batch = self._pad(enc, rows)
            with self.in_use():
                logits = self._logits(batch).astype(np.float64)
            logits -= logits.max(axis=1, keepdims=True)
            probs = np.exp(logits)
            probs /= probs.sum(axis=1, keepdims=True)
            done = start + len(rows)
            now = time.perf_counter()
            if now - reported >= PROGRESS_EVERY or done == total:
                reported = now
                rate = done / max(now - started, 1e-9)
                emit(progress, Progress(done, total, f"Classified {done:,}/{total:,} {unit} · {rate:,.0f} {unit}/s"))
            yield rows, probs.astype(np.float32)

    def predict_proba(self, texts: Sequence[str], batch_size: int = 32, max_length: Optional[int] = None,
                      progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> np.ndarray:
        """Probabilities, one row per text in input order, one column per label (``self.labels``)."""
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        for rows, probs in self.iter_proba(texts, batch_size, max_length, progress, cancel):
            out[rows] = probs
        return out

    def predict(self, texts: Sequence[str], batch_size: int = 32, max_length: Optional[int] = None,
                progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> list[Prediction]:
        probs = self.predict_proba(texts, batch_size, max_length, progress, cancel)
        return [self._prediction(row) for row in probs]

    def _prediction(self, row: np.ndarray) -> Prediction:
        best = int(row.argmax())
        return Prediction(self.labels[best], float(row[best]),
                          {label: float(p) for label, p in zip(self.labels, row)})


# --- worker targets -----------------------------------------------------------

def classify_texts(model: os.PathLike | str, texts: Sequence[str], device: str = "auto", backend: str = "torch",
                   batch_size: int = 32, allow_pickle: bool = False, progress: ProgressFn = None,
                   cancel: Optional[CancelToken] = None) -> list[dict]:
    """Predictions as plain dicts (text, label, score, probs) for the GUI and the command line."""
    if isinstance(texts, str):
        texts = [texts]
    if not texts or not any(t.strip() for t in texts):
        raise ModelDeskError("Type a text to classify first.")
    emit(progress, Progress(0, None, "Loading the model"))
    clf = Classifier.load(model, device=device, backend=backend, allow_pickle=allow_pickle)
    check(cancel)
    predictions = clf.predict(texts, batch_size=batch_size, progress=progress, cancel=cancel)
    return [{"text": t, "label": p.label, "score": p.score, "probs": p.probs} for t, p in zip(texts, predictions)]


def classify_file(model: os.PathLike | str, input_path: os.PathLike | str, output_path: os.PathLike | str,
                  text_column: Optional[str] = None, device: str = "auto", backend: str = "torch",
                  batch_size: int = 32, allow_pickle: bool = False, progress: ProgressFn = None,
                  cancel: Optional[CancelToken] = None) -> dict:
    """Classify every row of a CSV/TSV/JSON Lines file into a CSV: its columns + label + p_<label>.

    Rows with an empty text are kept (so output rows line up with input rows)
    with blank predictions and counted as skipped. The output is written only
    once all rows are done, atomically: Stop leaves no output file behind.
    """
    table = tabular.read_table(input_path)
    if text_column is None:
        text_column, _ = tabular.detect_columns(table)
        if text_column is None:
            raise ModelDeskError(f"{table.path.name} has no text column; choose one "
                                 f"(columns: {', '.join(table.columns)}).")
    elif text_column not in table.columns:
        raise ModelDeskError(f"{table.path.name} has no column named '{text_column}' "
                             f"(columns: {', '.join(table.columns)}).")
    output_path = Path(output_path).expanduser()
    if output_path.resolve() == table.path.resolve():
        raise ModelDeskError("Choose an output file other than the input file.")
    kept = [i for i, row in enumerate(table.rows) if row.get(text_column, "").strip()]
    if not kept:
        raise ModelDeskError(f"Every row of {table.path.name} has an empty '{text_column}'.")
    emit(progress, Progress(0, len(kept), "Loading the model"))
    clf = Classifier.load(model, device=device, backend=backend, allow_pickle=allow_pickle)
    check(cancel)
    started = time.perf_counter()
    probs = np.zeros((len(kept), len(clf.labels)), dtype=np.float32)
    texts = [table.rows[i][text_column] for i in kept]
    for rows, batch in clf.iter_proba(texts, batch_size=batch_size, progress=progress, cancel=cancel, unit="rows"):
        probs[rows] = batch
    seconds = time.perf_counter() - started
    check(cancel)
    _write_predictions(output_path, table, clf.labels, dict(zip(kept, probs)))
    counts = {label: int(n) for label, n in zip(clf.labels, np.bincount(probs.argmax(1), minlength=len(clf.labels)))}
    summary = {"rows": len(kept), "skipped": len(table.rows) - len(kept) + table.malformed,
               "seconds": round(seconds, 3), "rows_per_s": round(len(kept) / max(seconds, 1e-9), 1),
               "output": str(output_path), "text_column": text_column, "labels": counts}
    emit(progress, Progress(len(kept), len(kept), f"Classified {len(kept):,} rows · "
                                                 f"{summary['rows_per_s']:,.0f} rows/s"))
    return summary


def _write_predictions(target: Path, table: tabular.Table, labels: list[str], probs: dict[int, np.ndarray]) -> None:
    """The input's columns, then ``label`` and one ``p_<label>`` column per class (names made unique)."""
    taken = set(table.columns)

    def fresh(name: str) -> str:
        while name in taken:
            name = f"{name}_pred"
        taken.add(name)
        return name

    label_col = fresh("label")
    prob_cols = [fresh(f"p_{label}") for label in labels]
    with fileio.atomic_path(target, suffix=".csv") as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(table.columns + [label_col] + prob_cols)
            for i, row in enumerate(table.rows):
                cells = [row.get(c, "") for c in table.columns]
                p = probs.get(i)
                if p is None:
                    writer.writerow(cells + [""] * (1 + len(labels)))
                else:
                    writer.writerow(cells + [labels[int(p.argmax())]] + [f"{v:.6f}" for v in p])


def file_columns(input_path: os.PathLike | str, progress: ProgressFn = None,
                 cancel: Optional[CancelToken] = None) -> dict:
    """A data file's columns and the one that most likely holds the text (fills the GUI's column picker)."""
    table = tabular.read_table(input_path)
    text_column, _ = tabular.detect_columns(table)
    return {"columns": list(table.columns), "text_column": text_column, "rows": len(table.rows)}
