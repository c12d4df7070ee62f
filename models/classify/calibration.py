"""The texts an export is checked on: the fine-tune's own validation rows, a file the user picks, or a fixed set.

A classifier trained in the app names its training run in its manifest; the run's config holds
everything that made the split (files, columns, validation share, seed, folds), so the same
validation rows come back without any copy of the data being stored with the model. A model from
elsewhere is checked on a labelled file the user picks; without one, on a fixed set of sentences
that has no labels (agreement and probability differences only).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from models.classify import tabular
from models.core import runs, store
from models.core.events import ModelDeskError

#: at most this many rows are used (a seeded sample keeps exports quick on large validation sets)
MAX_ROWS = 500

_SUBJECTS = ("The film", "This phone", "Our hotel room", "The new update", "That restaurant", "The service")
_VERDICTS = ("was wonderful and I would go again", "broke after two days, a waste of money",
             "was fine, nothing special", "exceeded every expectation we had",
             "made me angry from start to finish", "is exactly what the reviews promised")


def builtin_texts() -> list[str]:
    """A fixed, varied set of sentences (short and long) so figures are comparable run to run."""
    texts = [f"{s} {v}." for s in _SUBJECTS for v in _VERDICTS]
    return texts + [f"{t} Honestly, {t.lower()}" for t in texts[::6]]


@dataclass
class Calibration:
    """Texts, their class indices in the model's label order (None: unlabelled) and what they are, in words."""
    texts: list[str]
    y: Optional[np.ndarray]
    description: str
    notes: list[str] = dataclasses.field(default_factory=list)


def _sample(texts: list[str], y: Optional[np.ndarray], seed: int = 0) -> tuple[list[str], Optional[np.ndarray]]:
    if len(texts) <= MAX_ROWS:
        return texts, y
    keep = np.sort(np.random.default_rng(seed).choice(len(texts), MAX_ROWS, replace=False))
    return [texts[i] for i in keep], (y[keep] if y is not None else None)


def _indices(labels: list[str], model_labels: list[str], where: str) -> np.ndarray:
    unknown = sorted(set(labels) - set(model_labels))
    if unknown:
        raise ModelDeskError(f"{where} has label(s) the model does not know: {', '.join(unknown)} "
                             f"(it knows {', '.join(model_labels)}).")
    index = {label: i for i, label in enumerate(model_labels)}
    return np.array([index[label] for label in labels], dtype=int)


def from_file(path: str, model_labels: list[str]) -> Calibration:
    """A labelled CSV/TSV/JSON Lines file the user picked."""
    examples = tabular.read_examples(path)
    texts, y = _sample(examples.texts, _indices(examples.labels, model_labels, Path(path).name))
    return Calibration(texts, y, f"{len(texts)} labelled rows of {Path(path).name}", list(examples.notes))


def from_training(info: store.ModelInfo, model_labels: list[str]) -> Calibration:
    """The validation rows of the run that trained the model (the best checkpoint's fold)."""
    from models.classify.training import TrainConfig, load_dataset

    run = runs.load_run(str(info.manifest["run"]))
    recorded = run.config
    config = TrainConfig(**{f.name: recorded[f.name] for f in dataclasses.fields(TrainConfig) if f.name in recorded})
    data = load_dataset(config)
    fold = info.manifest.get("fold") or 0
    val = data.folds[fold][1] if fold < len(data.folds) else np.array([], dtype=int)
    expected = (recorded.get("sizes") or {}).get("validation")
    if not len(val) or (not config.kfold and expected is not None and len(val) != expected):
        raise ModelDeskError(f"the training data of run {run.id} changed since the model was trained")
    texts = [data.texts[i] for i in val]
    y = _indices([data.labels[c] for c in data.y[val]], model_labels, "The validation data")
    texts, y = _sample(texts, y)
    return Calibration(texts, y, f"{len(texts)} validation rows of its fine-tune (run {run.id})")


def calibration_set(info: store.ModelInfo, model_labels: list[str], file: Optional[str] = None) -> Calibration:
    """The file given, else the fine-tune's validation rows, else the built-in sentences (with a note why)."""
    if file:
        return from_file(file, model_labels)
    notes = []
    if info.manifest.get("run"):
        try:
            return from_training(info, model_labels)
        except ModelDeskError as exc:
            notes.append(f"The fine-tune's validation rows cannot be read again ({str(exc).rstrip('.')}); "
                         "checked on the built-in sentences instead. Give a labelled calibration file to "
                         "measure the metric.")
    texts = builtin_texts()
    return Calibration(texts, None, f"{len(texts)} built-in sentences, unlabelled", notes)
