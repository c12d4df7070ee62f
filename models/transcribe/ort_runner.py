"""Whisper on ONNX Runtime: where an export's files lie, and the runner the greedy loop drives.

The exporter (onnx_export.py) writes these files and checks them against torch; the recognizer
loads them through ``load_ort_parts``. Keeping the runner here lets both import it without
importing each other.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np

from models.core import export_dirs, runtime, store
from models.core.events import ModelDeskError

GRAPHS = ("encoder", "decoder")
#: the graphs the INT8 variant quantizes. The decoder runs once per token and carries the
#: speed-up. On 20 held-out clips the WER was torch's (0.176) with only the decoder quantized,
#: 0.181 with both graphs and 0.192 with only the encoder; both graphs saved 14 % more time,
#: not worth the words, so the encoder stays fp32
INT8_GRAPHS = ("decoder",)


def onnx_files(folder: os.PathLike | str, int8: bool) -> dict[str, Path]:
    """The export's files of a model folder, by graph (INT8: the quantized ones of INT8_GRAPHS)."""
    return {graph: export_dirs.onnx_dir(folder) / f"whisper_{graph}{'_int8' if int8 and graph in INT8_GRAPHS else ''}.onnx"
            for graph in GRAPHS}


class OrtRunner:
    """The ONNX Runtime backend of the greedy loop (recognizer.WhisperRunner)."""

    def __init__(self, files: dict[str, Path], device: str, threads: Optional[int]) -> None:
        self.sessions = {graph: runtime.ort_session(str(path), device=device, threads=threads)
                         for graph, path in files.items()}
        self._cross: Optional[tuple[np.ndarray, np.ndarray]] = None
        self._self: Optional[tuple[np.ndarray, np.ndarray]] = None

    def start(self, features: np.ndarray) -> None:
        cross_k, cross_v = self.sessions["encoder"].run(None, {"features": features})
        self._cross = (cross_k, cross_v)
        self.rewind()

    def rewind(self) -> None:
        self._self = (self._empty(), self._empty())

    def step(self, ids: list[int]) -> np.ndarray:
        assert self._cross is not None and self._self is not None
        feeds = {"input_ids": np.asarray([ids], dtype=np.int64), "self_k": self._self[0], "self_v": self._self[1],
                 "cross_k": self._cross[0], "cross_v": self._cross[1]}
        logits, keys, values = self.sessions["decoder"].run(["logits", "new_k", "new_v"], feeds)
        self._self = (keys, values)
        return logits[0]

    def _empty(self) -> np.ndarray:
        """A self-attention cache with no positions yet."""
        assert self._cross is not None
        layers, _, heads, _, dim = self._cross[0].shape
        return np.zeros((layers, 1, heads, 0, dim), dtype=np.float32)

    def scores(self, ids: list[int]) -> np.ndarray:
        empty = self._empty()
        feeds = {"input_ids": np.asarray([ids], dtype=np.int64), "self_k": empty, "self_v": empty,
                 "cross_k": self._cross[0], "cross_v": self._cross[1]}
        return self.sessions["decoder"].run(["scores"], feeds)[0]


@dataclass(frozen=True)
class OrtParts:
    """An ONNX Whisper's runner and the tokenizer and configs that go with it."""
    runner: OrtRunner
    processor: Any
    config: Any
    generation: Any


def load_ort_parts(info: store.ModelInfo, choice: runtime.DeviceChoice, backend: runtime.Backend) -> OrtParts:
    """What a Recognizer needs to run Whisper on the model's ONNX export (``backend``: fp32 or INT8)."""
    import onnxruntime as ort
    import torch
    import transformers as tf

    if info.model_type != "whisper":
        raise ModelDeskError(f"{info.name} is a CTC model: ONNX Runtime runs exported Whisper models only; "
                             "choose the torch backend.")
    int8 = backend is runtime.Backend.ORT_INT8
    files = onnx_files(info.path, int8)
    if not all(path.is_file() for path in files.values()):
        raise runtime.no_export(info.name, backend)
    if choice.device == "cuda" and "CUDAExecutionProvider" not in ort.get_available_providers():
        raise ModelDeskError("ONNX Runtime has no CUDA execution provider here: choose the CPU device "
                             "or the torch backend.")
    try:
        processor = tf.WhisperProcessor.from_pretrained(info.path, local_files_only=True)
        config = tf.WhisperConfig.from_pretrained(info.path, local_files_only=True)
        generation = tf.GenerationConfig.from_pretrained(info.path, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelDeskError(f"{info.name} could not be loaded: {str(exc).splitlines()[0]}") from None
    runner = OrtRunner(files, choice.device, torch.get_num_threads())
    if "scores" not in {output.name for output in runner.sessions["decoder"].get_outputs()}:
        raise ModelDeskError(f"{info.name}'s ONNX export is from an older ModelDesk; export it again on the Models page.")
    return OrtParts(runner, processor, config, generation)
