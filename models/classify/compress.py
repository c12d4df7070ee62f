"""Compressing a fine-tuned classifier: distil it into fewer layers, or prune heads and FFN neurons; then
export the result to ONNX + INT8 and measure it beside its teacher on a held-out file.

Both methods train with the fine-tuning loop (``training.run_training``): ``CompressSession``
only supplies the smaller model and the loss, so early stopping, the best checkpoint, Stop, the
run folder and the live curves are exactly those of fine-tuning.

- **distill**: the student keeps ``layers`` of the teacher's layers (``distill.pick_layers``) and
  learns from the teacher's soft targets and the labels (``distill.distillation_loss``).
- **prune**: heads and FFN neurons are ranked by gradient importance on the training rows
  (``prune.importance``), the lowest ``sparsity`` / ``ffn_sparsity`` share is cut out of the
  matrices (``prune.prune``), the cut model is checked against the masked teacher, and a short
  recovery fine-tune with the same loss follows.

The labels keep the teacher's order, so soft targets line up. The validation split (or ``eval``)
picks the best epoch; the ``test`` file is only measured, never trained or validated on.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import numpy as np
import torch

from models.classify import distill, prune, tabular, training, tradeoff
from models.classify.results import CompressResult
from models.core import exports, paths, runs, runtime, store
from models.core.events import CancelToken, Data, ModelDeskError, Progress, ProgressFn, emit

METHODS = ("distill", "prune")
#: the largest difference between the cut model and the masked teacher that counts as the same model
PRUNE_TOLERANCE = 1e-4


@dataclass
class CompressConfig(training.TrainConfig):
    """TrainConfig (``model`` is the teacher) plus what to compress and how."""
    lr: float = 1e-4                    # a student learns faster than a fine-tuned encoder may
    test: str = ""                      # held-out labelled file every variant is measured on
    method: str = "distill"
    layers: int = 2                     # distill: the student's layers
    layer_choice: str = "spread"        # distill: spread | first (distill.LAYER_CHOICES)
    sparsity: float = 0.4               # prune: share of all attention heads removed
    ffn_sparsity: float = 0.0           # prune: share of all FFN neurons removed
    temperature: float = 2.0            # of the soft targets
    alpha: float = 0.5                  # weight of the soft targets; 1 - alpha weighs the labels
    hidden_weight: float = 0.0          # weight of hidden-state matching; 0 turns it off
    export: bool = True                 # export the result to ONNX + INT8 and measure that too
    latency_rows: int = tradeoff.LATENCY_ROWS

    def validate(self) -> None:
        super().validate()
        problems = []
        if not str(self.test or "").strip():
            problems.append("choose a held-out evaluation file to measure the models on")
        if self.method not in METHODS:
            problems.append(f"the method must be one of {', '.join(METHODS)}")
        if self.layer_choice not in distill.LAYER_CHOICES:
            problems.append(f"the student's layers are chosen by {' or '.join(distill.LAYER_CHOICES)}")
        if self.layers < 1:
            problems.append("a student needs at least one layer")
        if not (0 <= self.sparsity < 1 and 0 <= self.ffn_sparsity < 1):
            problems.append("sparsity is a share from 0 up to (not including) 1")
        if self.method == "prune" and self.sparsity == 0 and self.ffn_sparsity == 0:
            problems.append("give a head or FFN sparsity above 0 to prune anything")
        if not self.temperature > 0:
            problems.append("the temperature must be positive")
        if not 0 <= self.alpha <= 1:
            problems.append("the soft-target weight (alpha) is between 0 and 1")
        if self.hidden_weight < 0:
            problems.append("the hidden-state weight cannot be negative")
        if self.kfold:
            problems.append("compression trains one model: k-fold is not available")
        if self.latency_rows < 1:
            problems.append("time at least one text")
        if problems:
            raise ModelDeskError("Invalid compression settings: " + "; ".join(problems) + ".")


def _parameters(model: Any) -> int:
    return sum(p.numel() for p in model.parameters())


class CompressSession(training.Session):
    """The fine-tuning session with a teacher: a smaller model to train, and the distillation loss."""

    kind = "compress"
    config: CompressConfig

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        from transformers import AutoModelForSequenceClassification

        self.teacher = AutoModelForSequenceClassification.from_pretrained(
            str(self.info.path), dtype=torch.float32, **store.hf_kwargs(self.info)).to(self.device.device).eval()
        self.teacher.requires_grad_(False)
        self.layer_map: list[int] = []   # the teacher layer each layer of the model in training came from
        self.compression: dict = {}

    def new_model(self, train_idx: np.ndarray) -> Any:
        config = self.config
        total = self.teacher.config.num_hidden_layers
        if config.method == "distill":
            self.layer_map = distill.pick_layers(total, config.layers, config.layer_choice)
            model = distill.make_student(self.teacher, self.layer_map)
            self.compression = {"method": "distill", "teacher_layers": total, "layers": self.layer_map,
                                "layer_choice": config.layer_choice}
            self.log(f"Student: {len(self.layer_map)} of the teacher's {total} layers "
                     f"({', '.join(str(i + 1) for i in self.layer_map)}), {_parameters(model):,} parameters "
                     f"(teacher {_parameters(self.teacher):,}).")
        else:
            model = self._prune(train_idx)
            self.layer_map = list(range(total))
        return model.train()

    def _batches(self, rows: np.ndarray) -> Iterator[tuple[dict, torch.Tensor]]:
        """(inputs, labels) over ``rows`` of the data, as the loop batches them for evaluation."""
        labels = torch.as_tensor(self.data.y, dtype=torch.long)
        for idx in training.make_batches([len(self.features[i]["input_ids"]) for i in rows], self.config.batch_size):
            chosen = rows[idx]
            inputs = training.collate([self.features[i] for i in chosen], self.pad_id)
            yield {k: v.to(self.device.device) for k, v in inputs.items()}, labels[chosen].to(self.device.device)

    def _prune(self, train_idx: np.ndarray) -> Any:
        config = self.config
        emit(self.progress, Progress(0, None, f"Measuring the importance of heads and neurons on "
                                              f"{len(train_idx):,} training texts"))
        head_scores, neuron_scores = prune.importance(self.teacher, self._batches(train_idx), self.cancel)
        heads = prune.choose(head_scores, config.sparsity)
        neurons = prune.choose(neuron_scores, config.ffn_sparsity)
        model = prune.prune(self.teacher, heads, neurons)
        inputs, _labels = next(self._batches(train_idx[:config.batch_size]))
        head_gates, neuron_gates = prune.gates_for(self.teacher, heads, neurons)
        with torch.no_grad():
            with prune.gated(self.teacher, head_gates, neuron_gates):
                masked = self.teacher(**inputs).logits
            difference = float((model.eval()(**inputs).logits - masked).abs().max())
        if difference > PRUNE_TOLERANCE:
            raise ModelDeskError(f"The pruned model does not match the masked teacher (max |Δlogit| "
                                 f"{difference:.2e}); nothing was saved.")
        n_heads, n_neurons = (sum(len(s) for s in scores) for scores in (head_scores, neuron_scores))
        gone_heads, gone_neurons = (sum(len(v) for v in units.values()) for units in (heads, neurons))
        self.compression = {"method": "prune", "sparsity": config.sparsity, "ffn_sparsity": config.ffn_sparsity,
                            "removed_heads": {str(k): v for k, v in heads.items()},
                            "removed_neurons": {str(k): len(v) for k, v in neurons.items()},
                            "layer_heads": model.config.layer_heads,
                            "layer_intermediate": model.config.layer_intermediate,
                            "masked_max_abs_diff": difference}
        self.log(f"Pruned {gone_heads} of {n_heads} attention heads and {gone_neurons:,} of {n_neurons:,} FFN "
                 f"neurons: {_parameters(model):,} parameters (teacher {_parameters(self.teacher):,}); "
                 f"heads kept per layer {model.config.layer_heads}; matches the masked teacher "
                 f"(max |Δlogit| {difference:.1e}).")
        return model

    def batch_loss(self, model: Any, inputs: dict, targets: Any, loss_fn: Any, autocast: Any) -> Any:
        config = self.config
        hidden = config.hidden_weight > 0
        with torch.no_grad(), autocast():
            teacher = self.teacher(**inputs, output_hidden_states=hidden)
        with autocast():
            student = model(**inputs, output_hidden_states=hidden)
        return distill.distillation_loss(student, teacher, targets, loss_fn, config.temperature, config.alpha,
                                         config.hidden_weight, self.layer_map, inputs.get("attention_mask"))

    def manifest_extra(self) -> dict:
        verb = "distilled" if self.config.method == "distill" else "pruned"
        return {"source": f"{verb} from {self.info.name}", "teacher": str(self.info.path),
                "compression": self.compression}


def _check_teacher(info: store.ModelInfo, config: CompressConfig) -> list[str]:
    """The teacher's labels in its output order, once its architecture is known to suit the method."""
    from transformers import AutoConfig

    settings = AutoConfig.from_pretrained(str(info.path), trust_remote_code=False, local_files_only=True)
    if config.method == "distill":
        distill.pick_layers(getattr(settings, "num_hidden_layers", 0), config.layers, config.layer_choice)
    elif settings.model_type not in prune.MODEL_TYPES:
        raise ModelDeskError(f"Pruning works on BERT classifiers (MiniLM, BERT); {info.name} is a "
                             f"{settings.model_type}. Distil it instead.")
    id2label = {int(k): str(v) for k, v in (settings.id2label or {}).items()}
    return [id2label.get(i, f"LABEL_{i}") for i in range(int(settings.num_labels))]


def compress_classifier(progress: ProgressFn = None, cancel: Optional[CancelToken] = None, backend: str = "torch",
                        **options: Any) -> CompressResult:
    """Compress ``options['model']`` (a fine-tuned classifier) into ``options['out_name']`` and measure both
    on ``options['test']`` (see CompressConfig and TrainConfig for every option).

    Bad settings, data or a teacher that cannot be compressed raise ModelDeskError before anything
    is written. Stopped, it keeps the best checkpoint so far and measures nothing. Training runs on
    torch whatever ``backend`` says; the result is exported to ONNX + INT8 (``export``) through
    the normal export path and both backends are measured.
    """
    config = CompressConfig.from_options(options)
    runtime.torch_only(backend, "compression trains", progress)
    teacher = store.open_model(config.model, task="classify", allow_pickle=config.allow_pickle)
    if (paths.models_dir() / store.safe_name(config.out_name)).resolve() == teacher.path.resolve():
        raise ModelDeskError("Give the smaller classifier a name of its own: it would replace its teacher.")
    labels = _check_teacher(teacher, config)
    held = tabular.read_examples(config.test, config.text_column, config.label_column)
    unseen = sorted(set(held.labels) - set(labels))
    if unseen:
        raise ModelDeskError(f"{Path(config.test).name} has label(s) the teacher does not know: {', '.join(unseen)}.")
    result = training.run_training(config, progress, cancel, CompressSession, labels=labels, task="classify")
    run = runs.load_run(result.run_id)
    compression = store.read_manifest(result.model_path).get("compression", {}) if result.model_path else {}
    outcome = CompressResult(config.method, str(teacher.path), result, compression)
    if result.status != "completed" or result.model_path is None:
        return outcome
    if config.export:
        outcome.parity = exports.export_model(result.model_path, quantize=True, device=config.device,
                                              progress=progress, cancel=cancel)
    role = "student" if config.method == "distill" else "pruned"
    variants = [(str(teacher.path), b, "teacher") for b in tradeoff.available_backends(teacher.path)]
    variants += [(result.model_path, b, role) for b in tradeoff.available_backends(result.model_path)]
    outcome.points = tradeoff.measure(variants, config.test, held, config.latency_rows, config.device,
                                      config.allow_pickle, progress, cancel)
    run.save_tradeoff(outcome.points)
    emit(progress, Data("tradeoff", outcome.points))
    return outcome
