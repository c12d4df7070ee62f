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
from models.core.oom import retry_smaller
from models.core.parity import VARIANTS, backend_note

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
        from models.classify.ort_runner import load_ort_classifier

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

    @property
    def parity_note(self) -> Optional[str]:
        """For an ONNX backend, how closely its export matched torch and on what (the stored parity report,
        e.g. ``ONNX INT8 vs torch: agreement 99.4% · your data: 240 held-out rows``); None for torch."""
        if self.backend == runtime.Backend.TORCH.value:
            return None
        key = runtime.Backend(self.backend).precision
        label = dict(VARIANTS)[key]
        stored = self.info.manifest.get("parity")
        return f"{label} vs torch: " + (backend_note(stored, key) if isinstance(stored, dict)
                                        else "no parity figures recorded")

    # --- inference ----------------------------------------------------------
    def _encode(self, texts: Sequence[str], max_length: Optional[int]) -> tuple[dict[str, list], int, int]:
        """Token ids per text, how many texts were cut, and the length they were cut at."""
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
        keys = ["input_ids", "attention_mask"] + (["token_type_ids"] if self.backend == "torch" else [])
        return {k: enc[k] for k in keys if k in enc}, truncated, limit

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
                   progress: ProgressFn = None, cancel: Optional[CancelToken] = None, unit: str = "texts",
                   truncated: Optional[list[int]] = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (row indices, probabilities) per batch, shortest texts first; cancel is checked between batches.

        Progress (with the throughput so far, ``unit``/s) is reported after the first batch, then
        every PROGRESS_EVERY seconds, and after the last. Texts cut at the model's length are noted
        in a Log, or counted into ``truncated`` (a caller that classifies in chunks says it once).
        """
        if batch_size < 1:
            raise ModelDeskError("The batch size must be at least 1.")
        if not texts:
            return
        with self.in_use():
            enc, cut, limit = self._encode(texts, max_length)
        if truncated is not None:
            truncated.append(cut)
        elif cut:
            emit(progress, Log(truncation_note(cut, limit)))
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
    return [{"text": t, "label": p.label, "score": p.score, "probs": p.probs, "parity": clf.parity_note}
            for t, p in zip(texts, predictions)]


@retry_smaller()
def classify_file(model: os.PathLike | str, input_path: os.PathLike | str, output_path: os.PathLike | str,
                  text_column: Optional[str] = None, device: str = "auto", backend: str = "torch",
                  batch_size: int = 32, allow_pickle: bool = False, progress: ProgressFn = None,
                  cancel: Optional[CancelToken] = None) -> dict:
    """Classify every row of a CSV/TSV/JSON Lines file into a CSV: its columns + label + p_<label>.

    The file streams through in chunks, so memory does not grow with its length. Rows with an
    empty text are kept (so output rows line up with input rows) with blank predictions and
    counted as skipped. The output is written beside its target and renamed over it once every
    row is done: Stop, an error or a full disk leaves no output behind and an earlier file as it was.
    """
    output_path = Path(output_path).expanduser()
    with tabular.TableReader(input_path) as source:
        name, columns = source.path.name, source.columns
        if text_column is None:
            text_column, _ = tabular.detect_columns(source.sample())
            if text_column is None:
                raise ModelDeskError(f"{name} has no text column; choose one (columns: {', '.join(columns)}).")
        elif text_column not in columns:
            raise ModelDeskError(f"{name} has no column named '{text_column}' (columns: {', '.join(columns)}).")
        if output_path.resolve() == source.path.resolve():
            raise ModelDeskError("Choose an output file other than the input file.")
        fileio.check_target(output_path, probe=True)
        emit(progress, Progress(0, source.size, "Loading the model"))
        clf = Classifier.load(model, device=device, backend=backend, allow_pickle=allow_pickle)
        check(cancel)
        header, width = _output_header(columns, clf.labels)
        counts = np.zeros(len(clf.labels), dtype=np.int64)
        truncated: list[int] = []
        done = skipped = 0
        started, reported = time.perf_counter(), float("-inf")
        with fileio.atomic_path(output_path, suffix=".csv") as tmp, \
                open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for chunk in source.chunks():
                kept = [i for i, row in enumerate(chunk) if row.get(text_column, "").strip()]
                probs = np.zeros((len(kept), len(clf.labels)), dtype=np.float32)
                texts = [chunk[i][text_column] for i in kept]
                for rows, batch in clf.iter_proba(texts, batch_size=batch_size, cancel=cancel, truncated=truncated):
                    probs[rows] = batch
                    done += len(rows)
                    now = time.perf_counter()
                    if now - reported >= PROGRESS_EVERY:
                        reported = now
                        rate = done / max(now - started, 1e-9)
                        emit(progress, Progress(source.position, source.size,
                                                f"Classified {done:,} rows · {rate:,.0f} rows/s"))
                predicted = dict(zip(kept, probs))
                for i, row in enumerate(chunk):
                    cells = [row.get(c, "") for c in columns]
                    p = predicted.get(i)
                    writer.writerow(cells + ([""] * width if p is None else
                                             [clf.labels[int(p.argmax())]] + [f"{v:.6f}" for v in p]))
                counts += np.bincount(probs.argmax(1), minlength=len(clf.labels)) if kept else 0
                skipped += len(chunk) - len(kept)
            if not done:
                raise ModelDeskError(f"Every row of {name} has an empty '{text_column}'.")
            check(cancel)
        skipped += source.malformed
    seconds = time.perf_counter() - started
    if sum(truncated):
        emit(progress, Log(truncation_note(sum(truncated), clf.max_length)))
    summary = {"rows": done, "skipped": skipped, "seconds": round(seconds, 3),
               "rows_per_s": round(done / max(seconds, 1e-9), 1), "output": str(output_path),
               "text_column": text_column, "labels": dict(zip(clf.labels, map(int, counts))),
               "parity": clf.parity_note}
    emit(progress, Progress(done, done, f"Classified {done:,} rows · {summary['rows_per_s']:,.0f} rows/s"))
    return summary


def truncation_note(count: int, limit: int) -> str:
    return (f"{count} text{'s were' if count > 1 else ' was'} longer than {limit} tokens and "
            f"{'were' if count > 1 else 'was'} truncated.")


def _output_header(columns: list[str], labels: list[str]) -> tuple[list[str], int]:
    """The input's columns, then ``label`` and one ``p_<label>`` per class (names made unique); and how many
    columns the predictions take."""
    taken = set(columns)

    def fresh(name: str) -> str:
        while name in taken:
            name = f"{name}_pred"
        taken.add(name)
        return name

    added = [fresh("label")] + [fresh(f"p_{label}") for label in labels]
    return columns + added, len(added)


def file_columns(input_path: os.PathLike | str, progress: ProgressFn = None,
                 cancel: Optional[CancelToken] = None) -> dict:
    """A data file's columns, the one that most likely holds the text and its number of rows (fills the
    GUI's column picker; the rows are counted as they stream)."""
    with tabular.TableReader(input_path) as source:
        text_column, _ = tabular.detect_columns(source.sample())
        rows = 0
        for chunk in source.chunks():
            check(cancel)
            rows += len(chunk)
        return {"columns": list(source.columns), "text_column": text_column, "rows": rows}
