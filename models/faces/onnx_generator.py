"""ONNX face generators: the documented signature, its checks, and where a folder keeps its files.

An ONNX generator takes ``z`` [N, latent] float32, or [N, latent, 1, 1] as the PyTorch DCGAN
tutorial's generator exports it (and, optionally, a float ``psi`` for graphs that
truncate inside, as StyleGAN exports do) and gives one output [N, 3, H, W] in [-1, 1]. A JSON
sidecar of the same name (``generator.json`` beside ``generator.onnx``) may give
``latent_size`` (needed when the graph leaves it open), ``value_range`` ([low, high], when the
output is not [-1, 1]) and ``latent_mean`` (the latent that ψ = 0 moves to; zero by default).

Such a folder (no config.json, one top-level ``.onnx`` file or ``generator.onnx``) is a faces
model; the app's own DCGAN keeps its export in ``onnx/``. ONNX files are data, not code, but an
initializer stored outside the file names a path: one that leaves the folder is refused.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from models.core import export_dirs, fileio
from models.core.events import ModelDeskError

GENERATOR_ONNX = "generator.onnx"
INT8_ONNX = "generator_int8.onnx"
LATENT_INPUT = "z"
PSI_INPUT = "psi"
MODEL_TYPE = "onnx-generator"


@dataclass(frozen=True)
class Signature:
    """What the renderer needs to know of an ONNX generator."""
    nz: int
    image_size: Optional[int]          # None when the graph leaves it open
    value_range: tuple[float, float]
    latent_mean: Optional[list[float]]
    takes_psi: bool
    output: str
    external_data: bool                # some weights live in other files of the folder
    latent_rank: int = 2               # 4: z is fed as [N, latent, 1, 1]

    def shape_latents(self, z):
        """[N, latent] latents in the shape the graph takes."""
        return z.reshape(len(z), self.nz, 1, 1) if self.latent_rank == 4 else z


def top_level_onnx(folder: Path) -> Optional[Path]:
    """The generator file of an ONNX-only folder: ``generator.onnx``, else its only ``.onnx`` file."""
    named = folder / GENERATOR_ONNX
    if named.is_file():
        return named
    found = sorted(p for p in folder.glob("*.onnx") if p.is_file())
    return found[0] if len(found) == 1 else None


def is_onnx_generator_folder(folder: Path) -> bool:
    """Cheap test the store uses for a folder without config.json (no file is parsed)."""
    return not (folder / "config.json").exists() and top_level_onnx(folder) is not None


def export_paths(folder: Path) -> tuple[Path, Path]:
    """(fp32, int8) files of a faces folder: an ONNX-only folder's own file, else its export in onnx/."""
    own = top_level_onnx(folder) if not (folder / "config.json").exists() else None
    exported = export_dirs.onnx_dir(folder)
    return own or exported / GENERATOR_ONNX, exported / INT8_ONNX


def sidecar_path(onnx_file: Path) -> Path:
    return onnx_file.with_suffix(".json")


def _dims(value_info) -> list:
    return [d.dim_value if d.HasField("dim_value") else None for d in value_info.type.tensor_type.shape.dim]


def _check_external_data(model, folder: Path, shown: str) -> bool:
    """Every externally stored tensor must name a file inside the model's folder; True if there are any."""
    from onnx.external_data_helper import ExternalDataInfo, uses_external_data

    tensors = list(model.graph.initializer)
    for node in model.graph.node:
        tensors += [a.t for a in node.attribute if a.HasField("t")]
    root = folder.resolve()
    external = [t for t in tensors if uses_external_data(t)]
    for tensor in external:
        location = ExternalDataInfo(tensor).location
        target = (root / location).resolve()
        if os.path.isabs(location) or root not in target.parents or not target.is_file():
            raise ModelDeskError(f"{shown} stores weights in '{location}', which is not a file inside its folder; "
                                 "ModelDesk reads only files next to the model.")
    return bool(external)


def read_signature(onnx_file: Path, shown: str = "") -> Signature:
    """Check a generator file against the documented signature (and its sidecar), or say what is wrong."""
    import onnx

    shown = shown or onnx_file.name
    try:
        model = onnx.load(str(onnx_file), load_external_data=False)
    except Exception:  # protobuf raises its own DecodeError; any failure means the same to the user
        raise ModelDeskError(f"{shown} is not a readable ONNX file.") from None
    external = _check_external_data(model, onnx_file.parent, shown)
    side = fileio.read_json(sidecar_path(onnx_file))
    stored = {t.name for t in model.graph.initializer}
    inputs = {i.name: i for i in model.graph.input if i.name not in stored}
    expected = f"input '{LATENT_INPUT}' [N, latent] or [N, latent, 1, 1] float32 and an output [N, 3, H, W]"
    z = inputs.get(LATENT_INPUT)
    extra = set(inputs) - {LATENT_INPUT, PSI_INPUT}
    z_dims = _dims(z) if z is not None else []
    flat = len(z_dims) == 2 or (len(z_dims) == 4 and all(d in (None, 1) for d in z_dims[2:]))
    if z is None or extra or not flat or not model.graph.output:
        raise ModelDeskError(f"{shown} is not a face generator ModelDesk can run: it needs {expected} "
                             f"(it takes {', '.join(sorted(inputs)) or 'nothing'}).")
    out = _dims(model.graph.output[0])
    if len(out) != 4 or out[1] not in (None, 3):
        raise ModelDeskError(f"{shown}'s output is not an image batch [N, 3, H, W]; a face generator needs {expected}.")
    try:
        nz = int(side.get("latent_size") or z_dims[1] or 0)
        low, high = (float(v) for v in side.get("value_range", (-1.0, 1.0)))
        mean = side.get("latent_mean")
        latent_mean = None if mean is None else ([float(mean)] * nz if isinstance(mean, (int, float))
                                                  else [float(v) for v in mean])
    except (TypeError, ValueError):
        raise ModelDeskError(f"{sidecar_path(onnx_file).name} has a malformed latent_size, value_range or "
                             "latent_mean.") from None
    if nz < 1:
        raise ModelDeskError(f"{shown} leaves the latent size open; give it as latent_size in "
                             f"{sidecar_path(onnx_file).name}.")
    if not (math.isfinite(low) and math.isfinite(high) and high > low) or (latent_mean and len(latent_mean) != nz):
        raise ModelDeskError(f"{sidecar_path(onnx_file).name} has a value_range or latent_mean that does not fit "
                             "the generator.")
    size = out[2] if out[2] == out[3] else None
    return Signature(nz, size, (low, high), latent_mean, PSI_INPUT in inputs, model.graph.output[0].name, external,
                     len(z_dims))


def import_onnx_file(onnx_file: Path, target: Path) -> Path:
    """Copy a checked generator file (and its sidecar) into the new model folder ``target``
    (the store names it; this module does not import the store)."""
    import shutil

    if read_signature(onnx_file).external_data:  # a file that cannot run is not copied either
        raise ModelDeskError(f"{onnx_file.name} keeps its weights in other files; import its folder instead.")
    if target.exists():
        raise ModelDeskError(f"A model named '{target.name}' already exists; choose another name.")
    with fileio.atomic_dir(target) as tmp:
        shutil.copyfile(onnx_file, tmp / GENERATOR_ONNX)
        if sidecar_path(onnx_file).is_file():
            shutil.copyfile(sidecar_path(onnx_file), tmp / sidecar_path(Path(GENERATOR_ONNX)).name)
    return target

