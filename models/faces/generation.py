"""Seeds → face images, on whichever backend runs the model: one path for every generator.

A ``Renderer`` turns latents into images: the DCGAN on torch, or an ONNX file on ONNX Runtime
(the DCGAN's export, fp32 or INT8, or a generator made elsewhere). Latents come from
``models.faces.latents``, so a seed gives the same face whatever renders it.
"""
from __future__ import annotations

import os
from typing import Optional, Sequence

import numpy as np

from models.core import cache, runtime, store
from models.core.events import CancelToken, Log, ModelDeskError, Progress, ProgressFn, check, emit
from models.faces import latents as lat
from models.faces import onnx_generator as og

CHUNK = 64


class Renderer(cache.Shared):
    """Latents [N, nz] → images [N, 3, H, W] in [-1, 1] (float32)."""

    name: str
    nz: int
    label: str

    def forward(self, z: np.ndarray, psi: float) -> np.ndarray:
        raise NotImplementedError


class TorchRenderer(Renderer):
    """The DCGAN's generator on torch, fp32 (a DCGAN is small, and fp32 keeps a seed's face the same
    on every device)."""

    def __init__(self, name: str, generator, nz: int, device: str) -> None:
        self.name, self.generator, self.nz, self.device = name, generator, nz, device
        self.label = f"torch · {device.upper()}"

    def forward(self, z: np.ndarray, psi: float) -> np.ndarray:
        import torch

        with torch.inference_mode(), self.in_use():
            batch = torch.from_numpy(lat.truncate(z, psi)).to(self.device)
            return self.generator(batch).float().cpu().numpy()


class OrtRenderer(Renderer):
    """An ONNX generator on ONNX Runtime; ψ goes to the graph when it takes one, else into z."""

    def __init__(self, name: str, onnx_file, device: str, label: str) -> None:
        self.name = name
        self.signature = og.read_signature(onnx_file, name)
        self.nz = self.signature.nz
        self.session = runtime.ort_session(str(onnx_file), device=device)
        if device == "cuda" and "CUDAExecutionProvider" not in self.session.get_providers():
            raise ModelDeskError("ONNX Runtime has no working CUDA execution provider here; choose the CPU device "
                                 "or the torch backend.")
        self.label = f"{label} · {device.upper()}"

    def forward(self, z: np.ndarray, psi: float) -> np.ndarray:
        sig = self.signature
        feeds = {og.LATENT_INPUT: sig.shape_latents(z if sig.takes_psi else lat.truncate(z, psi, sig.latent_mean))}
        if sig.takes_psi:
            feeds[og.PSI_INPUT] = np.asarray(psi, np.float32)
        with self.in_use():
            out = self.session.run([sig.output], feeds)[0].astype(np.float32)
        low, high = sig.value_range
        return out if (low, high) == (-1.0, 1.0) else (out - low) * (2.0 / (high - low)) - 1.0


def torch_renderer(info: store.ModelInfo, device: str) -> Renderer:
    from models.faces import dcgan

    config = dcgan.read_config(info.path)
    generator = dcgan.Generator(config["nz"], config["ngf"], config["image_size"])
    dcgan.load_weights(generator, info, dcgan.GENERATOR_FILE)
    return TorchRenderer(info.name, generator.to(device).eval(), config["nz"], device)


def load_renderer(model: os.PathLike | str, device: str = "auto", backend: str = "torch",
                  allow_pickle: bool = False, progress: ProgressFn = None) -> Renderer:
    """The renderer of a faces model (folder or store name) for a backend and device, cached.

    An ONNX-only generator runs on ONNX Runtime; chosen with the torch backend it says so.
    A backend that cannot run raises ModelDeskError with the reason.
    """
    chosen = runtime.parse_backend(backend)
    info = store.open_model(model, task="faces", allow_pickle=allow_pickle)
    device_name = runtime.choose_device(device).device
    onnx_only = info.weights == "onnx"
    if onnx_only and chosen is runtime.Backend.TORCH:
        emit(progress, Log(f"{info.name} is an ONNX generator: it runs on ONNX Runtime (fp32)."))
        chosen = runtime.Backend.ORT_FP32
    key = ("faces", str(info.path), device_name, chosen.value)
    if chosen is runtime.Backend.TORCH:
        return cache.get_or_load(key, lambda: torch_renderer(info, device_name))
    fp32, int8 = og.export_paths(info.path)
    onnx_file, label = (int8, "ONNX INT8") if chosen is runtime.Backend.ORT_INT8 else (fp32, "ONNX fp32")
    if not onnx_file.is_file():
        what = "INT8 variant" if chosen is runtime.Backend.ORT_INT8 else "ONNX export"
        raise ModelDeskError(f"{info.name} has no {what} yet; use Convert to ONNX + INT8 on the Models page.")
    return cache.get_or_load(key, lambda: OrtRenderer(info.name, onnx_file, device_name, label))


def to_uint8(images: np.ndarray) -> np.ndarray:
    """[-1, 1] NCHW → uint8 NHWC, rounded the same way for every backend."""
    scaled = np.rint((np.asarray(images, np.float32) + 1.0) * 127.5)
    return np.clip(scaled, 0, 255).astype(np.uint8).transpose(0, 2, 3, 1)


def render(renderer: Renderer, z: np.ndarray, psi: float = 1.0, progress: ProgressFn = None,
           cancel: Optional[CancelToken] = None, label: str = "Rendering") -> np.ndarray:
    """uint8 [N, H, W, 3] images of the latents, in chunks, checking ``cancel`` between them."""
    lat.check_psi(psi)
    out = []
    for start in range(0, len(z), CHUNK):
        check(cancel)
        emit(progress, Progress(start, len(z), label))
        out.append(to_uint8(renderer.forward(z[start:start + CHUNK], psi)))
    emit(progress, Progress(len(z), len(z), label))
    if not out:
        raise ModelDeskError("Give at least one seed.")
    return np.concatenate(out)


def _as_renderer(model: "Renderer | os.PathLike | str", device: str, backend: str, allow_pickle: bool,
                 progress: ProgressFn) -> Renderer:
    return model if isinstance(model, Renderer) else load_renderer(model, device, backend, allow_pickle, progress)


def generate(model: "Renderer | os.PathLike | str", seeds: Sequence[float], psi: float = 1.0, device: str = "auto",
             backend: str = "torch", allow_pickle: bool = False, progress: ProgressFn = None,
             cancel: Optional[CancelToken] = None) -> np.ndarray:
    """One image per seed (fractional seeds blend their neighbours), uint8 [n, H, W, 3].

    ``psi`` pulls every latent toward the mean (1: off, 0: the average face). The same seed
    always gives the same image.
    """
    lat.check_psi(psi)
    renderer = _as_renderer(model, device, backend, allow_pickle, progress)
    return render(renderer, lat.seed_latents(list(seeds), renderer.nz), psi, progress, cancel, "Generating")


def interpolate(model: "Renderer | os.PathLike | str", seeds: Sequence[float], frames: int = 48, psi: float = 1.0,
                device: str = "auto", backend: str = "torch", allow_pickle: bool = False,
                progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> np.ndarray:
    """``frames`` images along a path through ``seeds``; the first and last are those seeds' faces."""
    lat.check_psi(psi)
    renderer = _as_renderer(model, device, backend, allow_pickle, progress)
    path = lat.path_latents(list(seeds), frames, renderer.nz)
    return render(renderer, path, psi, progress, cancel, "Interpolating")
