"""Training the DCGAN on a folder of images, so that a few hundred images are enough.

What keeps the discriminator from winning on small data, chosen by measurement
(``benchmarks/faces_training.py``, 200 synthetic faces at 32 px, 520 steps; SWD of the last epoch
against the plain DCGAN's): differentiable augmentation of real and generated images
(``models.faces.augment``; colour and translation 0.71×, with cutout too 0.73×), random horizontal
flips of the real ones and one-sided label smoothing (1.07× alone, a small gain with DiffAugment).
Spectral norm (1.05×) and a minibatch-spread channel (0.80× against 0.73×) in the discriminator
did not help there and are options, off by default.

Every epoch ends with the sliced Wasserstein distance between real and generated images
(``models.faces.quality``) and a checkpoint: the model folder, rewritten atomically, holds both
networks and both optimizers' state, so a resumed run continues Adam where it stopped. The run
(losses per step, losses, SWD and variety per epoch) is recorded with ``models.core.runs`` and
shows on the Dashboard like a classifier's.
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

from models.core import cache, fileio, paths, runs, runtime, store
from models.core.events import (Cancelled, CancelToken, Data, Log, Metric, ModelDeskError, Progress, ProgressFn,
                                check, emit)
from models.faces import augment, dcgan, quality
from models.faces import latents as lat
from models.faces.generation import to_uint8
from models.faces.images import make_grid

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
#: above this many images, decoded images are not kept in memory between epochs
DECODED_CACHE_LIMIT = 20000
PREVIEW_SEEDS = tuple(range(16))
#: images compared by the per-epoch SWD (fewer when the folder has fewer)
SWD_IMAGES = 256
#: images whose variety is compared per epoch (generated against real)
VARIETY_IMAGES = 64
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


# --- optimizer state in safetensors --------------------------------------------------------

def optimizer_tensors(**optimizers: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """Each optimizer's per-parameter state as flat tensors ("g.3.exp_avg"), for a safetensors file."""
    flat = {}
    for prefix, optimizer in optimizers.items():
        for index, state in optimizer.state_dict()["state"].items():
            for key, value in state.items():
                flat[f"{prefix}.{index}.{key}"] = torch.as_tensor(value).detach().cpu().contiguous()
    return flat


def restore_optimizer(optimizer: torch.optim.Optimizer, prefix: str, flat: dict[str, torch.Tensor]) -> None:
    state: dict[int, dict[str, torch.Tensor]] = {}
    for name, value in flat.items():
        owner, index, key = name.split(".", 2)
        if owner == prefix:
            state.setdefault(int(index), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": optimizer.state_dict()["param_groups"]})


# --- one step ------------------------------------------------------------------------------

class _Step:
    """One GAN step: D on augmented real (target 1 − smoothing) and augmented fake (0), then G with
    the non-saturating loss through the same augmentation."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, lr: float, beta1: float,
                 policy: augment.Policy, smoothing: float, rng: torch.Generator) -> None:
        self.generator, self.discriminator = generator, discriminator
        self.opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=(beta1, 0.999))
        self.opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(beta1, 0.999))
        self.policy, self.real_target, self.rng = policy, 1.0 - smoothing, rng
        self.loss = nn.BCEWithLogitsLoss()

    def __call__(self, real: torch.Tensor, z: torch.Tensor) -> tuple[float, float]:
        g, d, aug = self.generator, self.discriminator, lambda x: augment.diff_augment(x, self.policy, self.rng)
        g.train()
        d.train()
        n = real.shape[0]
        fake = g(z)
        self.opt_d.zero_grad(set_to_none=True)
        d_loss = (self.loss(d(aug(real)), torch.full((n,), self.real_target, device=real.device))
                  + self.loss(d(aug(fake.detach())), torch.zeros(n, device=real.device)))
        d_loss.backward()
        self.opt_d.step()
        self.opt_g.zero_grad(set_to_none=True)
        g_loss = self.loss(d(aug(fake)), torch.ones(n, device=real.device))
        g_loss.backward()
        self.opt_g.step()
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

def train_faces(image_folder: os.PathLike | str, out_name: str, epochs: int = 10, batch_size: int = 32,
                lr: float = 2e-4, beta1: float = 0.5, image_size: int = 64, seed: int = 0, resume: bool = False,
                nz: int = 100, ngf: int = 64, ndf: int = 64, augmentation: str = augment.DEFAULT_POLICY,
                flip: bool = True, label_smoothing: float = 0.1, spectral_norm: bool = False,
                minibatch_std: bool = False, preview_every: int = 50, device: str = "auto", backend: str = "torch",
                allow_pickle: bool = False, progress: ProgressFn = None,
                cancel: Optional[CancelToken] = None) -> dict:
    """Train (or with ``resume``, continue) the DCGAN ``out_name`` until it has ``epochs`` epochs.

    Emits ``Metric`` g_loss/d_loss per step, and per epoch (scope "epoch") g_loss, d_loss, swd (the
    mean over pyramid levels, and one per level) and variety; ``Data("samples", grid)`` of fixed
    seeds every ``preview_every`` steps and at each epoch's end; one ``Log`` line per epoch
    (level "epoch"). Stop keeps the last finished epoch and returns (or, if no epoch finished
    in this run, raises Cancelled for a new model) with what the model folder holds.
    A resumed model keeps its sizes and architecture; the other options apply from now on.
    """
    if min(epochs, batch_size, nz, ngf, ndf, preview_every) < 1 or lr <= 0 or not 0 <= label_smoothing < 0.5:
        raise ModelDeskError("Epochs, batch size, preview interval and the network sizes must be at least 1, the "
                             "learning rate above 0, label smoothing from 0 to below 0.5.")
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
        config = dcgan.read_config(source.path)
        config.setdefault("epochs_trained", 0)
        if config["epochs_trained"] >= epochs:
            raise ModelDeskError(f"{target.name} has already trained {config['epochs_trained']} epochs; ask for more "
                                 "epochs to continue it.")
    elif target.exists():
        raise ModelDeskError(f"A model named '{target.name}' already exists; choose another name or resume it.")
    data = ImageFolder(image_folder, config["image_size"])
    choice = runtime.choose_device(device)
    generator, discriminator = dcgan.build_dcgan(config, seed=None if source else seed)
    if source is not None:
        dcgan.load_weights(generator, source, dcgan.GENERATOR_FILE)
        dcgan.load_weights(discriminator, source, dcgan.DISCRIMINATOR_FILE)
    generator.to(choice.device)
    discriminator.to(choice.device)
    first = config["epochs_trained"]
    rng = np.random.default_rng([seed, first])
    step_fn = _Step(generator, discriminator, lr, beta1, policy, label_smoothing,
                    torch.Generator().manual_seed(seed * 7919 + first))
    notes = []
    if source is not None:
        saved_state = source.path / dcgan.OPTIMIZER_FILE
        if saved_state.is_file():
            from safetensors.torch import load_file

            flat = load_file(str(saved_state))
            restore_optimizer(step_fn.opt_g, "g", flat)
            restore_optimizer(step_fn.opt_d, "d", flat)
        else:
            notes.append(f"{target.name} has no saved optimizer state; Adam starts afresh.")
    options = {"epochs": epochs, "batch_size": batch_size, "lr": lr, "beta1": beta1, "seed": seed,
               "augmentation": ",".join(policy) or "none", "flip": flip, "label_smoothing": label_smoothing}
    run = runs.create_run({"kind": "train-faces", "out_name": target.name, "images": str(data.root),
                           **config, **options, "resumed_from_epoch": first if source else None,
                           "device": choice.label}, name=target.name)
    noise = torch.Generator().manual_seed(seed * 104729 + first)
    real_check = data.sample(SWD_IMAGES, np.random.default_rng(seed))
    fixed = torch.from_numpy(lat.seed_latents(range(max(len(real_check), len(PREVIEW_SEEDS))), config["nz"]))
    fixed = fixed.to(choice.device)
    calibration = torch.randn(CALIBRATION_LATENTS, config["nz"], generator=torch.Generator().manual_seed(seed))
    calibration = calibration.to(choice.device)
    steps_per_epoch = math.ceil(len(data) / batch_size)
    total = (epochs - first) * steps_per_epoch
    step, saved_epoch = first * steps_per_epoch, None

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
        for epoch in range(first + 1, epochs + 1):
            losses: list[tuple[float, float]] = []
            for index, real in enumerate(data.batches(batch_size, rng, flip)):
                check(cancel)
                z = torch.randn(real.shape[0], config["nz"], generator=noise)
                g_loss, d_loss = step_fn(real.to(choice.device), z.to(choice.device))
                step += 1
                losses.append((g_loss, d_loss))
                where = epoch - 1 + (index + 1) / steps_per_epoch
                metric("g_loss", g_loss, where, "step")
                metric("d_loss", d_loss, where, "step")
                done = (epoch - first - 1) * steps_per_epoch + index + 1
                emit(progress, Progress(done, total, f"Epoch {epoch}/{epochs}"))
                if step % preview_every == 0:
                    recalibrate_norms(generator, calibration)
                    emit(progress, Data("samples", make_grid(_images(generator, fixed[:len(PREVIEW_SEEDS)]), cols=4)))
            if not losses:
                raise ModelDeskError(f"None of the {len(data)} image files in {data.root} could be read.")
            check(cancel)
            recalibrate_norms(generator, calibration)
            generated = _images(generator, fixed)
            emit(progress, Data("samples", make_grid(generated[:len(PREVIEW_SEEDS)], cols=4)))
            levels = quality.sliced_wasserstein(real_check, generated[:len(real_check)], seed=epoch)
            swd = float(np.mean(levels))
            variety = (quality.mean_pairwise_distance(generated[:VARIETY_IMAGES])
                       / max(quality.mean_pairwise_distance(real_check[:VARIETY_IMAGES]), 1e-9))
            g_mean, d_mean = (float(v) for v in np.mean(losses, axis=0))
            config["epochs_trained"] = epoch
            readable = len(data) - len(data.unreadable)
            with fileio.atomic_dir(target) as tmp:
                dcgan.save_model(tmp, generator, discriminator, config,
                                 optimizer_tensors(g=step_fn.opt_g, d=step_fn.opt_d),
                                 source=f"trained on {data.root}", run=run.id,
                                 metrics={"epoch": epoch, "g_loss": g_mean, "d_loss": d_mean, "swd": swd,
                                          "variety": variety, "images": readable, "unreadable": len(data.unreadable)})
            cache.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == str(target))
            saved_epoch = epoch
            for name, value in (("g_loss", g_mean), ("d_loss", d_mean), ("swd", swd), ("variety", variety)):
                metric(name, value, epoch, "epoch")
            size = config["image_size"]
            for i, value in enumerate(levels):
                metric(f"swd_{size >> i}px", value, epoch, "epoch")
            log(f"Epoch {epoch}/{epochs}: g_loss {g_mean:.2f}, d_loss {d_mean:.2f}, SWD {swd:.4f}", EPOCH_LOG)
            skipped = f"; {len(data.unreadable)} unreadable files skipped" if data.unreadable else ""
            log(f"Variety {variety:.2f} of the training images'; saved {target}{skipped}")
    except (Cancelled, KeyboardInterrupt) as exc:
        status = "stopped"
        if saved_epoch is not None:
            log(f"Stopped; {target} holds the last finished epoch ({saved_epoch}).")
        elif source is not None:
            log(f"Stopped before epoch {first + 1} ended; {target} still holds epoch {first}, as before.")
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
    return {"status": status, "model": str(target), "run_id": run.id, "epochs_trained": config["epochs_trained"],
            "new_epochs": 0 if saved_epoch is None else saved_epoch - first, "seconds": time.monotonic() - started}
