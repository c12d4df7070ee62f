"""The catalogue: a few recommended models per task, from small to large, shipped as a data file.

``resources/catalogue.json`` names each model's hub repository with what a newcomer needs to
choose it: the size on disk, the licence, the languages and the memory it needs (see the file's
"about" for how the figures were checked). ``fits`` compares that with this machine, which
``machine`` describes: the RAM from psutil, the GPU memory from torch when there is a GPU.

Light: the GUI reads the catalogue on its own thread (a small file shipped with the app); only
``machine`` imports torch, in the engine.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from models.core import store
from models.core.units import format_size

#: resources/ sits beside the packages, in the source tree and in an installed wheel alike
CATALOGUE_FILE = Path(__file__).resolve().parents[2] / "resources" / "catalogue.json"
WEIGHTS = ("safetensors", "pickle")
#: the language code the catalogue uses for "many languages" (ISO 639-2 "mul")
MANY = "mul"


@dataclass(frozen=True)
class Entry:
    """One recommended model."""
    name: str               # short, for the command line: ``models download smollm2-135m``
    title: str
    repo_id: str
    task: str
    size_bytes: int         # the weights file; config and tokenizer add a few MB
    weights: str            # "safetensors", or "pickle" (downloads only with the user's consent)
    params_millions: float
    min_ram_gb: float       # to run on the CPU (float32)
    min_vram_gb: float      # to run on a GPU (bfloat16/float16)
    licence: str
    languages: tuple[str, ...]
    languages_note: str
    recommended: bool       # the one a page without a model offers
    note: str
    checked: str            # how the figures were verified
    unverified: tuple[str, ...]   # fields that could not be verified: shown as approximate

    @property
    def size_text(self) -> str:
        return ("≈ " if "size_bytes" in self.unverified else "") + format_size(self.size_bytes)

    @property
    def download_text(self) -> str:
        """The size, marked when the weights are a pickle checkpoint (they need the user's consent)."""
        return self.size_text + (" (pickle)" if self.weights == "pickle" else "")

    @property
    def languages_text(self) -> str:
        codes = [c for c in self.languages if c != MANY]
        text = self.languages_note or ", ".join(codes)
        return ("≈ " if "languages" in self.unverified else "") + text

    @property
    def needs_text(self) -> str:
        return f"RAM {self.min_ram_gb:g} GB, GPU {self.min_vram_gb:g} GB"


@dataclass(frozen=True)
class Machine:
    """What this computer offers a model: its RAM and, when it has a CUDA GPU, the GPU's memory."""
    ram_bytes: int
    vram_bytes: Optional[int] = None
    gpu: str = ""


def estimate_ram_gb(params_millions: float) -> float:
    """RAM to run on the CPU: float32 weights, times 1.5 for working memory, plus 1 GB, to half a GB."""
    return math.ceil((params_millions * 4e6 * 1.5 / 1e9 + 1.0) * 2) / 2


def estimate_vram_gb(params_millions: float) -> float:
    """GPU memory: 16-bit weights, times 1.5, plus 0.5 GB for the CUDA context, to half a GB."""
    return math.ceil((params_millions * 2e6 * 1.5 / 1e9 + 0.5) * 2) / 2


@lru_cache(maxsize=1)
def entries() -> tuple[Entry, ...]:
    """Every catalogue entry, in the file's order (small to large within a task)."""
    data = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    return tuple(Entry(**{**item, "languages": tuple(item["languages"]), "unverified": tuple(item["unverified"])})
                 for item in data["models"])


def for_task(task: Optional[str]) -> list[Entry]:
    """The entries a picker of ``task`` can use (a classifier is also a base to fine-tune)."""
    if task is None:
        return list(entries())
    wanted = {"classify"} if task == store.ENCODER else {task}
    return [e for e in entries() if e.task in wanted]


def recommended(task: str) -> Optional[Entry]:
    """The model a page of ``task`` offers while it has none."""
    return next((e for e in for_task(task) if e.recommended), None)


def find(name_or_repo: str) -> Optional[Entry]:
    """An entry by its short name or its repository id (case-insensitive)."""
    wanted = name_or_repo.strip().lower()
    return next((e for e in entries() if wanted in (e.name.lower(), e.repo_id.lower())), None)


def machine() -> Machine:
    """This computer's RAM, and its first CUDA GPU's memory if torch sees one (run it in the engine)."""
    import psutil

    ram = int(psutil.virtual_memory().total)
    try:
        import torch

        if torch.cuda.is_available():
            props = torch.cuda.get_device_properties(0)
            return Machine(ram, int(props.total_memory), props.name)
    except (ImportError, RuntimeError):
        pass
    return Machine(ram)


def fits(entry: Entry, here: Machine) -> tuple[bool, str]:
    """Whether ``entry`` runs on ``here``, and where, in words for a table cell."""
    if here.vram_bytes is not None and here.vram_bytes >= entry.min_vram_gb * 1e9:
        return True, "fits the GPU"
    if here.ram_bytes >= entry.min_ram_gb * 1e9:
        return True, "fits (CPU)"
    return False, f"needs {entry.min_ram_gb:g} GB RAM, this machine has {here.ram_bytes / 1e9:.1f} GB"
