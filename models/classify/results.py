"""What a training run returns: plain data that crosses from the engine to the GUI (no torch here)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class TrainResult:
    """What a training run produced (also recorded in the run folder)."""
    status: str                              # completed | stopped
    run_id: str
    model_path: Optional[str]                # None when stopped before the first checkpoint
    labels: list[str]
    best_epoch: Optional[int] = None
    best_fold: Optional[int] = None
    best: dict = field(default_factory=dict)  # scalar metrics of the saved checkpoint
    evaluation: Optional[dict] = None         # its full evaluation (curves, confusion matrix)
    cv: Optional[dict] = None                 # k-fold mean ± std
    samples_per_s: float = 0.0                # training throughput (evaluation excluded)
    notes: list[str] = field(default_factory=list)


@dataclass
class CompressResult:
    """What a compression produced: the training of the smaller model, what it kept of its teacher, and
    the trade-off points of both measured on the same held-out file (none when it was stopped)."""
    method: str                                    # distill | prune
    teacher: str                                   # the teacher's folder
    training: TrainResult
    compression: dict = field(default_factory=dict)  # layers kept, or heads and FFN neurons removed
    points: list[dict] = field(default_factory=list)  # models.classify.tradeoff points
    parity: Optional[dict] = None                  # the ONNX export's parity report, when it was exported
