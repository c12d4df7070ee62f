"""Training the DCGAN on a folder of images, so that a few hundred images are enough.

What keeps the discriminator from winning on small data, and the generator from collapsing to a
few faces, is set in ``models.faces.recipe`` and was chosen by measurement
(``benchmarks/faces_training.py``): differentiable augmentation of real and generated images
(``models.faces.augment``), random horizontal flips of the real ones, one-sided label smoothing,
and as options an R1 penalty on real images, TTUR learning rates, spectral norm and a
minibatch-spread channel in the discriminator.

The generator the app shows, saves and measures is the exponential moving average of the trained
one (``models.faces.ema``). Every epoch ends with its quality on fixed seeds
(``models.faces.monitor``: KID mean ± std, SWD, variety), a memorisation check
(``models.faces.memorisation``), the collapse watch, and a checkpoint
(``models.faces.checkpoints``): the best epoch by KID is the model, the last one is kept for
resuming. The run is recorded with ``models.core.runs`` and shows on the Dashboard.
"""
from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any, Iterator, Optional

import numpy as np
import torch
from torch import nn

from models.core import cache, paths, runs, runtime, store
from models.core.events import (Cancelled, CancelToken, Data, Log, Metric, ModelDeskError, Progress, ProgressFn,
                                check, emit)
from models.faces import augment, checkpoints, dcgan, memorisation, monitor
from models.faces import latents as lat
from models.faces.ema import Ema
from models.faces.recipe import DEFAULTS
from models.faces.generation import to_uint8
from models.faces.images import make_grid

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
#: above this many images, decoded images are not kept in memory between epochs
DECODED_CACHE_LIMIT = 20000
PREVIEW_SEEDS = tuple(range(16))
#: real images the per-epoch KID and SWD compare with (fewer when the folder has fewer)
QUALITY_IMAGES = 256
#: training images the memorisation check searches (all of a small folder)
MEMORISATION_IMAGES = 4096
EPOCH_LOG = "epoch"
#: latents whose batches set the generator's batch-norm statistics before each preview and checkpoint
CALIBRATION_LATENTS = 256


# --- the data ------------------------------------------------------------------------------

class ImageFolder:
    """The jpg/png/webp files under a folder, decoded lazily to size×size RGB (centre crop + resize).

    Files that cannot be decoded are skipped and counted, never fatal.
    """

    def __init__(self, folder: os.PathLike | str, size: int) -> None:
        root = Path(folder).expanduser()
        if not root.is_dir():
            raise ModelDeskError(f"Image folder {root} does not exist.")
        self.files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not self.files:
            raise ModelDeskError(f"{root} has no jpg, png or webp images.")
        self.root = root
        self.size = size
        self.unreadable: set[int] = set()
        self._decoded: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.files)

    def load(self, index: int) -> Optional[np.ndarray]:
        if index in self.unreadable:
            return None
        if index in self._decoded:
            return self._decoded[index]
        from PIL import Image, ImageOps

        try:
            with Image.open(self.files[index]) as img:
                img = ImageOps.exif_transpose(img)
                if img.mode.startswith("I"):   # 16-bit grey: scaled to 8 bits (convert() would clip it to white)
                    img = Image.fromarray((np.asarray(img, dtype=np.float32) / 257).clip(0, 255).astype(np.uint8))
                img = img.convert("RGB")
                array = np.asarray(ImageOps.fit(img, (self.size, self.size), Image.Resampling.LANCZOS))
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            # OSError covers unidentified and truncated files; Pillow's PNG reader raises SyntaxError for bad chunks
            self.unreadable.add(index)
            return None
        if len(self.files) <= DECODED_CACHE_LIMIT:
            self._decoded[index] = array
        return array

    def sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """Up to ``count`` readable images, uint8 [n, size, size, 3], in a fixed random order."""
        arrays = [a for a in (self.load(int(i)) for i in rng.permutation(len(self.files))[:count]) if a is not None]
        return np.stack(arrays) if arrays else np.zeros((0, self.size, self.size, 3), np.uint8)

    def batches(self, batch_size: int, rng: np.random.Generator, flip: bool) -> Iterator[torch.Tensor]:
        """Shuffled batches as float tensors in [-1, 1], NCHW, each image mirrored at random when ``flip``;
        unreadable files leave batches short."""
        order = rng.permutation(len(self.files))
        for start in range(0, len(order), batch_size):
            arrays = [a for a in (self.load(int(i)) for i in order[start:start + batch_size]) if a is not None]
            if not arrays:
                continue
            batch = np.stack(arrays)
            if flip:
                mirrored = rng.random(len(batch)) < 0.5
                batch[mirrored] = batch[mirrored, :, ::-1]
            yield torch.from_numpy(batch).permute(0, 3, 1, 2).float() / 127.5 - 1.0


# --- one step ------------------------------------------------------------------------------

class _Step:
    """One GAN step: D on augmented real (target 1 − smoothing) and augmented fake (0), with the R1
    penalty on the real images every ``R1_EVERY`` steps when ``r1_gamma`` > 0; then G with the
    non-saturating loss through the same augmentation."""

    #: lazy R1 (Karras et al. 2020): every few steps, weighted as many times, to save the double backward
    R1_EVERY = 4

    def __init__(self, generator: nn.Module, discriminator: nn.Module, lr: float, lr_d: float, beta1: float,
                 policy: augment.Policy, smoothing: float, r1_gamma: float, rng: torch.Generator,
                 augment_probability: float = 1.0) -> None:
        self.generator, self.discriminator = generator, discriminator
        self.opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=(beta1, 0.999))
        self.opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr_d, betas=(beta1, 0.999))
        self.policy, self.real_target, self.rng = policy, 1.0 - smoothing, rng
        self.augment_probability = augment_probability
        self.r1_gamma, self.steps = r1_gamma, 0
        self.loss = nn.BCEWithLogitsLoss()

    def __call__(self, real: torch.Tensor, z: torch.Tensor) -> tuple[float, float]:
        g, d = self.generator, self.discriminator

        def aug(x: torch.Tensor) -> torch.Tensor:
            return augment.diff_augment(x, self.policy, self.rng, self.augment_probability)

        g.train()
        d.train()
        n = real.shape[0]
        fake = g(z)
        self.opt_d.zero_grad(set_to_none=True)
        r1 = self.r1_gamma > 0 and self.steps % self.R1_EVERY == 0
        seen = aug(real).detach().requires_grad_(r1)
        real_logits = d(seen)
        d_loss = (self.loss(real_logits, torch.full((n,), self.real_target, device=real.device))
                  + self.loss(d(aug(fake.detach())), torch.zeros(n, device=real.device)))
        if r1:
            grad, = torch.autograd.grad(real_logits.sum(), seen, create_graph=True)
            penalty = grad.pow(2).sum(dim=(1, 2, 3)).mean() * (self.r1_gamma / 2 * self.R1_EVERY)
            (d_loss + penalty).backward()
        else:
            d_loss.backward()
        self.opt_d.step()
        self.opt_g.zero_grad(set_to_none=True)
        g_loss = self.loss(d(aug(fake)), torch.ones(n, device=real.device))
        g_loss.backward()
        self.opt_g.step()
        self.steps += 1
        return g_loss.item(), d_loss.item()


def recalibrate_norms(generator: nn.Module, z: torch.Tensor) -> None:
    """Set the generator's batch-norm statistics to their exact averages over ``z`` for its current weights.

    The running averages lag far behind weights that change every step: early in training they
    still hold their initial variance and shrink every layer's signal, so every seed rendered the
    same flat face. Recomputed here before each preview and checkpoint ("precise BN").
    """
    norms = [m for m in generator.modules() if isinstance(m, nn.BatchNorm2d)]
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the batches below
    generator.train()
    with torch.no_grad():
        for chunk in z.split(64):
            generator(chunk)
    for m, momentum in zip(norms, saved):
        m.momentum = momentum
    generator.eval()


def _images(generator: nn.Module, z: torch.Tensor) -> np.ndarray:
    generator.eval()
    with torch.inference_mode():
        return np.concatenate([to_uint8(generator(chunk).float().cpu().numpy()) for chunk in z.split(64)])


# --- training ------------------------------------------------------------------------------

def _check_options(epochs: int, batch_size: int, lr: float, lr_d: float, nz: int, ngf: int, ndf: int,
                   label_smoothing: float, r1_gamma: float, preview_every: int, augment_probability: float) -> None:
    if min(epochs, batch_size, nz, ngf, ndf, preview_every) < 1 or lr <= 0 or lr_d <= 0 or r1_gamma < 0 \
            or not 0 <= label_smoothing < 0.5 or not 0 <= augment_probability <= 1:
        raise ModelDeskError("Epochs, batch size, preview interval and the network sizes must be at least 1, the "
                             "learning rates above 0, R1 from 0 up, label smoothing from 0 to below 0.5, the "
                             "augmentation probability from 0 to 1.")


D = DEFAULTS


def train_faces(image_folder: os.PathLike | str, out_name: str, epochs: int = D["epochs"],
                batch_size: int = D["batch_size"], lr: float = D["lr"], lr_d: Optional[float] = D["lr_d"],
                beta1: float = D["beta1"], image_size: int = D["image_size"], seed: int = 0, resume: bool = False,
                nz: int = D["nz"], ngf: int = D["ngf"], ndf: int = D["ndf"], augmentation: str = D["augmentation"],
                augment_probability: float = D["augment_probability"], flip: bool = D["flip"],
                label_smoothing: float = D["label_smoothing"],
                spectral_norm: bool = D["spectral_norm"], minibatch_std: bool = D["minibatch_std"],
                r1_gamma: float = D["r1_gamma"], stop_on_collapse: bool = D["stop_on_collapse"],
                preview_every: int = D["preview_every"], device: str = "auto", backend: str = "torch",
                allow_pickle: bool = False, progress: ProgressFn = None,
                cancel: Optional[CancelToken] = None) -> dict:
    """Train (or with ``resume``, continue from its last epoch) the DCGAN ``out_name`` until it has ``epochs`` epochs.

    Emits ``Metric`` g_loss/d_loss per step, and per epoch (scope "epoch") g_loss, d_loss, kid,
    kid_std, swd (the mean over pyramid levels, and one per level), variety and nearest (the
    smallest distance of a generated face to a training image); ``Data("samples", grid)`` of
    fixed seeds every ``preview_every`` steps and at each epoch's end, ``Data("memorisation",
    …)`` each epoch and ``Data("collapse", …)`` when variety keeps falling; one ``Log`` line per
    epoch (level "epoch"). ``lr_d`` None means the generator's ``lr``. With ``stop_on_collapse``
    training ends at the collapse warning. Stop keeps the best and the last finished epoch and
    returns (or, if no epoch finished in this run, raises Cancelled for a new model).
    A resumed model keeps its sizes and architecture; the other options apply from now on.
    """
    lr_d = lr if lr_d is None else lr_d
    _check_options(epochs, batch_size, lr, lr_d, nz, ngf, ndf, label_smoothing, r1_gamma, preview_every,
                   augment_probability)
    runtime.torch_only(backend, "training", progress)
    policy = augment.parse_policy(augmentation)
    target = paths.models_dir() / store.safe_name(out_name)
    dcgan.check_image_size(image_size)
    config: dict[str, Any] = {"nz": nz, "ngf": ngf, "ndf": ndf, "image_size": image_size,
                              "spectral_norm": spectral_norm, "minibatch_std": minibatch_std, "epochs_trained": 0}
    source: Optional[store.ModelInfo] = None
    if resume:
        if not target.exists():
            raise ModelDeskError(f"There is no model named '{target.name}' to resume; train it first.")
        source = store.open_model(target, task="faces", allow_pickle=allow_pickle)
        config = checkpoints.resume_config(source)
        if config["epochs_trained"] >= epochs:
            raise ModelDeskError(f"{target.name} has already trained {config['epochs_trained']} epochs; ask for more "
                                 "epochs to continue it.")
    elif target.exists():
        raise ModelDeskError(f"A model named '{target.name}' already exists; choose another name or resume it.")
    data = ImageFolder(image_folder, config["image_size"])
    choice = runtime.choose_device(device)
    generator, discriminator = dcgan.build_dcgan(config, seed=None if source else seed)
    ema = Ema(generator)
    first = config["epochs_trained"]
    rng = np.random.default_rng([seed, first])
    step_fn = _Step(generator, discriminator, lr, lr_d, beta1, policy, label_smoothing, r1_gamma,
                    torch.Generator().manual_seed(seed * 7919 + first), augment_probability)
    notes = [] if source is None else checkpoints.load_last(source, ema.model, generator, discriminator,
                                                             {"g": step_fn.opt_g, "d": step_fn.opt_d})
    for module in (generator, discriminator, ema.model):
        module.to(choice.device)
    options = {"epochs": epochs, "batch_size": batch_size, "lr": lr, "lr_d": lr_d, "beta1": beta1, "seed": seed,
               "augmentation": ",".join(policy) or "none", "augment_probability": augment_probability,
               "flip": flip, "label_smoothing": label_smoothing,
               "r1_gamma": r1_gamma, "stop_on_collapse": stop_on_collapse}
    run = runs.create_run({"kind": "train-faces", "out_name": target.name, "images": str(data.root),
                           **config, **options, "resumed_from_epoch": first if source else None,
                           "device": choice.label}, name=target.name)
    noise = torch.Generator().manual_seed(seed * 104729 + first)
    real_check = data.sample(QUALITY_IMAGES, np.random.default_rng(seed))
    training_images = data.sample(MEMORISATION_IMAGES, np.random.default_rng(seed + 1))
    fixed = torch.from_numpy(lat.seed_latents(range(max(len(real_check), len(PREVIEW_SEEDS), memorisation.CHECKED)),
                                              config["nz"]))
    fixed = fixed.to(choice.device)
    calibration = torch.randn(CALIBRATION_LATENTS, config["nz"], generator=torch.Generator().manual_seed(seed))
    calibration = calibration.to(choice.device)
    steps_per_epoch = math.ceil(len(data) / batch_size)
    total = (epochs - first) * steps_per_epoch
    step, saved_epoch = first * steps_per_epoch, None
    best_kid, best_epoch = config.get("best_kid"), config.get("best_epoch")
    watch, collapsed = monitor.CollapseWatch(), None

    def metric(name: str, value: float, epoch: float, scope: str) -> None:
        event = Metric(name, float(value), step=step, epoch=epoch, extra={"scope": scope})
        run.log_metric(event)
        emit(progress, event)

    def log(message: str, level: str = "info") -> None:
        run.log({"name": "log", "message": message, "step": step, "level": level})
        emit(progress, Log(message, level))

    for note in notes:
        log(note, "warning")
    log(f"Training on {len(data)} images from {data.root} ({choice.label})")
    started = time.monotonic()
    try:
        probe = monitor.QualityProbe(real_check) if len(real_check) >= 2 else None
        for epoch in range(first + 1, epochs + 1):
            losses: list[tuple[float, float]] = []
            for index, real in enumerate(data.batches(batch_size, rng, flip)):
                check(cancel)
                z = torch.randn(real.shape[0], config["nz"], generator=noise)
                g_loss, d_loss = step_fn(real.to(choice.device), z.to(choice.device))
                step += 1
                ema.update(generator, step * batch_size, real.shape[0])
                losses.append((g_loss, d_loss))
                where = epoch - 1 + (index + 1) / steps_per_epoch
                metric("g_loss", g_loss, where, "step")
                metric("d_loss", d_loss, where, "step")
                done = (epoch - first - 1) * steps_per_epoch + index + 1
                emit(progress, Progress(done, total, f"Epoch {epoch}/{epochs}"))
                if step % preview_every == 0:
                    recalibrate_norms(ema.model, calibration)
                    emit(progress, Data("samples", make_grid(_images(ema.model, fixed[:len(PREVIEW_SEEDS)]), cols=4)))
            if not losses or probe is None:
                raise ModelDeskError(f"Fewer than two of the {len(data)} image files in {data.root} could be read.")
            check(cancel)
            recalibrate_norms(ema.model, calibration)
            generated = _images(ema.model, fixed)
            emit(progress, Data("samples", make_grid(generated[:len(PREVIEW_SEEDS)], cols=4)))
            measured = probe.measure(generated)
            copies = memorisation.check(generated[:memorisation.CHECKED], training_images)
            g_mean, d_mean = (float(v) for v in np.mean(losses, axis=0))
            best = best_kid is None or measured.kid < best_kid
            if best:
                best_kid, best_epoch = measured.kid, epoch
            config.update(epochs_trained=epoch, best_epoch=best_epoch, best_kid=best_kid)
            readable = len(data) - len(data.unreadable)
            figures = {"epoch": epoch, "g_loss": g_mean, "d_loss": d_mean, "kid": measured.kid,
                       "kid_std": measured.kid_std, "swd": measured.swd, "variety": measured.variety,
                       "memorisation": copies.summary(), "images": readable, "unreadable": len(data.unreadable)}
            checkpoints.save_epoch(target, checkpoints.Epoch(ema.model, generator, discriminator,
                                                             checkpoints.optimizer_tensors(g=step_fn.opt_g,
                                                                                           d=step_fn.opt_d),
                                                             config),
                                   best, source=f"trained on {data.root}", run=run.id, metrics=figures)
            cache.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == str(target))
            saved_epoch = epoch
            for name, value in (("g_loss", g_mean), ("d_loss", d_mean), ("kid", measured.kid),
                                ("kid_std", measured.kid_std), ("swd", measured.swd), ("variety", measured.variety),
                                ("nearest", float(copies.distance.min()))):
                metric(name, value, epoch, "epoch")
            size = config["image_size"]
            for i, value in enumerate(measured.swd_levels):
                metric(f"swd_{size >> i}px", value, epoch, "epoch")
            emit(progress, Data("memorisation", {
                "epoch": epoch, "pairs": memorisation.pairs_picture(generated, training_images, copies),
                **copies.summary()}))
            mark = " · best so far, saved" if best else ""
            log(f"Epoch {epoch}/{epochs}: g_loss {g_mean:.2f}, d_loss {d_mean:.2f}, {measured.line()}{mark}",
                EPOCH_LOG)
            if copies.near_copies:
                log(f"Epoch {epoch}: {len(copies.near_copies)} of {len(copies.distance)} generated faces are "
                    f"near-copies of training images (pixel distance below {memorisation.NEAR_COPY_SHARE:g} of "
                    f"the {copies.typical:.1f} between neighbouring training images).", "warning")
            if data.unreadable:
                log(f"{len(data.unreadable)} unreadable files skipped")
            if watch.update(measured.variety):
                collapsed = collapsed or epoch
                emit(progress, Data("collapse", {"epoch": epoch, "variety": measured.variety}))
                log(f"Epoch {epoch}: {monitor.COLLAPSE_MESSAGE}: variety has fallen {watch.falling} epochs in a "
                    f"row, to {measured.variety:.2f} of the training images'.", "warning")
                if stop_on_collapse:
                    log(f"Stopping at epoch {epoch}, as asked, because {monitor.COLLAPSE_MESSAGE}.", "warning")
                    break
    except (Cancelled, KeyboardInterrupt) as exc:
        status = "stopped"
        if saved_epoch is not None:
            log(f"Stopped; {target} holds epoch {best_epoch} (the best KID), and epoch {saved_epoch}, the last "
                "finished one, is kept for resuming.")
        elif source is not None:
            log(f"Stopped before epoch {first + 1} ended; {target} still holds what it held, as before.")
        else:
            log("Stopped before the first epoch ended: no model was saved.")
        run.set_status(status, model=str(target) if (saved_epoch or source) else None)
        if isinstance(exc, KeyboardInterrupt) or (saved_epoch is None and source is None):
            raise
    except BaseException as exc:
        run.set_status("failed", error=str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__)
        raise
    else:
        status = "completed"
        run.set_status(status, model=str(target))
        if best_epoch is not None:
            log(f"Saved epoch {best_epoch} (best KID {best_kid:.4f}) as {target}; the last epoch "
                f"({config['epochs_trained']}) is kept in it for resuming.")
    return {"status": status, "model": str(target), "run_id": run.id, "epochs_trained": config["epochs_trained"],
            "saved_epoch": best_epoch, "best_kid": best_kid, "collapsed": collapsed,
            "new_epochs": 0 if saved_epoch is None else saved_epoch - first, "seconds": time.monotonic() - started}
