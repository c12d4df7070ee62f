"""Causal LMs on ONNX Runtime: the exported graph of a model folder (``onnx_export``) stepped like torch.

Kept apart from the exporter so that the generator can run an export without importing the exporter
(and the exporter can check its graph against torch without importing the generator).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import numpy as np

from models.core import cache, runtime, store
from models.core.events import ModelDeskError
from models.core.tokens import token_limit
from models.generate.lm import LanguageModel, stop_ids

ONNX_DIR = "onnx"
FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
OUTPUTS = ["logits", "keys", "values"]


def onnx_paths(folder: os.PathLike | str) -> tuple[Path, Path]:
    """(fp32, int8) file paths of a model folder's export."""
    base = Path(folder) / ONNX_DIR
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
