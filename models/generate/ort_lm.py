"""Causal LMs on ONNX Runtime: the exported graph of a model folder (``onnx_export``) stepped like torch.

Kept apart from the exporter so that the generator can run an export without importing the exporter
(and the exporter can check its graph against torch without importing the generator).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import numpy as np

from models.core import cache, export_dirs, runtime, store
from models.core.events import ModelDeskError
from models.core.tokens import token_limit
from models.generate.lm import LanguageModel, stop_ids

FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
OUTPUTS = ["logits", "keys", "values"]


def onnx_paths(folder: os.PathLike | str) -> tuple[Path, Path]:
    """(fp32, int8) file paths of a model folder's export."""
    base = export_dirs.onnx_dir(folder)
    return base / FP32_FILE, base / INT8_FILE


class OrtLM(cache.Shared):
    """An exported causal LM on ONNX Runtime, stepped like ``generator.TorchLM``."""

    def __init__(self, onnx_file: Path, device: str = "cpu", threads: Optional[int] = None) -> None:
        self.path = onnx_file
        self.session = runtime.ort_session(str(onnx_file), device=device, threads=threads)
        shape = {i.name: i.shape for i in self.session.get_inputs()}["past_keys"]
        self.empty = np.zeros((shape[0], 1, shape[2], 0, shape[4]), dtype=np.float32)

    def start(self) -> Any:
        import torch

        state = {"keys": self.empty, "values": self.empty}

        def step(ids: list[int]) -> Any:
            logits, state["keys"], state["values"] = self.session.run(
                OUTPUTS, {"input_ids": np.asarray([ids], dtype=np.int64), "past_keys": state["keys"],
                          "past_values": state["values"]})
            return torch.from_numpy(logits[0])

        return step


def load_ort_lm(info: store.ModelInfo, device: str, backend: runtime.Backend) -> Any:
    """The ONNX Runtime language model of a folder, or a ModelDeskError saying why it cannot run."""
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig

    if info.weights == "gguf":
        raise ModelDeskError(f"{info.name} is a GGUF file, which runs on PyTorch only; choose the torch backend.")
    fp32_path, int8_path = onnx_paths(info.path)
    onnx_file = int8_path if backend is runtime.Backend.ORT_INT8 else fp32_path
    if not onnx_file.is_file():
        raise runtime.no_export(info.name, backend)
    tokenizer = AutoTokenizer.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
    config = AutoConfig.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
    try:
        generation = GenerationConfig.from_pretrained(info.path, local_files_only=True)
    except OSError:   # no generation_config.json: the config and tokenizer say it
        generation = None
    return LanguageModel(info, tokenizer, OrtLM(onnx_file, device), device,
                         token_limit(tokenizer, config, default=None), stop_ids(config, generation, tokenizer),
                         backend.value)


#: prompt tokens per run of the quantized graph: a long prompt in chunks keeps the activations of one chunk
PREFILL_CHUNK = 64


class QuantLM(cache.Shared):
    """The blockwise-quantized graph (``quant_graph``) on ONNX Runtime: one cache tensor pair per layer,
    fed back as the next step's past. A prompt goes in ``chunk`` tokens at a time (same logits, the memory
    of one chunk's activations)."""

    def __init__(self, onnx_file: Path, layout: Any, device: str = "cpu", threads: Optional[int] = None,
                 chunk: int = PREFILL_CHUNK) -> None:
        self.chunk = chunk
        self.path = onnx_file
        self.layout = layout
        self.session = runtime.ort_session(str(onnx_file), device=device, threads=threads)
        self.names = [o.name for o in self.session.get_outputs()]
        self.positions = "position_ids" in {i.name for i in self.session.get_inputs()}

    def start(self) -> Any:
        """The cache stays in ONNX Runtime's own tensors from step to step (no copy into numpy and back)."""
        import onnxruntime as ort
        import torch

        def value(array: np.ndarray) -> Any:
            return ort.OrtValue.ortvalue_from_numpy(array)

        empty = np.zeros((1, self.layout.kv_heads, 0, self.layout.head_dim), dtype=np.float32)
        past = {f"past_key_values.{layer}.{kind}": value(empty) for layer in range(self.layout.layers)
                for kind in ("key", "value")}
        state = {"length": 0}

        def run(ids: list[int]) -> Any:
            total = state["length"] + len(ids)
            feed = {"input_ids": value(np.asarray([ids], dtype=np.int64)),
                    "seqlens_k": value(np.array([total - 1], dtype=np.int32)),
                    "total_sequence_length": value(np.array(total, dtype=np.int32)), **past}
            if self.positions:
                feed["position_ids"] = value(np.arange(state["length"], total, dtype=np.int64)[None])
            results = self.session.run_with_ort_values(self.names, feed)
            for name, result in zip(self.names[1:], results[1:]):
                past[name.replace("present.", "past_key_values.")] = result
            state["length"] = total
            return results[0]

        def step(ids: list[int]) -> Any:
            for begin in range(0, len(ids), self.chunk):
                logits = run(ids[begin:begin + self.chunk])
            return torch.from_numpy(logits.numpy().reshape(-1))

        return step
