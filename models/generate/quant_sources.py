"""Weights by GGUF tensor name, from a GGUF file or a Hugging Face model folder, one tensor at a time.

Both give ``quant_graph`` the same thing: a ``Layout`` and, per name, a vector or a matrix already in
4- or 8-bit blocks. A GGUF tensor keeps its own precision class: 4-bit types (Q4_0, Q4_1, Q4_K, ...)
become 4-bit blocks, everything finer (Q5/Q6/Q8, F16, F32) 8-bit blocks; Q4_0 and Q8_0 are repacked
without loss, the others dequantised first. A folder's matrices all take the ``bits`` asked for.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import numpy as np

from models.core.events import ModelDeskError
from models.generate import nbits
from models.generate.quant_graph import Layout

#: the families the quantized graph is written for, by GGUF architecture / transformers model_type
FAMILIES = ("llama", "mistral", "qwen2", "gemma", "gpt2")
_FOUR_BIT = ("Q4_0", "Q4_1", "Q4_K", "Q3_K", "Q2_K", "IQ4_NL", "IQ4_XS", "IQ3_S", "IQ3_XXS", "IQ2_S", "IQ2_XS",
             "IQ2_XXS", "IQ1_S", "IQ1_M", "MXFP4", "TQ1_0", "TQ2_0")


def _unsupported(name: str, arch: str) -> ModelDeskError:
    return ModelDeskError(f"{name} is a '{arch}' model; the quantized ONNX path is written for "
                          f"{', '.join(FAMILIES)} (choose PyTorch for it).")


class GGUFSource:
    """A GGUF file read through the ``gguf`` package: memory-mapped, dequantised tensor by tensor."""

    def __init__(self, path: Path) -> None:
        import gguf

        self.gguf = gguf
        self.reader = gguf.GGUFReader(str(path))
        self.tensors = {t.name: t for t in self.reader.tensors}
        arch = self._field("general.architecture")
        family = "llama" if arch == "mistral" else arch
        if family not in FAMILIES:
            raise _unsupported(path.name, arch)
        heads = int(self._field(f"{arch}.attention.head_count"))
        hidden = int(self._field(f"{arch}.embedding_length"))
        eps_key = "layer_norm_epsilon" if family == "gpt2" else "layer_norm_rms_epsilon"
        self.layout = Layout(
            arch=family, hidden=hidden, layers=int(self._field(f"{arch}.block_count")), heads=heads,
            kv_heads=int(self._field(f"{arch}.attention.head_count_kv", heads)),
            head_dim=int(self._field(f"{arch}.attention.key_length", hidden // heads)),
            ffn=int(self._field(f"{arch}.feed_forward_length")),
            vocab=int(self.tensors["token_embd.weight"].shape[1]),
            context=int(self._field(f"{arch}.context_length", 2048)),
            eps=float(self._field(f"{arch}.attention.{eps_key}", 1e-5)),
            rope_theta=float(self._field(f"{arch}.rope.freq_base", 10000.0)),
            rope_interleaved=family == "llama")

    def _field(self, key: str, default: Any = None) -> Any:
        field = self.reader.fields.get(key)
        if field is None:
            if default is None:
                raise ModelDeskError(f"The GGUF file has no '{key}' entry, which its architecture needs.")
            return default
        return field.contents()

    def has(self, name: str) -> bool:
        return name in self.tensors

    def _float(self, name: str) -> np.ndarray:
        tensor = self.tensors[name]
        shape = [int(d) for d in reversed(tensor.shape)]
        return self.gguf.quants.dequantize(tensor.data, tensor.tensor_type).reshape(shape).astype(np.float32)

    def vector(self, name: str) -> np.ndarray:
        return self._float(name)

    def matrix(self, name: str) -> nbits.Packed:
        tensor = self.tensors[name]
        kind = tensor.tensor_type.name
        n, k = int(tensor.shape[1]), int(tensor.shape[0])
        if kind == "Q4_0":
            return nbits.from_q4_0(tensor.data, n, k)
        if kind == "Q8_0":
            return nbits.from_q8_0(tensor.data, n, k)
        return nbits.quantize(self._float(name), 4 if kind in _FOUR_BIT else 8)


#: transformers GPT-2 Conv1D weights are [in, out]
_CONV1D = ("attn_qkv.weight", "attn_output.weight", "ffn_up.weight", "ffn_down.weight")


class FolderSource:
    """A transformers model folder: config.json and safetensors files, read tensor by tensor."""

    def __init__(self, folder: Path, bits: int) -> None:
        import gguf
        from safetensors import safe_open

        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        config = config.get("text_config", config) if "hidden_size" not in config and "n_embd" not in config \
            else config
        kind = config.get("model_type", "")
        if kind not in FAMILIES:
            raise _unsupported(folder.name, kind or "unknown")
        family = "llama" if kind == "mistral" else kind
        self.bits = bits
        self.gemma = family == "gemma"
        self.files = {}
        for file in sorted(folder.glob("*.safetensors")):
            handle = safe_open(str(file), framework="numpy")
            for key in handle.keys():
                self.files[key] = handle
        if not self.files:
            raise ModelDeskError(f"{folder.name} has no safetensors weights; the quantized path reads those only.")
        layers = config.get("num_hidden_layers", config.get("n_layer"))
        arch = {"llama": gguf.MODEL_ARCH.LLAMA, "qwen2": gguf.MODEL_ARCH.QWEN2, "gemma": gguf.MODEL_ARCH.GEMMA,
                "gpt2": gguf.MODEL_ARCH.GPT2}[family]
        names = gguf.get_tensor_name_map(arch, layers)
        self.names = {}
        for key in self.files:
            name = names.get_name(key, try_suffixes=(".weight", ".bias"))
            if name is not None:
                self.names[name] = key
        hidden = config.get("hidden_size", config.get("n_embd"))
        heads = config.get("num_attention_heads", config.get("n_head"))
        self.layout = Layout(
            arch=family, hidden=hidden, layers=layers, heads=heads,
            kv_heads=config.get("num_key_value_heads") or heads,
            head_dim=config.get("head_dim") or hidden // heads,
            ffn=config.get("intermediate_size") or config.get("n_inner") or 4 * hidden,
            vocab=config["vocab_size"],
            context=config.get("max_position_embeddings", config.get("n_positions", 2048)),
            eps=config.get("rms_norm_eps", config.get("layer_norm_epsilon", 1e-5)),
            rope_theta=float(config.get("rope_theta") or (config.get("rope_parameters") or {}).get("rope_theta")
                             or 10000.0))

    def has(self, name: str) -> bool:
        return name in self.names

    def _float(self, name: str) -> np.ndarray:
        array = self.files[self.names[name]].get_tensor(self.names[name]).astype(np.float32)
        if self.layout.arch == "gpt2" and name.endswith(_CONV1D):
            array = np.ascontiguousarray(array.T)
        if self.gemma and "norm" in name:   # Gemma's norms scale by 1 + weight; GGUF files store it added
            array = array + 1.0
        return array

    def vector(self, name: str) -> np.ndarray:
        return self._float(name)

    def matrix(self, name: str) -> nbits.Packed:
        return nbits.quantize(self._float(name), self.bits)


def open_source(path: Path, weights: str, bits: Optional[int]) -> Any:
    """The source for a GGUF file (``bits`` None: as the file's types) or a model folder (4-bit by default)."""
    if weights == "gguf":
        return GGUFSource(path)
    return FolderSource(path, bits or 4)
