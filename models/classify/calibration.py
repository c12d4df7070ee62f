"""The rows an INT8 export is chosen on and checked on: the user's own where there are any, split in two.

A classifier trained in the app names its training run in its manifest; the run's config holds
everything that made the split (files, columns, validation share, seed, folds), so the same
validation rows come back without any copy of the data being stored with the model. A model from
elsewhere takes a file the user picks (CSV/TSV/JSON Lines, labelled or not). Without either, a
fixed set of built-in sentences is all there is, and the report says so.

The rows are split once (:meth:`Calibration.split`): the chooser (static calibration ranges, the
sensitivity sweep, the targets) sees one part only, and the parity stored with the model is
measured on the other part, which nothing was tuned on. Identical texts are merged first, so no
row can sit on both sides.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

import numpy as np

from models.classify import tabular
from models.core import runs, store
from models.core.events import ModelDeskError

#: at most this many rows are read from a user's file (a seeded sample of them keeps exports quick)
MAX_ROWS = 1600
#: share of the rows held out for the parity report; the rest is what the chooser sees
HELDOUT_SHARE = 0.6
#: the chooser's part is capped (more rows slow the sweep, and do not change the ranges much)
MAX_CHOOSER_ROWS = 320
#: fewer distinct rows than this cannot be split into a chooser's part and a held-out part
MIN_ROWS = 10
#: ``source`` of a parity report measured on the user's rows / on the built-in sentences
USER, BUILTIN = "user", "builtin"

_SUBJECTS = ("The film", "This phone", "Our hotel room", "The new update", "That restaurant", "The service")
_VERDICTS = ("was wonderful and I would go again", "broke after two days, a waste of money",
             "was fine, nothing special", "exceeded every expectation we had",
             "made me angry from start to finish", "is exactly what the reviews promised")


def builtin_texts() -> list[str]:
    """A fixed, varied set of sentences (short and long) so figures are comparable run to run."""
    texts = [f"{s} {v}." for s in _SUBJECTS for v in _VERDICTS]
    return texts + [f"{t} Honestly, {t.lower()}" for t in texts[::6]]


@dataclass
class Part:
    """One side of the split: texts and their class indices (None: unlabelled)."""
    texts: list[str]
    y: Optional[np.ndarray]


@dataclass
class Calibration:
    """Texts, their class indices in the model's label order (None: unlabelled), where they come from
    (``origin``, in words) and whether they are the user's (``source``: USER or BUILTIN)."""
    texts: list[str]
    y: Optional[np.ndarray]
    origin: str
    source: str
    notes: list[str] = dataclasses.field(default_factory=list)

    def split(self, seed: int = 0) -> tuple[Part, Part]:
        """(what the chooser sees, what parity is measured on): disjoint, seeded, stratified by label."""
        texts, y = _unique(self.texts, self.y)
        rng = np.random.default_rng(seed)
        groups = [np.flatnonzero(y == c) for c in np.unique(y)] if y is not None else [np.arange(len(texts))]
        held = np.zeros(len(texts), dtype=bool)
        for members in groups:
            held[rng.permutation(members)[:int(round(len(members) * HELDOUT_SHARE))]] = True
        chooser = np.flatnonzero(~held)
        if len(chooser) > MAX_CHOOSER_ROWS:   # rows past the cap were never seen: they are held out too
            chooser = np.sort(rng.choice(chooser, MAX_CHOOSER_ROWS, replace=False))
        heldout = np.setdiff1d(np.arange(len(texts)), chooser)

        def part(index: np.ndarray) -> Part:
            return Part([texts[i] for i in index], y[index] if y is not None else None)

        return part(chooser), part(heldout)


def _unique(texts: list[str], y: Optional[np.ndarray]) -> tuple[list[str], Optional[np.ndarray]]:
    """The first row of each distinct text (a duplicate on both sides would leak what the chooser saw)."""
    first: dict[str, int] = {}
    for i, text in enumerate(texts):
        first.setdefault(text, i)
    keep = np.array(sorted(first.values()), dtype=int)
    return [texts[i] for i in keep], (y[keep] if y is not None else None)


def _enough(calib: Calibration) -> Calibration:
    """``calib``, if it has enough distinct texts to be split into two useful parts."""
    distinct = len(set(calib.texts))
    if distinct < MIN_ROWS:
        raise ModelDeskError(f"{calib.origin} has {distinct} distinct text(s); at least {MIN_ROWS} are needed to "
                             "choose INT8 on some and check it on others")
    return calib


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
    """A CSV/TSV/JSON Lines file the user picked, read in chunks: labelled when a label column holds the
    model's labels, unlabelled (agreement only) when it has no label column or one with none of them."""
    with tabular.TableReader(path) as source:
        name = source.path.name
        text_column, label_column = tabular.detect_columns(source.sample())
        if text_column is None:
            raise ModelDeskError(f"{name} has no text column (columns: {', '.join(source.columns)}).")
        texts: list[str] = []
        labels: list[str] = []
        for chunk in source.chunks():
            for row in chunk:
                text = row.get(text_column, "").strip()
                label = row.get(label_column, "").strip() if label_column else ""
                if text and (label or not label_column):
                    texts.append(text)
                    labels.append(label)
    if not texts:
        raise ModelDeskError(f"{name} has no row with a text in '{text_column}'.")
    notes = []
    y = None
    if label_column is not None:
        if set(labels) & set(model_labels):
            y = _indices(labels, model_labels, name)
        else:
            notes.append(f"The '{label_column}' column of {name} holds none of the model's labels, so the file is "
                         "used unlabelled (agreement with torch only, no macro-F1).")
    texts, y = _sample(texts, y)
    return _enough(Calibration(texts, y, name, USER, notes))


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
    return _enough(Calibration(texts, y, f"the validation rows of its fine-tune (run {run.id})", USER))


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
                         "checked on the built-in sentences instead. Give a calibration file to check INT8 on "
                         "your data.")
    else:
        notes.append("No rows of yours to check INT8 on (the model was not fine-tuned here and no calibration file "
                     "was given): checked on built-in sentences only. Give a calibration file to check it on your "
                     "data.")
    return Calibration(builtin_texts(), None, "built-in sentences", BUILTIN, notes)
