"""Whisper on ONNX Runtime: export the two graphs, quantize them, check the tokens, run them.

``export_recognizer`` writes ``onnx/whisper_{encoder,decoder}.onnx`` (fp32) and
``onnx/whisper_decoder_int8.onnx`` into the model folder. They are the graphs of whisper_graph.py exported with
torch.onnx (dynamo): the encoder gives every decoder layer's cross-attention keys and values
once per window (any window length up to 30 s); the decoder takes the self-attention cache and
gives it back grown (the key/value "past"), with the alignment heads' scores for word timings.
INT8 is dynamic per-channel quantization of the decoder's matrix products (INT8_GRAPHS); the
embedding lookups, the convolutions and the encoder stay fp32.

The files' names and the runner that plays them live in ort_runner.py (the recognizer loads
them from there, so it never imports this exporter).

Parity is token identity: the same greedy loop (decoding.py) decodes a calibration set with
torch and with each export, timestamps on; the manifest records the share of windows whose
tokens are identical and the share of tokens that agree. The set is spoken sentences when
espeak-ng is installed, otherwise a fixed set of synthetic sounds (noise, tones, chirps).
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any, Optional

import numpy as np

from models.core import cache, export_dirs, fileio, quantization, runtime, store
from models.core.events import CancelToken, ModelDeskError, Progress, ProgressFn, check, emit
from models.transcribe.ort_runner import GRAPHS, INT8_GRAPHS, onnx_files
from models.transcribe.recognizer import Recognizer, read_audio

OPSET = 18
CALIBRATION_SENTENCES = (
    "The quick brown fox jumps over the lazy dog.",
    "Please call me tomorrow morning about the budget.",
    "The train leaves the station every hour on the hour.",
    "It is raining again, so bring an umbrella with you.",
    "Our new software update fixes several important problems.",
    "Turn left at the second traffic light and park near the bank.",
)


# --- exporting -----------------------------------------------------------------

def _export(module: Any, args: tuple, names: list[str], outputs: list[str], shapes: dict, target: Path) -> None:
    """One torch.onnx dynamo export, written atomically."""
    import torch

    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
    with fileio.atomic_path(target, suffix=".onnx") as tmp, torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        torch.onnx.export(module, args, str(tmp), dynamo=True, opset_version=OPSET, input_names=names,
                          output_names=outputs, dynamic_shapes=shapes, external_data=False, verbose=False)


def _export_graphs(model: Any, heads: list[tuple[int, int]], files: dict[str, Path]) -> None:
    import torch
    from torch.export import Dim

    from models.transcribe.whisper_graph import DecoderGraph, EncoderGraph, empty_cache

    cfg = model.config
    half = Dim("half", min=2, max=cfg.max_source_positions)
    frames, new, past = 2 * half, Dim("new", min=1, max=cfg.max_target_positions), \
        Dim("past", min=0, max=cfg.max_target_positions)
    features = torch.zeros(1, cfg.num_mel_bins, 2 * cfg.max_source_positions)
    _export(EncoderGraph(model).eval(), (features,), ["features"], ["cross_k", "cross_v"],
            {"features": {2: frames}}, files["encoder"])
    with torch.no_grad():
        cross_k, cross_v = EncoderGraph(model)(features)
    empty = empty_cache(model, torch.float32, "cpu")
    ids = torch.tensor([[cfg.decoder_start_token_id, 1, 2]])
    decoder = DecoderGraph(model, heads).eval()
    with torch.no_grad():
        _, keys, values, _ = decoder(ids, empty, empty, cross_k, cross_v)
    cache_axes = {3: past}
    cross_axes = {3: half}
    _export(decoder, (ids[:, :2], keys, values, cross_k, cross_v),
            ["input_ids", "self_k", "self_v", "cross_k", "cross_v"], ["logits", "new_k", "new_v", "scores"],
            {"ids": {1: new}, "self_k": cache_axes, "self_v": cache_axes, "cross_k": cross_axes, "cross_v": cross_axes},
            files["decoder"])


# --- the calibration set -----------------------------------------------------------

def calibration_set() -> tuple[str, list[np.ndarray]]:
    """(what it is, 16 kHz clips): espeak-ng sentences when it is installed, else synthetic sounds."""
    espeak = shutil.which("espeak-ng")
    if espeak:
        clips = []
        with tempfile.TemporaryDirectory() as tmp:
            for k, sentence in enumerate(CALIBRATION_SENTENCES):
                wav = Path(tmp) / f"{k}.wav"
                subprocess.run([espeak, "-w", str(wav), sentence], check=True, capture_output=True, timeout=60)
                clips.append(read_audio(wav))
        return f"{len(clips)} spoken sentences (espeak-ng)", clips
    rng = np.random.default_rng(0)
    t = np.arange(3 * 16000) / 16000
    clips = [(rng.standard_normal(t.size) * level).astype(np.float32) for level in (0.01, 0.1)]
    clips += [(0.3 * np.sin(2 * np.pi * f * t)).astype(np.float32) for f in (220.0, 880.0)]
    clips += [(0.3 * np.sin(2 * np.pi * (200 + 400 * t) * t)).astype(np.float32)]
    return f"{len(clips)} synthetic sounds (noise, tones, a chirp)", clips


def _tokens(recognizer: Any, clips: list[np.ndarray]) -> list[tuple[int, ...]]:
    return [recognizer.decode(clip, timestamps=recognizer.has_timestamps).tokens for clip in clips]


def compare_tokens(reference: list[tuple[int, ...]], other: list[tuple[int, ...]]) -> dict[str, float]:
    """Token identity: the share of windows decoded identically, and of positions that agree."""
    same = sum(a == b for a, b in zip(reference, other))
    total = sum(max(len(a), len(b)) for a, b in zip(reference, other))
    agree = sum(sum(x == y for x, y in zip(a, b)) for a, b in zip(reference, other))
    return {"identical_windows_pct": 100.0 * same / max(1, len(reference)),
            "token_agreement_pct": 100.0 * agree / total if total else 100.0}


def export_recognizer(model: os.PathLike | str, quantize: bool = True, device: str = "auto", backend: str = "torch",
                      allow_pickle: bool = False, progress: ProgressFn = None,
                      cancel: Optional[CancelToken] = None) -> dict:
    """Export a Whisper model to ONNX (and INT8), check its tokens against torch, return the parity.

    ``device`` and ``backend`` are accepted like every job's runtime options; the export is
    traced on the CPU in fp32.
    """
    import torch

    info = store.open_model(model, task="transcribe", allow_pickle=allow_pickle)
    if info.model_type != "whisper":
        raise ModelDeskError(f"{info.name} is a CTC model: ONNX export covers Whisper models; run it on torch.")
    steps = 5 if quantize else 4
    emit(progress, Progress(0, steps, f"Loading {info.name}"))
    reference = Recognizer.load(info.path, device="cpu", allow_pickle=allow_pickle)
    fp32, int8 = onnx_files(info.path, False), onnx_files(info.path, True)
    check(cancel)
    emit(progress, Progress(1, steps, "Exporting to ONNX"))
    net = reference.model
    if net.dtype != torch.float32:
        raise ModelDeskError(f"{info.name} loaded in {net.dtype}: export it with the CPU device chosen.")
    with reference.in_use():
        _export_graphs(net, reference.runner.decoder.alignment_heads, fp32)
    check(cancel)
    for graph in GRAPHS:   # an old INT8 file would no longer match the fp32 one
        (export_dirs.onnx_dir(info.path) / f"whisper_{graph}_int8.onnx").unlink(missing_ok=True)
    if quantize:
        emit(progress, Progress(2, steps, "Quantizing to INT8"))
        for graph in INT8_GRAPHS:
            quantization.dynamic_int8(fp32[graph], int8[graph], ("MatMul", "Gemm"), untie_lookups=True)
            check(cancel)
    cache.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == str(info.path)
                 and key[-1] != runtime.Backend.TORCH.value)
    emit(progress, Progress(steps - 2, steps, "Checking the tokens against torch"))
    label, clips = calibration_set()
    expected = _tokens(reference, clips)
    parity: dict[str, Any] = {"set": label, "opset": OPSET}
    variants = [("fp32", runtime.Backend.ORT_FP32)] + ([("int8", runtime.Backend.ORT_INT8)] if quantize else [])
    for key, chosen in variants:
        check(cancel)
        parity[key] = compare_tokens(expected, _tokens(Recognizer.load(info.path, device="cpu", backend=chosen.value,
                                                                       allow_pickle=allow_pickle), clips))
    store.write_manifest(info.path, parity=parity)
    emit(progress, Progress(steps, steps, "Exported"))
    return parity
