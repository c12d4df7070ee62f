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


def release_mapped(data_file: Path) -> None:
    """Hand back the pages of ``data_file`` that ONNX Runtime mapped and read while building its session.

    The runtime maps the weights file and reads every weight once to pack it into its own layout; the
    pages stay resident (16 MB of a 98 MB file) though only the packed copies are used after that, and the
    embedding table is read one row per token. The mapping is private and only read, so its pages come
    back from the file if they are touched again: dropping them costs nothing but the memory they held.
    Linux only (elsewhere nothing happens)."""
    import ctypes
    import ctypes.util

    maps = Path("/proc/self/maps")
    if not maps.is_file():
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    target = str(data_file.resolve())
    for line in maps.read_text().splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5] == target and fields[1] in ("r--p", "rw-p"):
            low, high = (int(value, 16) for value in fields[0].split("-"))
            libc.madvise(low, high - low, _MADV_DONTNEED)


_MADV_DONTNEED = 4


class QuantLM(cache.Shared):
    """The blockwise-quantized graph (``quant_graph``) on ONNX Runtime. A prompt goes in ``chunk`` tokens at
    a time (same logits, the memory of one chunk's activations).

    On the CPU the key/value cache is one buffer per layer and kind, as long as the model's context, bound
    as both the past input and the present output (``GroupQueryAttention`` then writes the new positions in
    place): no step copies the cache, and since the buffers are zero-filled by the system on first touch,
    only the positions written take memory. Elsewhere the runtime's present tensors are fed back."""

    def __init__(self, onnx_file: Path, layout: Any, device: str = "cpu", threads: Optional[int] = None,
                 chunk: int = PREFILL_CHUNK, in_place: Optional[bool] = None) -> None:
        self.chunk = chunk
        self.path = onnx_file
        self.layout = layout
        self.in_place = device == "cpu" if in_place is None else in_place
        self.session = runtime.ort_session(str(onnx_file), device=device, threads=threads)
        self.names = [o.name for o in self.session.get_outputs()]
        self.positions = "position_ids" in {i.name for i in self.session.get_inputs()}
        if device == "cpu":
            release_mapped(onnx_file.with_name(onnx_file.name + ".data"))

    def _feed(self, ids: list[int], length: int) -> dict[str, np.ndarray]:
        total = length + len(ids)
        feed = {"input_ids": np.asarray([ids], dtype=np.int64), "seqlens_k": np.array([total - 1], dtype=np.int32),
                "total_sequence_length": np.array(total, dtype=np.int32)}
        if self.positions:
            feed["position_ids"] = np.arange(length, total, dtype=np.int64)[None]
        return feed

    def start(self) -> Any:
        import torch

        run = self._in_place() if self.in_place else self._fed_back()

        def step(ids: list[int]) -> Any:
            for begin in range(0, len(ids), self.chunk):
                logits = run(ids[begin:begin + self.chunk])
            return torch.from_numpy(logits.reshape(-1))

        return step

    def _in_place(self) -> Any:
        import onnxruntime as ort

        layout = self.layout
        shape = (1, layout.kv_heads, layout.positions, layout.head_dim)
        buffers = {name: np.zeros(shape, dtype=np.float32) for name in self.names[1:]}
        values = {name: ort.OrtValue.ortvalue_from_numpy(array) for name, array in buffers.items()}
        state = {"length": 0, "buffers": buffers}   # the values point into these arrays: they live as long

        def run(ids: list[int]) -> np.ndarray:
            if state["length"] + len(ids) > layout.positions:
                raise ModelDeskError(f"The conversation is longer than the model's {layout.positions} positions.")
            binding = self.session.io_binding()
            binding.bind_output("logits")
            for name, value in values.items():
                binding.bind_ortvalue_input(name.replace("present.", "past_key_values."), value)
                binding.bind_ortvalue_output(name, value)
            for name, array in self._feed(ids, state["length"]).items():
                binding.bind_cpu_input(name, array)
            self.session.run_with_iobinding(binding)
            state["length"] += len(ids)
            return binding.get_outputs()[0].numpy()

        return run

    def _fed_back(self) -> Any:
        import onnxruntime as ort

        empty = np.zeros((1, self.layout.kv_heads, 0, self.layout.head_dim), dtype=np.float32)
        past = {name.replace("present.", "past_key_values."): ort.OrtValue.ortvalue_from_numpy(empty)
                for name in self.names[1:]}
        state = {"length": 0}

        def run(ids: list[int]) -> np.ndarray:
            feed = {name: ort.OrtValue.ortvalue_from_numpy(array)
                    for name, array in self._feed(ids, state["length"]).items()}
            results = self.session.run_with_ort_values(self.names, {**feed, **past})
            for name, result in zip(self.names[1:], results[1:]):
                past[name.replace("present.", "past_key_values.")] = result
            state["length"] += len(ids)
            return results[0].numpy()

        return run
