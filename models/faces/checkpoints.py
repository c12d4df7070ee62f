"""Where a training run keeps its best epoch and its last one.

The model folder is the **best epoch by KID**: its averaged (EMA) generator in ``model.safetensors``,
config.json and the manifest, which is all that rendering and export read. Inside it, ``last/``
holds the **last finished epoch**, complete, so training resumes from there: the averaged
generator, the generator being trained, the discriminator and both optimizers' state. An epoch
that beats the best rewrites the whole folder atomically; any other epoch rewrites ``last/`` alone.
Folders written before ``last/`` existed (all files at the top) still resume.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from models.core import fileio, store
from models.core.events import ModelDeskError
from models.faces import dcgan

LAST_DIR = "last"
#: the generator being trained (the top-level model.safetensors is its average)
TRAINING_GENERATOR_FILE = "generator_training.safetensors"


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


# --- saving --------------------------------------------------------------------------------

@dataclass
class Epoch:
    """What one finished epoch saves."""
    averaged: nn.Module          # the EMA generator
    training: nn.Module          # the generator being trained
    discriminator: nn.Module
    optimizers: dict[str, torch.Tensor]
    config: dict                 # epochs_trained is this epoch; best_epoch / best_kid the best so far


def _write_last(folder: Path, epoch: Epoch) -> None:
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    dcgan.save_model(folder, epoch.averaged, epoch.discriminator, epoch.config, epoch.optimizers)
    save_file(dcgan.cpu_state(epoch.training), str(folder / TRAINING_GENERATOR_FILE))


def save_epoch(target: Path, epoch: Epoch, best: bool, **manifest: Any) -> None:
    """Keep ``epoch`` as the last one and, when ``best``, as the model (both atomically)."""
    if best:
        with fileio.atomic_dir(target) as tmp:
            dcgan.save_generator(tmp, epoch.averaged, epoch.config, **manifest)
            _write_last(tmp / LAST_DIR, epoch)
    else:
        with fileio.atomic_dir(target / LAST_DIR) as tmp:
            _write_last(tmp, epoch)


# --- resuming ------------------------------------------------------------------------------

def last_folder(info: store.ModelInfo) -> store.ModelInfo:
    """The last epoch's checkpoint: ``last/``, or the folder itself when written before it existed."""
    last = info.path / LAST_DIR
    return replace(info, path=last) if (last / "config.json").is_file() else info


def resume_config(info: store.ModelInfo) -> dict:
    config = dcgan.read_config(last_folder(info).path)
    config.setdefault("epochs_trained", 0)
    return config


def load_last(info: store.ModelInfo, averaged: nn.Module, training: nn.Module, discriminator: nn.Module,
              optimizers: dict[str, torch.optim.Optimizer]) -> list[str]:
    """Load the last epoch into the networks and optimizers; notes for the user on what was missing."""
    from safetensors.torch import load_file

    last = last_folder(info)
    if not (last.path / dcgan.DISCRIMINATOR_FILE).is_file() and not (
            last.path / dcgan.PICKLE_FILES[dcgan.DISCRIMINATOR_FILE]).is_file():
        raise ModelDeskError(f"{info.name} has no discriminator (an imported generator): training cannot continue "
                             "it; train a new model instead.")
    dcgan.load_weights(averaged, last, dcgan.GENERATOR_FILE)
    dcgan.load_weights(discriminator, last, dcgan.DISCRIMINATOR_FILE)
    notes = []
    raw = last.path / TRAINING_GENERATOR_FILE
    if raw.is_file():
        training.load_state_dict(load_file(str(raw)))
    else:
        training.load_state_dict(averaged.state_dict())
    saved = last.path / dcgan.OPTIMIZER_FILE
    if saved.is_file():
        flat = load_file(str(saved))
        for prefix, optimizer in optimizers.items():
            restore_optimizer(optimizer, prefix, flat)
    else:
        notes.append(f"{info.name} has no saved optimizer state; Adam starts afresh.")
    return notes
