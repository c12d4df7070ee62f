"""Bring in a generator trained with the PyTorch DCGAN tutorial: its ``.pt`` checkpoint becomes a faces model.

The tutorial's ``Generator`` is a ``main`` Sequential of transposed convolutions (nz → 8·ngf → … →
ngf → nc), each but the last followed by batch norm and ReLU, ending in tanh: the layer for layer
layout of the app's own DCGAN generator, so its weights load into ``dcgan.Generator`` under new
names. Users save either the state dict itself or a training checkpoint holding it under
``netG_state_dict``, ``generator`` or ``G``. The file is a pickle, so it is read only with the
user's consent and with ``weights_only=True``; the sizes (nz, ngf, nc, image size) are read from
the weight shapes, never asked for.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import torch

from models.core import fileio, paths, store
from models.core.events import CancelToken, ModelDeskError, Progress, ProgressFn, check, emit
from models.faces import dcgan

#: where training checkpoints keep the generator's state dict
CHECKPOINT_KEYS = ("netG_state_dict", "generator", "G")
#: prefixes the tutorial (``main.``), DataParallel (``module.``) and the app (``net.``) put on layer names
PREFIXES = ("module.", "main.", "net.")


def _generator_state(loaded: object, shown: str) -> dict[str, torch.Tensor]:
    """The generator's state dict inside what torch.load gave, or a refusal saying what was found."""
    if isinstance(loaded, dict):
        for key in CHECKPOINT_KEYS:
            if isinstance(loaded.get(key), dict):
                loaded = loaded[key]
                break
    if not isinstance(loaded, dict) or not loaded or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        keys = ", ".join(sorted(map(str, loaded))[:6]) if isinstance(loaded, dict) else type(loaded).__name__
        raise ModelDeskError(f"{shown} holds no generator state dict (found {keys or 'nothing'}); ModelDesk reads a "
                             f"state dict or a checkpoint with {', '.join(CHECKPOINT_KEYS)}.")
    return loaded


def _strip(name: str) -> str:
    for prefix in PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name


def _sizes(state: dict[str, torch.Tensor], shown: str) -> dict[str, int]:
    """nz, ngf, nc and image size from the transposed convolutions' weights [in, out, 4, 4]."""
    convs = sorted(((int(k.split(".")[0]), v) for k, v in ((_strip(k), v) for k, v in state.items())
                    if k.split(".")[0].isdigit() and k.endswith("weight") and v.dim() == 4), key=lambda kv: kv[0])
    shapes = [tuple(v.shape) for _, v in convs]
    found = " → ".join(f"{s[0]}→{s[1]}" for s in shapes) or "no 4-D convolution weights"
    image_size = 4 * 2 ** (len(shapes) - 1) if shapes else 0
    fits = (image_size in dcgan.IMAGE_SIZES and all(s[2:] == (4, 4) for s in shapes)
            and shapes[-1][1] == 3 and shapes[-1][0] * 2 ** (len(shapes) - 2) == shapes[0][1])
    if not fits:
        channels = f"; it draws {shapes[-1][1]} channel(s), faces need 3 (RGB)" if shapes and shapes[-1][1] != 3 else ""
        raise ModelDeskError(f"{shown} is not a DCGAN tutorial generator ModelDesk can use: found {len(shapes)} "
                             f"transposed convolutions ({found}){channels}; it needs 4, 5 or 6 of 4×4 halving "
                             "widths to 3 channels (32, 64 or 128 px).")
    return {"nz": shapes[0][0], "ngf": shapes[-1][0], "nc": shapes[-1][1], "image_size": image_size}


def load_tutorial_generator(checkpoint: os.PathLike | str) -> tuple[dcgan.Generator, dict[str, int]]:
    """The app's DCGAN generator holding a tutorial checkpoint's weights, and the sizes read from them."""
    path = Path(checkpoint).expanduser()
    if not path.is_file():
        raise ModelDeskError(f"{path} is not a file.")
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle, zip and torch's own errors all mean the same to the user
        reason = str(exc).splitlines()[0][:160] if str(exc) else exc.__class__.__name__
        raise ModelDeskError(f"{path.name} could not be read as a PyTorch checkpoint with weights only ({reason}).") \
            from None
    state = _generator_state(loaded, path.name)
    sizes = _sizes(state, path.name)
    generator = dcgan.Generator(sizes["nz"], sizes["ngf"], sizes["image_size"])
    renamed = {f"net.{_strip(k)}": v for k, v in state.items()}
    try:
        generator.load_state_dict(renamed)
    except RuntimeError:
        wanted = ", ".join(k for k in generator.state_dict() if k not in renamed)[:200]
        raise ModelDeskError(f"{path.name}'s layers do not match the DCGAN tutorial generator of nz {sizes['nz']}, "
                             f"ngf {sizes['ngf']} (missing or mis-shaped: {wanted or 'extra layers'}).") from None
    return generator.eval(), sizes


def import_tutorial_generator(checkpoint: os.PathLike | str, name: Optional[str] = None,
                              allow_pickle: bool = False, progress: ProgressFn = None,
                              cancel: Optional[CancelToken] = None) -> store.ModelInfo:
    """A new faces model in the app's models folder from a tutorial checkpoint (pickle: needs consent).

    Progress names each step (reading, saving); Stop before the save leaves nothing behind."""
    path = Path(checkpoint).expanduser()
    if not allow_pickle:
        raise ModelDeskError(f"{path.name} is a pickle checkpoint, which can run code when loaded; allow pickle "
                             "checkpoints (Settings menu, or --allow-pickle) to load its weights only "
                             "(weights_only=True).")
    target = paths.models_dir() / store.safe_name(name or path.stem)
    if target.exists():
        raise ModelDeskError(f"A model named '{target.name}' already exists; choose another name.")
    emit(progress, Progress(0, 2, f"Reading {path.name} (weights only)…"))
    generator, sizes = load_tutorial_generator(path)
    check(cancel)
    emit(progress, Progress(1, 2, f"Saving '{target.name}': {sizes['image_size']} px, nz {sizes['nz']}, "
                                  f"ngf {sizes['ngf']}…"))
    config = {"nz": sizes["nz"], "ngf": sizes["ngf"], "ndf": sizes["ngf"], "image_size": sizes["image_size"],
              "epochs_trained": 0, "imported_generator_only": True}
    with fileio.atomic_dir(target) as tmp:
        dcgan.save_generator(tmp, generator, config, source=f"imported from {path.name} (PyTorch DCGAN tutorial)")
    emit(progress, Progress(2, 2, f"Imported {path.name} as '{target.name}'."))
    return store.inspect(target, source="app")

