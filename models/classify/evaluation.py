"""Evaluating an existing classifier on a labelled file, without training.

It produces the same evaluation as training does (metrics.evaluate), and records
it as a run so the dashboard can reload and compare it like a training run.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from models.classify import metrics, tabular

from models.core import runs
from models.classify.classifier import Classifier
from models.core.events import CancelToken, Data, Log, ModelDeskError, Progress, ProgressFn, check, emit


def evaluate_classifier(model: os.PathLike | str, data: os.PathLike | str, text_column: Optional[str] = None,
                        label_column: Optional[str] = None, batch_size: int = 32, device: str = "auto",
                        backend: str = "torch", allow_pickle: bool = False, progress: ProgressFn = None,
                        cancel: Optional[CancelToken] = None) -> dict:
    """Predict every row of ``data`` and score it against its labels.

    Returns the evaluation (see metrics.evaluate) plus ``run_id`` and ``notes``.
    Labels the model does not know are an error: they could never be predicted.
    """
    examples = tabular.read_examples(data, text_column, label_column)
    notes = list(examples.notes)
    emit(progress, Progress(0, None, "Loading the model"))
    clf = Classifier.load(model, device=device, backend=backend, allow_pickle=allow_pickle)
    unseen = sorted(set(examples.labels) - set(clf.labels))
    if unseen:
        raise ModelDeskError(f"{Path(data).name} has label(s) the model '{clf.info.name}' does not know: "
                             f"{', '.join(unseen)} (it knows {', '.join(clf.labels)}).")
    check(cancel)
    messages: list[str] = []

    def relay(event: object) -> None:  # notes (e.g. truncation) are emitted once, with the file's
        if isinstance(event, Log):
            messages.append(event.message)
        else:
            emit(progress, event)

    probs = clf.predict_proba(examples.texts, batch_size=batch_size, progress=relay, cancel=cancel)
    notes += messages
    index = {label: i for i, label in enumerate(clf.labels)}
    evaluation = metrics.evaluate([index[label] for label in examples.labels], probs, clf.labels)
    run = runs.create_run({"kind": "evaluate", "model": str(clf.info.path), "data": str(Path(data).resolve()),
                           "text_column": examples.text_column, "label_column": examples.label_column,
                           "backend": clf.backend, "device": clf.device}, name=f"eval-{clf.info.name}")
    for note in notes:
        run.log({"name": "log", "message": note})
        emit(progress, Log(note))
    run.save_evaluation(evaluation)
    run.set_status("completed")
    emit(progress, Data("evaluation", evaluation))
    return {**evaluation, "run_id": run.id, "notes": notes, "model": clf.info.name}
