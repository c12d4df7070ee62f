"""Fine-tuning a text classifier: the one training loop the GUI and the CLI share.

The loop follows what practitioners use against over- and under-fitting: AdamW
with decoupled weight decay (none on biases and LayerNorm), warmup then linear or
cosine decay, gradient clipping and accumulation, early stopping on a chosen
validation metric, optional class weights and k-fold cross-validation, and
autocast to bf16/fp16 on CUDA. Batches are length-bucketed with dynamic padding,
so short texts are not padded to the longest text of the whole file.

Every step emits a ``Metric`` (train loss), every epoch the validation metrics
and a ``Log`` line; the run is recorded under ``MODELDESK_HOME/runs``. The best
checkpoint is written atomically into the app's models folder, so pressing Stop
(or a crash) never leaves a half-written model: the previous best stays loadable.

The same call trains in several processes when ``torchrun`` or ``accelerate launch`` starts it
(one per GPU, on one machine or several; see models.core.distributed): every process builds the
same batches, takes its share of each (``batch_size`` stays the batch of one optimizer step,
whatever the number of processes), and the loss is scaled so that the averaged gradients are
exactly those of the whole batch. Validation rows are shared out too and the predictions
gathered, so every process sees the same metrics and makes the same early-stopping decision.
Only the first process writes the run, the checkpoints and the output.
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import numpy as np
import torch

from models.core import cache, distributed, fileio, paths, runs, runtime, store
from models.core.tokens import token_limit

from models.classify import metrics, report
from models.classify.results import TrainResult
from models.classify.train_data import (Dataset, TrainConfig, collate, load_dataset, load_tokenizer, make_batches,
                                        tokenize)
from models.core.events import (CancelToken, Cancelled, Data, Log, Metric, ModelDeskError, Progress, ProgressFn, check,
                     emit)
from models.core.oom import retry_smaller

#: the Log level of the one-line summary after each epoch (the CLI prints these on stdout)
EPOCH_LOG = "epoch"


def load_for_training(info: store.ModelInfo, labels: Sequence[str]) -> Any:
    """The base encoder with a fresh classification head for ``labels``."""
    from transformers import AutoModelForSequenceClassification

    try:
        return AutoModelForSequenceClassification.from_pretrained(
            str(info.path), num_labels=len(labels), id2label=dict(enumerate(labels)),
            label2id={label: i for i, label in enumerate(labels)}, problem_type="single_label_classification",
            ignore_mismatched_sizes=True, **store.hf_kwargs(info))
    except (OSError, ValueError, KeyError) as exc:
        raise ModelDeskError(f"{info.name} cannot be fine-tuned for classification "
                             f"({str(exc).splitlines()[0][:120]}).") from None


def _param_groups(model: Any, weight_decay: float) -> list[dict]:
    """Weight decay on weight matrices only: decaying biases and norms only hurts."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        (no_decay if param.ndim < 2 or "norm" in name.lower() else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def _autocast(device: runtime.DeviceChoice) -> Callable[[], Any]:
    if device.is_cuda:
        return lambda: torch.autocast(device_type="cuda", dtype=device.dtype)
    return contextlib.nullcontext


def predict_probs(model: Any, features: Sequence[dict], pad_id: int, batch_size: int,
                  device: runtime.DeviceChoice, cancel: Optional[CancelToken] = None) -> np.ndarray:
    """Softmax probabilities for tokenized texts, in their order (batches sorted by length for speed)."""
    model.eval()
    out = np.zeros((len(features), model.config.num_labels), dtype=np.float32)
    autocast = _autocast(device)
    with torch.inference_mode():
        for idx in make_batches([len(f["input_ids"]) for f in features], batch_size * 2):
            check(cancel)
            inputs = {k: v.to(device.device) for k, v in collate([features[i] for i in idx], pad_id).items()}
            with autocast():
                logits = model(**inputs).logits
            out[idx] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
    return out


# --- the loop ----------------------------------------------------------------

class _OtherProcess:
    """What the processes other than the first have instead of a run: they write nothing."""

    def __init__(self, run_id: str) -> None:
        self.id = run_id

    def log(self, record: dict) -> None:
        pass

    def log_metric(self, metric: Metric) -> None:
        pass

    def save_evaluation(self, evaluation: dict) -> None:
        pass

    def set_status(self, status: str, **extra: Any) -> None:
        pass

    def metrics(self) -> list[dict]:
        return []


class Session:
    """State shared by the folds of one training call: the run, the best checkpoint, throughput.

    Compression (models.classify.compress) trains a smaller model with this same loop: it
    overrides the hooks ``new_model``, ``batch_loss`` and ``manifest_extra``.
    """

    #: what the run folder records as its kind
    kind = "train"

    def __init__(self, config: TrainConfig, info: store.ModelInfo, tokenizer: Any, data: Dataset,
                 features: list[dict], target: Path, run: runs.Run | _OtherProcess, device: runtime.DeviceChoice,
                 progress: ProgressFn, cancel: Optional[CancelToken],
                 world: distributed.World = distributed.World()) -> None:
        self.config, self.info, self.tokenizer, self.data = config, info, tokenizer, data
        self.features, self.target, self.run, self.device = features, target, run, device
        self.progress, self.cancel, self.world = progress, cancel, world
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.best_score: Optional[float] = None
        self.best_eval: Optional[dict] = None
        self.best_epoch: Optional[int] = None
        self.best_fold: Optional[int] = None
        self.fold_evals: list[dict] = []
        self.samples = 0
        self.train_seconds = 0.0
        self.step = 0
        self.batches_per_epoch = [math.ceil(len(tr) / config.batch_size) for tr, _ in data.folds]
        self.total_batches = sum(b * config.epochs for b in self.batches_per_epoch)
        self.done_batches = 0

    def metric(self, name: str, value: float, epoch: float, fold: Optional[int], scope: str, **extra) -> None:
        extra = {"scope": scope, **extra}
        if fold is not None:
            extra["fold"] = fold
        event = Metric(name, float(value), step=self.step, epoch=epoch, extra=extra)
        self.run.log_metric(event)
        emit(self.progress, event)

    def log(self, message: str, level: str = "info") -> None:
        self.run.log({"name": "log", "message": message, "step": self.step, "level": level})
        emit(self.progress, Log(message, level))

    def better(self, score: Optional[float], reference: Optional[float]) -> bool:
        if score is None:
            return reference is None
        if reference is None:
            return True
        return score < reference if self.config.metric in metrics.LOWER_IS_BETTER else score > reference

    def predict(self, model: Any, rows: Sequence[int]) -> np.ndarray:
        """Probabilities for feature rows; with several processes each predicts its share, and all get all."""
        core = distributed.unwrap(model)
        positions = self.world.shard(np.arange(len(rows)))
        mine = predict_probs(core, [self.features[rows[i]] for i in positions], self.pad_id, self.config.batch_size,
                             self.device, self.cancel)
        if not self.world.active:
            return mine
        out = np.zeros((len(rows), core.config.num_labels), dtype=np.float32)
        for where, probs in distributed.gather((positions, mine), self.world):
            out[where] = probs
        return out

    # --- hooks --------------------------------------------------------------
    def new_model(self, train_idx: np.ndarray) -> Any:
        """The model one fold trains: the base encoder with a fresh head for the labels."""
        return load_for_training(self.info, self.data.labels)

    def batch_loss(self, model: Any, inputs: dict, targets: Any, loss_fn: Any, autocast: Callable[[], Any]) -> Any:
        """The loss of one training batch (the forward runs under ``autocast``): per-row losses, which the
        loop weighs into the whole batch's mean across processes, or one scalar (``loss_fn`` is the
        class-weighted mean cross-entropy)."""
        with autocast():
            logits = model(**inputs).logits
        return torch.nn.functional.cross_entropy(logits.float(), targets, weight=loss_fn.weight, reduction="none")

    def manifest_extra(self) -> dict:
        """Manifest entries added to (or replacing) the fine-tuning ones of every checkpoint."""
        return {}

    def save(self, model: Any, evaluation: dict, epoch: int, fold: Optional[int]) -> None:
        """Write the checkpoint into a temp folder, then swap it in: the old best survives any failure."""
        if not self.world.main:
            return
        with fileio.atomic_dir(self.target) as tmp:
            distributed.unwrap(model).save_pretrained(tmp)
            self.tokenizer.save_pretrained(tmp)
            store.write_manifest(tmp, **{
                "task": "classify", "source": f"fine-tuned from {self.info.name}", "base_model": str(self.info.path),
                "labels": self.data.labels, "run": self.run.id, "epoch": epoch, "fold": fold,
                "metric": self.config.metric, "metrics": metrics.scalars(evaluation),
                "max_length": self.config.max_length, "train_file": str(Path(self.config.train).resolve()),
                **self.manifest_extra()})
        cache.forget(lambda key: isinstance(key, tuple) and str(self.target) in key)  # no stale classifier

    def train_fold(self, fold: Optional[int], train_idx: np.ndarray, val_idx: np.ndarray) -> Optional[dict]:
        """Train one model from the base encoder; returns its best validation evaluation."""
        from transformers import get_scheduler, set_seed

        config, device, world = self.config, self.device, self.world
        set_seed(config.seed + (fold or 0))
        model = distributed.wrap(self.new_model(train_idx).to(device.device), world, device)
        # fused: one kernel for all parameters (on the CPU ~7x faster than the per-tensor loop)
        optimizer = torch.optim.AdamW(_param_groups(model, config.weight_decay), lr=config.lr, fused=True)
        n_batches = self.batches_per_epoch[fold or 0]
        updates_per_epoch = math.ceil(n_batches / config.grad_accum)
        total_updates = updates_per_epoch * config.epochs
        warmup = int(config.warmup) if config.warmup >= 1 else int(round(config.warmup * total_updates))
        scheduler = get_scheduler(config.schedule, optimizer, num_warmup_steps=min(warmup, total_updates),
                                  num_training_steps=total_updates)
        y = torch.as_tensor(self.data.y, dtype=torch.long)
        weight = None
        if config.class_weights:
            from sklearn.utils.class_weight import compute_class_weight

            present = np.unique(self.data.y[train_idx])
            w = np.ones(len(self.data.labels))
            w[present] = compute_class_weight("balanced", classes=present, y=self.data.y[train_idx])
            weight = torch.tensor(w, dtype=torch.float32, device=device.device)
        loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
        scaler = torch.amp.GradScaler("cuda", enabled=device.is_cuda and device.dtype_name == "float16")
        autocast = _autocast(device)
        rng = np.random.default_rng(config.seed + (fold or 0))
        lengths = [len(self.features[i]["input_ids"]) for i in train_idx]
        fold_best: Optional[dict] = None
        fold_best_score: Optional[float] = None
        bad_epochs = 0
        prefix = f"fold {fold + 1}/{config.kfold} · " if fold is not None else ""
        for epoch in range(1, config.epochs + 1):
            model.train()
            batches = make_batches(lengths, config.batch_size, rng, config.bucketing)
            running, seen, window = 0.0, 0, 0.0
            optimizer.zero_grad(set_to_none=True)
            for b, local in enumerate(batches):
                check(self.cancel)
                started = time.perf_counter()
                idx = train_idx[local]                     # the whole batch, as one process takes it
                mine, share = world.shard(idx), 1.0        # this process's rows of it
                if not len(mine):                          # fewer rows than processes: still take part
                    mine, share = idx[:1], 0.0
                last = b + 1 == len(batches)
                stepping = (b + 1) % config.grad_accum == 0 or last
                inputs = collate([self.features[i] for i in mine], self.pad_id,
                                 pad_to=None if config.bucketing else config.max_length,
                                 padding_side=getattr(self.tokenizer, "padding_side", "right"))
                inputs = {k: v.to(device.device) for k, v in inputs.items()}
                # the batch's mean loss (weighted by class), of which this process sums its share: the
                # gradients averaged over the processes are then exactly those of the whole batch
                denominator = float(weight[y[idx].to(device.device)].sum()) if weight is not None else len(idx)
                with distributed.no_sync(model, not stepping):
                    loss = self.batch_loss(model, inputs, y[mine].to(device.device), loss_fn, autocast)
                    if loss.dim():   # per-row losses: this process's exact share of the batch's mean
                        loss = loss.sum() * (share * world.size / denominator)
                    scaler.scale(loss / config.grad_accum).backward()
                window += loss.item() / config.grad_accum
                if stepping:
                    window = distributed.all_sum(window, world) / world.size
                    if last and (b + 1) % config.grad_accum:  # a short final window: rescale to its size
                        window *= config.grad_accum / ((b + 1) % config.grad_accum)
                    if config.grad_clip > 0:
                        scaler.unscale_(optimizer)
                        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                    scaler.step(optimizer)
                    scaler.update()
                    scheduler.step()
                    optimizer.zero_grad(set_to_none=True)
                    self.step += 1
                    self.metric("train_loss", window, epoch - 1 + (b + 1) / len(batches), fold, "step",
                                lr=scheduler.get_last_lr()[0])
                    running += window
                    seen += 1
                    window = 0.0
                if device.is_cuda:
                    torch.cuda.synchronize()
                self.train_seconds += time.perf_counter() - started
                self.samples += len(idx)
                self.done_batches += 1
                emit(self.progress, Progress(self.done_batches, self.total_batches,
                                             f"{prefix}epoch {epoch}/{config.epochs} · batch {b + 1}/{len(batches)}"
                                             f" · loss {running / max(seen, 1):.4f}"))
            probs = self.predict(model, val_idx)
            evaluation = metrics.evaluate(self.data.y[val_idx], probs, self.data.labels)
            self.metric("train_loss", running / max(seen, 1), epoch, fold, "epoch")
            for name in metrics.SCALARS:
                if evaluation.get(name) is not None:
                    self.metric(f"val_{name}", evaluation[name], epoch, fold, "epoch")
            score = evaluation.get(config.metric)
            improved = fold_best is None or self.better(score, fold_best_score)
            if improved:
                fold_best, fold_best_score, bad_epochs = evaluation, score, 0
            else:
                bad_epochs += 1
            saved = self.best_eval is None or self.better(score, self.best_score)
            if saved:
                self.save(model, evaluation, epoch, fold)
                self.best_score, self.best_eval, self.best_epoch, self.best_fold = score, evaluation, epoch, fold
                emit(self.progress, Data("evaluation", evaluation))
            self.log(f"{prefix}epoch {epoch}/{config.epochs}  train_loss {running / max(seen, 1):.4f}  "
                     + "  ".join(f"{'val_loss' if n == 'loss' else n} {report.format_value(evaluation.get(n))}"
                                 for n in metrics.SCALARS)
                     + ("  saved (best so far)" if saved else ""), level=EPOCH_LOG)
            if config.patience and bad_epochs >= config.patience and epoch < config.epochs:
                self.log(f"{prefix}Early stopping: {config.metric} has not improved for {bad_epochs} epoch(s).")
                self.done_batches += n_batches * (config.epochs - epoch)
                break
        return fold_best

    def test_best(self, test_idx: np.ndarray) -> dict:
        """Evaluate the saved checkpoint on the held-out evaluation file (k-fold with --eval)."""
        from transformers import AutoModelForSequenceClassification

        distributed.barrier(self.world)   # the first process has written it
        info = store.open_model(self.target, task="classify")
        model = AutoModelForSequenceClassification.from_pretrained(str(info.path), **store.hf_kwargs(info))
        model.to(self.device.device)
        probs = self.predict(model, test_idx)
        return metrics.evaluate(self.data.y[test_idx], probs, self.data.labels)


def _target(config: TrainConfig) -> Path:
    target = paths.models_dir() / store.safe_name(config.out_name)
    if target.exists() and not config.overwrite:
        raise ModelDeskError(f"A model named '{target.name}' already exists; choose another name "
                             "or allow replacing it.")
    return target


@retry_smaller(overwrite=True)   # a retry replaces what the failed attempt saved
def train_classifier(progress: ProgressFn = None, cancel: Optional[CancelToken] = None, backend: str = "torch",
                     **options: Any) -> TrainResult:
    """Fine-tune ``options['model']`` on ``options['train']`` (see TrainConfig for every option, ``device``
    and ``allow_pickle`` among them).

    Returns when training ends, early-stops or is stopped (status "stopped": the
    best checkpoint so far is kept). Raises ModelDeskError for bad data or a
    base model that is not an encoder, before anything is written. ``backend`` is
    accepted like every job's runtime option and does not apply: training makes
    torch weights (export them afterwards for ONNX Runtime). Started by torchrun or
    accelerate launch, the processes train together (see the module docstring).
    """
    config = TrainConfig.from_options(options)
    return run_training(config, progress, cancel)


def run_training(config: TrainConfig, progress: ProgressFn = None, cancel: Optional[CancelToken] = None,
                 session_type: type[Session] = Session, labels: Optional[Sequence[str]] = None,
                 task: str = store.ENCODER) -> TrainResult:
    """The body of :func:`train_classifier` for a validated config; ``session_type`` (a ``Session``
    subclass) decides the model, the loss and the manifest, ``labels`` fixes the class order and
    ``task`` is what ``config.model`` must be."""
    world = distributed.from_env()
    if not world.main:
        progress = None   # the first process reports for all
    info = store.open_model(config.model, task=task, allow_pickle=config.allow_pickle)
    target = _target(config)
    data = load_dataset(config, labels)
    tokenizer = load_tokenizer(info)
    notes = list(data.notes)
    from transformers import AutoConfig

    limit = token_limit(tokenizer, AutoConfig.from_pretrained(str(info.path), **{
        k: v for k, v in store.hf_kwargs(info).items() if k != "use_safetensors"}))
    if config.max_length > limit:
        notes.append(f"Max length {config.max_length} is beyond what {info.name} accepts; using {limit}.")
        config.max_length = limit
    emit(progress, Progress(0, None, "Tokenizing…"))
    features, truncated = tokenize(tokenizer, data.texts, config.max_length)
    if truncated:
        notes.append(f"{truncated} text{'s were' if truncated != 1 else ' was'} longer than "
                     f"{config.max_length} tokens and {'were' if truncated != 1 else 'was'} truncated.")
    check(cancel)
    device = runtime.choose_device(config.device)
    if world.active:
        device = distributed.start(world, device)
    try:
        run: runs.Run | _OtherProcess = _OtherProcess("")
        if world.main:   # files by absolute path, so the run can rebuild its split from anywhere
            files = {"train": str(Path(config.train).resolve()), "eval": str(Path(config.eval).resolve()) if config.eval
                     else None}
            run = runs.create_run({"kind": session_type.kind, **dataclasses.asdict(config), **files, "labels": data.labels,
                                   "base_model": str(info.path), "device": device.label, "processes": world.size,
                                   "sizes": {"train": int(len(data.folds[0][0])),
                                             "validation": int(len(data.folds[0][1]))}}, name=config.out_name)
        run_id = distributed.broadcast(run.id, world)
        session = session_type(config, info, tokenizer, data, features, target,
                           run if world.main else _OtherProcess(run_id), device, progress, cancel, world)
        return _train(session, notes)
    finally:
        distributed.stop(world)


def _train(session: Session, notes: Sequence[str]) -> TrainResult:
    """Every fold, then the outcome; a failure is recorded in the run before it goes on."""
    config, data, run = session.config, session.data, session.run
    for note in notes:
        session.log(note, "warning")
    status = "completed"
    try:
        for k, (train_idx, val_idx) in enumerate(data.folds):
            best = session.train_fold(k if config.kfold else None, train_idx, val_idx)
            if best is not None:
                session.fold_evals.append(best)
    except (Cancelled, KeyboardInterrupt) as exc:
        status = "stopped"
        session.log("Stopped: the best checkpoint so far is kept." if session.best_eval is not None
                    else "Stopped before the first epoch ended: no model was saved.")
        if isinstance(exc, KeyboardInterrupt):
            _finish(session, status)
            raise
    except BaseException as exc:
        run.set_status("failed", error=str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__)
        raise
    return _finish(session, status)


def _finish(session: Session, status: str) -> TrainResult:
    """Record the outcome: final evaluation, k-fold summary, status; emit the evaluation for the dashboard."""
    config, run = session.config, session.run
    cv = metrics.summarize(session.fold_evals) if config.kfold and status == "completed" else None
    evaluation = session.best_eval
    if status == "completed" and session.data.test is not None and session.best_eval is not None:
        evaluation = session.test_best(session.data.test)
    if evaluation is not None:
        run.save_evaluation({**evaluation, "cv": cv} if cv else evaluation)
        emit(session.progress, Data("evaluation", evaluation))
    if cv and session.world.main:
        store.write_manifest(session.target, cv=cv)
        session.log("Cross-validation: " + ", ".join(f"{n} {s['mean']:.4f} ± {s['std']:.4f}" for n, s in cv.items()))
    samples_per_s = session.samples / session.train_seconds if session.train_seconds else 0.0
    model_path = str(session.target) if session.best_eval is not None else None
    run.set_status(status, model=model_path, best_epoch=session.best_epoch, best_fold=session.best_fold,
                   best=metrics.scalars(session.best_eval or {}), samples_per_s=samples_per_s)
    return TrainResult(status=status, run_id=run.id, model_path=model_path, labels=session.data.labels,
                       best_epoch=session.best_epoch, best_fold=session.best_fold,
                       best=metrics.scalars(session.best_eval or {}), evaluation=evaluation, cv=cv,
                       samples_per_s=samples_per_s, notes=[r["message"] for r in run.metrics()
                                                           if r.get("name") == "log" and r.get("level") != EPOCH_LOG])
