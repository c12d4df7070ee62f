"""What a classifier trains on: the options (``TrainConfig``), the labelled rows read, split and
folded (``Dataset``), and the length-bucketed, dynamically padded batches the training loop takes.

Kept apart from the loop (``training``) so the data side can be read, tested and reused (distillation,
evaluation) without the optimiser, the checkpoints and the run records.
"""
from __future__ import annotations

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
import torch

from models.classify import metrics, tabular
from models.core import store
from models.core.events import ModelDeskError

SCHEDULES = ("linear", "cosine")
#: batches are sorted by length within pools of this many batches, then the batch order is shuffled
BUCKET_POOL = 50


@dataclass
class TrainConfig:
    """What to train on and how; plain values so it travels to workers and into the run's config.json."""
    model: str                          # base encoder: folder or store name (BERT, MiniLM, RoBERTa…)
    train: str                          # labelled CSV / TSV / JSON Lines file
    out_name: str                       # name of the classifier saved in the app's models folder
    eval: Optional[str] = None          # separate validation file (else a stratified split of ``train``)
    text_column: Optional[str] = None   # None: detected
    label_column: Optional[str] = None
    epochs: int = 3
    lr: float = 5e-5
    batch_size: int = 16
    max_length: int = 128
    weight_decay: float = 0.01
    warmup: float = 0.1                 # below 1: share of the optimizer steps; from 1: a number of steps
    schedule: str = "linear"
    grad_clip: float = 1.0              # 0 disables clipping
    grad_accum: int = 1
    patience: int = 2                   # epochs without improvement before stopping; 0 never stops early
    metric: str = "f1_macro"            # validation metric for early stopping and the best checkpoint
    class_weights: bool = False
    kfold: int = 0                      # 0: one train/validation split; K >= 2: stratified K-fold
    val_fraction: float = 0.2
    seed: int = 42
    bucketing: bool = True              # False: naive batches padded to max_length (the benchmark's baseline)
    device: str = "auto"
    overwrite: bool = False             # replace an existing model of the same name
    allow_pickle: bool = False          # accept a base model that has only a pickle checkpoint

    @classmethod
    def from_options(cls, options: dict) -> "TrainConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - names)
        if unknown:
            raise ModelDeskError(f"Unknown training option(s): {', '.join(unknown)}.")
        config = cls(**options)
        config.validate()
        return config

    def validate(self) -> None:
        problems = []
        if not str(self.out_name or "").strip():
            problems.append("give the new classifier a name")
        if self.epochs < 1:
            problems.append("epochs must be at least 1")
        if not self.lr > 0:
            problems.append("the learning rate must be positive")
        if self.batch_size < 1 or self.grad_accum < 1:
            problems.append("batch size and accumulation steps must be at least 1")
        if self.max_length < 8:
            problems.append("max length must be at least 8 tokens")
        if self.weight_decay < 0 or self.warmup < 0 or self.grad_clip < 0 or self.patience < 0:
            problems.append("weight decay, warmup, clipping and patience cannot be negative")
        if self.schedule not in SCHEDULES:
            problems.append(f"the schedule must be one of {', '.join(SCHEDULES)}")
        if self.metric not in metrics.SCALARS:
            problems.append(f"the early-stopping metric must be one of {', '.join(metrics.SCALARS)}")
        if self.kfold == 1 or self.kfold < 0:
            problems.append("k-fold needs at least 2 folds (0 turns it off)")
        if not 0 < self.val_fraction < 1:
            problems.append("the validation share must be between 0 and 1")
        if problems:
            raise ModelDeskError("Invalid training settings: " + "; ".join(problems) + ".")


# --- data --------------------------------------------------------------------

@dataclass
class Dataset:
    """All texts (training file, then evaluation file), their class indices and the folds over them."""
    texts: list[str]
    y: np.ndarray
    labels: list[str]
    folds: list[tuple[np.ndarray, np.ndarray]]   # (train indices, validation indices)
    test: Optional[np.ndarray] = None            # evaluation-file rows held out of k-fold
    notes: list[str] = field(default_factory=list)


def _stratified_split(y: np.ndarray, labels: Sequence[str], fraction: float, seed: int,
                      notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train/validation indices; classes with one example stay in training (with a note)."""
    from sklearn.model_selection import train_test_split

    counts = Counter(y.tolist())
    singles = sorted(c for c, n in counts.items() if n < 2)
    for c in singles:
        notes.append(f"Class '{labels[c]}' has a single example, so it cannot be stratified: "
                     "it stays in training and is not validated.")
    rest = np.array([i for i in range(len(y)) if y[i] not in singles], dtype=int)
    classes = len(set(y[rest].tolist())) if len(rest) else 0
    n_val = max(classes, int(round(fraction * len(rest))))
    if classes < 2 or len(rest) - n_val < classes:
        raise ModelDeskError("Too few examples per class to hold out a validation set: "
                             "add examples or give a separate evaluation file.")
    train_idx, val_idx = train_test_split(rest, test_size=n_val, stratify=y[rest], random_state=seed)
    return np.sort(np.concatenate([train_idx, np.flatnonzero(np.isin(y, singles))])), np.sort(val_idx)


def load_dataset(config: TrainConfig, labels: Optional[Sequence[str]] = None) -> Dataset:
    """Read the files and make the splits; every problem with the data is a ModelDeskError here,
    before anything is written.

    ``labels`` fixes the class order (a teacher's, when a student must match its outputs); the
    files may then hold only those labels.
    """
    train = tabular.read_examples(config.train, config.text_column, config.label_column)
    notes = list(train.notes)
    found = sorted(set(train.labels))
    if len(found) < 2:
        raise ModelDeskError(f"{Path(config.train).name} has a single class ('{found[0]}'); "
                             "a classifier needs at least two.")
    if labels is not None:
        unknown = sorted(set(found) - set(labels))
        if unknown:
            raise ModelDeskError(f"{Path(config.train).name} has label(s) the model does not know: "
                                 f"{', '.join(unknown)} (it knows {', '.join(labels)}).")
    labels = list(labels) if labels is not None else found
    index = {label: i for i, label in enumerate(labels)}
    texts = list(train.texts)
    y = np.array([index[label] for label in train.labels], dtype=int)
    n_train = len(texts)
    eval_idx: Optional[np.ndarray] = None
    if config.eval:
        held = tabular.read_examples(config.eval, config.text_column, config.label_column)
        notes += held.notes
        unseen = sorted(set(held.labels) - set(labels))
        if unseen:
            raise ModelDeskError(f"The evaluation file has label(s) never seen in training: {', '.join(unseen)}.")
        texts += held.texts
        y = np.concatenate([y, [index[label] for label in held.labels]]).astype(int)
        eval_idx = np.arange(n_train, len(texts))
    train_y = y[:n_train]
    if config.kfold:
        from sklearn.model_selection import StratifiedKFold

        counts = Counter(train_y.tolist())
        scarce = min(counts, key=counts.get)
        if counts[scarce] < config.kfold:
            raise ModelDeskError(f"{config.kfold}-fold cross-validation needs at least {config.kfold} examples "
                                 f"of every class; '{labels[scarce]}' has {counts[scarce]}.")
        splitter = StratifiedKFold(n_splits=config.kfold, shuffle=True, random_state=config.seed)
        folds = [(tr, va) for tr, va in splitter.split(np.zeros(n_train), train_y)]
        return Dataset(texts, y, labels, folds, test=eval_idx, notes=notes)
    if eval_idx is not None:
        return Dataset(texts, y, labels, [(np.arange(n_train), eval_idx)], notes=notes)
    train_idx, val_idx = _stratified_split(train_y, labels, config.val_fraction, config.seed, notes)
    return Dataset(texts, y, labels, [(train_idx, val_idx)], notes=notes)


# --- batching ----------------------------------------------------------------

def make_batches(lengths: Sequence[int], batch_size: int, rng: Optional[np.random.Generator] = None,
                 bucketing: bool = True) -> list[np.ndarray]:
    """Index batches for one pass.

    With ``rng`` (training) the order is shuffled; with bucketing, indices are then
    sorted by length inside pools of ``BUCKET_POOL`` batches and the batches shuffled,
    so each batch holds texts of similar length yet epochs still differ. Without
    ``rng`` (evaluation) bucketing sorts everything by length.
    """
    n = len(lengths)
    order = rng.permutation(n) if rng is not None else np.arange(n)
    lengths = np.asarray(lengths)
    if bucketing:
        pool = batch_size * BUCKET_POOL if rng is not None else max(n, 1)
        order = np.concatenate([chunk[np.argsort(lengths[chunk], kind="stable")]
                                for chunk in np.array_split(order, max(1, math.ceil(n / pool)))]) if n else order
    batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    if bucketing and rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def collate(features: Sequence[dict], pad_id: int, pad_to: Optional[int] = None,
            padding_side: str = "right") -> dict:
    """Pad tokenized examples to the longest in the batch (or to ``pad_to``) as torch tensors."""
    width = pad_to or max(len(f["input_ids"]) for f in features)
    batch: dict[str, Any] = {}
    for key in features[0]:
        fill = pad_id if key == "input_ids" else 0
        rows = []
        for f in features:
            pad = [fill] * (width - len(f[key]))
            rows.append(pad + list(f[key]) if padding_side == "left" else list(f[key]) + pad)
        batch[key] = torch.tensor(rows, dtype=torch.long)
    return batch


# --- model -------------------------------------------------------------------

def tokenize(tokenizer: Any, texts: Sequence[str], max_length: int) -> tuple[list[dict], int]:
    """Token ids per text (no padding) and how many texts were cut at ``max_length``."""
    enc = tokenizer(list(texts), truncation=True, max_length=max_length)
    keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc]
    features = [{k: enc[k][i] for k in keys} for i in range(len(texts))]
    encodings = getattr(enc, "encodings", None)
    if encodings:
        return features, sum(1 for e in encodings if e.overflowing)
    return features, sum(len(f["input_ids"]) >= max_length for f in features)  # slow tokenizers do not say


def load_tokenizer(info: store.ModelInfo) -> Any:
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(info.path), **{k: v for k, v in store.hf_kwargs(info).items()
                                                                if k != "use_safetensors"})
    except (OSError, ValueError, TypeError) as exc:
        raise ModelDeskError(f"{info.name} has no usable tokenizer ({str(exc).splitlines()[0][:120]}).") from None
