"""Faces: a DCGAN defined here, image generation from seeds, and training on an image folder.

A faces model is a folder with ``config.json`` (``modeldesk_task: faces``,
``model_type: dcgan`` and the sizes), the generator in ``model.safetensors`` and
the discriminator in ``discriminator.safetensors`` so training can resume.
Latents come from a per-seed generator on the CPU, so a seed gives the same
face on any device and in any batch.
"""
from __future__ import annotations

import json
import math
import os
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import numpy as np
import torch
from torch import nn

from models.core import cache, fileio, paths, runtime, store
from models.faces.images import make_grid, parse_seeds, save_png  # noqa: F401  (part of this module's API)
from models.core.events import (Cancelled, CancelToken, Data, Log, Metric, ModelDeskError, Progress, ProgressFn,
                     check, emit)

GENERATOR_FILE = "model.safetensors"
DISCRIMINATOR_FILE = "discriminator.safetensors"
#: the pickle checkpoint that stands for each weights file in a pickle-only folder (loaded only with consent)
PICKLE_FILES = {GENERATOR_FILE: "pytorch_model.bin", DISCRIMINATOR_FILE: "discriminator.pt"}
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
GENERATE_CHUNK = 64
SAMPLE_COUNT = 16
#: above this many images, decoded images are not kept in memory between epochs
DECODED_CACHE_LIMIT = 20000


# --- the networks -------------------------------------------------------------

def _check_size(image_size: int) -> int:
    if image_size < 16 or image_size & (image_size - 1):
        raise ModelDeskError(f"Image size must be a power of two of at least 16, not {image_size}.")
    return int(math.log2(image_size)) - 2  # 4x4 → image_size takes this many up-sampling blocks


class Generator(nn.Module):
    """Latent (nz) → RGB image in [-1, 1]: transposed convolutions doubling the size from 4×4."""

    def __init__(self, nz: int = 100, ngf: int = 64, image_size: int = 64) -> None:
        super().__init__()
        blocks = _check_size(image_size)
        widths = [ngf * 2 ** i for i in reversed(range(blocks))]  # e.g. 8, 4, 2, 1 × ngf
        layers: list[nn.Module] = [nn.ConvTranspose2d(nz, widths[0], 4, 1, 0, bias=False),
                                   nn.BatchNorm2d(widths[0]), nn.ReLU(True)]
        for wide, narrow in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(wide, narrow, 4, 2, 1, bias=False), nn.BatchNorm2d(narrow), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(widths[-1], 3, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(z.shape[0], -1, 1, 1))


class Discriminator(nn.Module):
    """RGB image → one real/fake logit (no sigmoid: the loss works on logits, which is stabler)."""

    def __init__(self, ndf: int = 64, image_size: int = 64) -> None:
        super().__init__()
        blocks = _check_size(image_size)
        widths = [ndf * 2 ** i for i in range(blocks)]  # e.g. 1, 2, 4, 8 × ndf
        layers: list[nn.Module] = [nn.Conv2d(3, widths[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for narrow, wide in zip(widths, widths[1:]):
            layers += [nn.Conv2d(narrow, wide, 4, 2, 1, bias=False), nn.BatchNorm2d(wide), nn.LeakyReLU(0.2, True)]
        layers += [nn.Conv2d(widths[-1], 1, 4, 1, 0, bias=False)]
        self.net = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images).view(-1)


def _init_weights(module: nn.Module) -> None:
    """The DCGAN paper's initialisation: N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def build_dcgan(config: dict, seed: Optional[int] = None) -> tuple[Generator, Discriminator]:
    """Both networks for a config's sizes; with a seed, freshly initialised from it."""
    generator = Generator(config["nz"], config["ngf"], config["image_size"])
    discriminator = Discriminator(config["ndf"], config["image_size"])
    if seed is not None:
        with torch.random.fork_rng(devices=[]):  # seeded, without disturbing other jobs' randomness
            torch.manual_seed(seed)
            generator.apply(_init_weights)
            discriminator.apply(_init_weights)
    return generator, discriminator


# --- model folders ---------------------------------------------------------------

@dataclass(eq=False)
class FacesModel(cache.Shared):
    """A loaded generator and what it needs to turn seeds into images."""
    generator: Generator
    nz: int
    image_size: int
    device: str
    name: str


def _config(folder: Path) -> dict:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        sizes = {key: int(config[key]) for key in ("nz", "ngf", "ndf", "image_size")}
    except (OSError, ValueError, KeyError, TypeError):
        raise ModelDeskError(f"{folder.name}'s config.json lacks the DCGAN sizes (nz, ngf, ndf, image_size).") from None
    return {**config, **sizes}


def _load_weights(module: nn.Module, info: store.ModelInfo, file: str) -> None:
    """One network's weights: the safetensors file, or in a pickle-only folder that open_model let
    through (the user allowed pickles) its pickle, loaded with weights_only=True."""
    from safetensors.torch import load_file

    safe, pickled = info.path / file, info.path / PICKLE_FILES[file]
    if safe.is_file():
        used, state = safe, load_file(str(safe))
    elif info.weights == "pickle" and pickled.is_file():
        used, state = pickled, torch.load(pickled, map_location="cpu", weights_only=True)
    else:
        raise ModelDeskError(f"{info.name} has no {file}.")
    try:
        module.load_state_dict(state)
    except RuntimeError:
        raise ModelDeskError(f"{info.name}'s {used.name} does not match the sizes in its config.json.") from None


def save_model(folder: Path, generator: Generator, discriminator: Discriminator, config: dict,
               **manifest: Any) -> None:
    """Write a complete faces model folder (the caller makes it atomic)."""
    from safetensors.torch import save_file

    def cpu_state(module: nn.Module) -> dict:
        return {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}

    save_file(cpu_state(generator), str(folder / GENERATOR_FILE))
    save_file(cpu_state(discriminator), str(folder / DISCRIMINATOR_FILE))
    fileio.write_json(folder / "config.json", {**config, "modeldesk_task": "faces", "model_type": "dcgan"})
    store.write_manifest(folder, task="faces", **manifest)


def load_generator(path: os.PathLike | str, device: str = "auto", allow_pickle: bool = False) -> FacesModel:
    """The generator of a faces model folder (or store name), on the chosen device, cached.

    It stays fp32 on the GPU too: a DCGAN is small, and fp32 keeps a seed's face
    the same on every device.
    """
    info = store.open_model(path, task="faces", allow_pickle=allow_pickle)
    choice = runtime.choose_device(device)

    def load() -> FacesModel:
        config = _config(info.path)
        generator = Generator(config["nz"], config["ngf"], config["image_size"])
        _load_weights(generator, info, GENERATOR_FILE)
        return FacesModel(generator.to(choice.device).eval(), config["nz"], config["image_size"],
                          choice.device, info.name)

    return cache.get_or_load(("faces", str(info.path), choice.device, "torch"), load)


# --- seeds and latents -------------------------------------------------------------

def _threshold(truncation: float) -> float:
    """Truncation ψ in (0, 1] keeps latents in the central ψ of the normal distribution (1 = all)."""
    if not 0.0 < truncation <= 1.0:
        raise ModelDeskError(f"Truncation must be above 0 and at most 1, not {truncation}.")
    return math.inf if truncation >= 1.0 else statistics.NormalDist().inv_cdf((1.0 + truncation) / 2.0)


def latent(seed: int, nz: int, truncation: float = 1.0) -> torch.Tensor:
    """The latent vector of one seed: values beyond the truncation threshold are redrawn, then clamped."""
    threshold = _threshold(truncation)
    rng = torch.Generator().manual_seed(int(seed))
    z = torch.randn(nz, generator=rng)
    for _ in range(100):
        outside = z.abs() > threshold
        if not outside.any():
            break
        z[outside] = torch.randn(int(outside.sum()), generator=rng)
    return z.clamp(-threshold, threshold) if math.isfinite(threshold) else z


def _slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation: Gaussian latents keep their typical norm along the way."""
    cos = torch.dot(a / a.norm(), b / b.norm()).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    if omega.abs() < 1e-6:
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


def _to_uint8(images: torch.Tensor) -> np.ndarray:
    """[-1, 1] NCHW → uint8 NHWC."""
    return ((images.float() + 1.0) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def _render(model: FacesModel, latents: torch.Tensor, progress: ProgressFn, cancel: Optional[CancelToken],
            label: str) -> np.ndarray:
    out = []
    with torch.inference_mode():
        for start in range(0, len(latents), GENERATE_CHUNK):
            check(cancel)
            emit(progress, Progress(start, len(latents), label))
            with model.in_use():
                out.append(_to_uint8(model.generator(latents[start:start + GENERATE_CHUNK].to(model.device))))
    emit(progress, Progress(len(latents), len(latents), label))
    return np.concatenate(out) if out else np.zeros((0, model.image_size, model.image_size, 3), np.uint8)


def _as_model(model: "FacesModel | os.PathLike | str", device: str, backend: str, allow_pickle: bool,
              progress: ProgressFn) -> FacesModel:
    runtime.torch_only(backend, "generating faces", progress)
    return model if isinstance(model, FacesModel) else load_generator(model, device, allow_pickle)


def generate(model: "FacesModel | os.PathLike | str", seeds: Sequence[int], truncation: float = 1.0,
             device: str = "auto", backend: str = "torch", allow_pickle: bool = False, progress: ProgressFn = None,
             cancel: Optional[CancelToken] = None) -> np.ndarray:
    """One image per seed, uint8 [n, size, size, 3]; the same seed always gives the same image."""
    model = _as_model(model, device, backend, allow_pickle, progress)
    latents = torch.stack([latent(s, model.nz, truncation) for s in seeds]) if seeds else torch.zeros(0, model.nz)
    return _render(model, latents, progress, cancel, "Generating")


def interpolate(model: "FacesModel | os.PathLike | str", seed_a: int, seed_b: int, steps: int = 8,
                truncation: float = 1.0, device: str = "auto", backend: str = "torch", allow_pickle: bool = False,
                progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> np.ndarray:
    """``steps`` images morphing from seed_a's face to seed_b's (both ends included)."""
    if steps < 2:
        raise ModelDeskError("An interpolation needs at least 2 steps.")
    model = _as_model(model, device, backend, allow_pickle, progress)
    a, b = latent(seed_a, model.nz, truncation), latent(seed_b, model.nz, truncation)
    latents = torch.stack([_slerp(a, b, i / (steps - 1)) for i in range(steps)])
    return _render(model, latents, progress, cancel, "Interpolating")


# --- training ------------------------------------------------------------------------------

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

    def batches(self, batch_size: int, rng: np.random.Generator) -> Iterator[torch.Tensor]:
        """Shuffled batches as float tensors in [-1, 1], NCHW; unreadable files leave batches short."""
        order = rng.permutation(len(self.files))
        for start in range(0, len(order), batch_size):
            arrays = [a for a in (self.load(int(i)) for i in order[start:start + batch_size]) if a is not None]
            if arrays:
                batch = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float()
                yield batch / 127.5 - 1.0


def train_dcgan(image_folder: os.PathLike | str, out_name: str, epochs: int = 5, batch_size: int = 64,
                lr: float = 2e-4, beta1: float = 0.5, image_size: int = 64, seed: int = 0,
                resume: Optional[os.PathLike | str] = None, nz: int = 100, ngf: int = 64, ndf: int = 64,
                device: str = "auto", backend: str = "torch", allow_pickle: bool = False,
                progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> Path:
    """Train a DCGAN on a folder of images; the model is saved whole after every epoch.

    Emits ``Metric("g_loss"/"d_loss")`` per step and ``Data("samples", grid)`` per
    epoch (always the same latents, so progress is visible). Stop mid-epoch keeps
    the last finished epoch and returns its folder (Cancelled if none finished).
    ``resume`` continues a faces model (its sizes win over nz/ngf/ndf/image_size); a pickle-only
    one needs ``allow_pickle``. The new model is always saved as safetensors.
    """
    if min(epochs, batch_size, nz, ngf, ndf) < 1 or lr <= 0:
        raise ModelDeskError("Epochs, batch size and the network sizes must be at least 1, the learning rate above 0.")
    target = paths.models_dir() / store.safe_name(out_name)
    config = {"nz": nz, "ngf": ngf, "ndf": ndf, "image_size": image_size, "epochs_trained": 0}
    source: Optional[store.ModelInfo] = None   # ``backend`` does not apply: training makes torch weights
    if resume is not None:
        source = store.open_model(resume, task="faces", allow_pickle=allow_pickle)
        config = {**config, **_config(source.path)}
    if target.exists() and (source is None or target.resolve() != source.path.resolve()):
        raise ModelDeskError(f"A model named '{target.name}' already exists; choose another name or resume it.")
    data = ImageFolder(image_folder, config["image_size"])
    choice = runtime.choose_device(device)
    generator, discriminator = build_dcgan(config, seed=None if source else seed)
    if source is not None:
        _load_weights(generator, source, GENERATOR_FILE)
        _load_weights(discriminator, source, DISCRIMINATOR_FILE)
    generator.to(choice.device)
    discriminator.to(choice.device)
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=(beta1, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(beta1, 0.999))
    loss_fn = nn.BCEWithLogitsLoss()
    fixed = torch.stack([latent(seed * 1000 + i, config["nz"]) for i in range(SAMPLE_COUNT)]).to(choice.device)
    rng = np.random.default_rng(seed)
    noise = torch.Generator().manual_seed(seed)
    steps_per_epoch = math.ceil(len(data) / batch_size)
    total = epochs * steps_per_epoch
    step = 0
    saved: Optional[Path] = None
    emit(progress, Log(f"Training on {len(data)} images from {data.root} ({choice.label})"))
    try:
        for epoch in range(epochs):
            losses: list[tuple[float, float]] = []
            for index, real in enumerate(data.batches(batch_size, rng)):
                check(cancel)
                z = torch.randn(real.shape[0], config["nz"], generator=noise)
                d_loss, g_loss = _train_step(generator, discriminator, opt_g, opt_d, loss_fn,
                                             real.to(choice.device), z.to(choice.device))
                step += 1
                losses.append((g_loss, d_loss))
                where = epoch + (index + 1) / steps_per_epoch
                emit(progress, Metric("g_loss", g_loss, step, where))
                emit(progress, Metric("d_loss", d_loss, step, where))
                emit(progress, Progress(epoch * steps_per_epoch + index + 1, total, f"Epoch {epoch + 1}/{epochs}"))
            if not losses:
                raise ModelDeskError(f"None of the {len(data)} image files in {data.root} could be read.")
            config["epochs_trained"] += 1
            g_mean, d_mean = (float(v) for v in np.mean(losses, axis=0))
            emit(progress, Data("samples", _sample_grid(generator, fixed)))
            with fileio.atomic_dir(target) as tmp:
                save_model(tmp, generator, discriminator, config, source=f"trained on {data.root}",
                           metrics={"g_loss": g_mean, "d_loss": d_mean, "images": len(data) - len(data.unreadable),
                                    "unreadable": len(data.unreadable)})
            cache.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == str(target))
            saved = target
            skipped = f", {len(data.unreadable)} unreadable files skipped" if data.unreadable else ""
            emit(progress, Log(f"Epoch {epoch + 1}/{epochs}: mean g_loss {g_mean:.4f}, d_loss {d_mean:.4f}; "
                               f"saved {target}{skipped}"))
    except Cancelled:
        if saved is None:
            raise
        emit(progress, Log(f"Stopped; {target} holds the last finished epoch."))
    return target


def _train_step(generator: Generator, discriminator: Discriminator, opt_g: torch.optim.Optimizer,
                opt_d: torch.optim.Optimizer, loss_fn: nn.Module, real: torch.Tensor,
                z: torch.Tensor) -> tuple[float, float]:
    """One DCGAN step: D on real (label 1) and fake (label 0), then G with the non-saturating loss."""
    generator.train()
    discriminator.train()
    n = real.shape[0]
    ones, zeros = torch.ones(n, device=real.device), torch.zeros(n, device=real.device)
    fake = generator(z)
    opt_d.zero_grad(set_to_none=True)
    d_loss = loss_fn(discriminator(real), ones) + loss_fn(discriminator(fake.detach()), zeros)
    d_loss.backward()
    opt_d.step()
    opt_g.zero_grad(set_to_none=True)
    g_loss = loss_fn(discriminator(fake), ones)
    g_loss.backward()
    opt_g.step()
    return d_loss.item(), g_loss.item()


def _sample_grid(generator: Generator, fixed: torch.Tensor) -> np.ndarray:
    generator.eval()
    with torch.inference_mode():
        images = _to_uint8(generator(fixed))
    return make_grid(images, cols=int(math.sqrt(len(images))))
