"""Causal LMs on ONNX Runtime: one graph with a KV cache, fp32 and INT8, checked by greedy decoding.

The graph takes the new token ids and the cache so far (every layer's keys and values stacked
into two tensors, ``[layers, batch, heads, past, head_dim]``) and returns the next-token logits
and the grown cache. The first step passes an empty cache (``past`` = 0) and the whole prompt, the
others one token, so one graph serves both. Parity is the greedy token sequence: ``PARITY_TOKENS``
argmax tokens after each of a few fixed prompts, compared with torch.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from models.core import cache, onnx_tools, quantization, store
from models.core.events import CancelToken, ModelDeskError, Progress, ProgressFn, check, emit
from models.core.tokens import token_limit
from models.generate.lm import TorchLM, greedy_tokens
from models.generate.ort_lm import OUTPUTS, OrtLM, onnx_paths

PARITY_TOKENS = 32
PARITY_PROMPTS = ("The weather today is", "Once upon a time, in a small village,",
                  "def add(a, b):", "Les chats et les chiens")
INPUTS = ["input_ids", "past_keys", "past_values"]


def _step_module(model: Any) -> Any:
    """The causal LM as the graph above: (ids, keys, values) -> (last logits, keys, values)."""
    import torch
    from transformers import DynamicCache

    class Step(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, past_keys: Any, past_values: Any) -> Any:
            kv = DynamicCache(config=self.inner.config)
            for layer in range(past_keys.shape[0]):
                kv.update(past_keys[layer], past_values[layer], layer)
            out = self.inner(input_ids=input_ids, cache=kv, use_cache=True)
            layers = out.cache.layers
            return (out.logits[:, -1, :], torch.stack([layer.keys for layer in layers]),
                    torch.stack([layer.values for layer in layers]))

    return Step().eval()


def _cache_shape(model: Any) -> tuple[int, int, int]:
    """(layers, key/value heads, head size) of a causal LM's cache."""
    config = model.config.get_text_config(decoder=True)
    heads = getattr(config, "num_attention_heads", None) or config.n_head
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    hidden = getattr(config, "hidden_size", None) or config.n_embd
    head_dim = getattr(config, "head_dim", None) or hidden // heads
    return config.num_hidden_layers, kv_heads, head_dim


def _export_fp32(model: Any, target: Path) -> None:
    import torch

    layers, heads, head_dim = _cache_shape(model)
    ids = torch.ones((1, 4), dtype=torch.long)
    past = torch.zeros((layers, 1, heads, 3, head_dim))
    cache_axes = {1: "batch", 3: "past"}
    onnx_tools.export_graph(_step_module(model), (ids, past, past.clone()), target, INPUTS, OUTPUTS,
                            {"input_ids": {0: "batch", 1: "sequence"}, "past_keys": cache_axes,
                             "past_values": cache_axes})


def export_generator(model: os.PathLike | str, quantize: bool = True, device: str = "auto", backend: str = "torch",
                     allow_pickle: bool = False, progress: ProgressFn = None,
                     cancel: Optional[CancelToken] = None) -> dict:
    """Write ``onnx/model.onnx`` (and ``onnx/model_int8.onnx``), check greedy decoding against torch and
    record the parity in the manifest; returns it. ``device`` and ``backend`` do not apply: the export
    is traced on the CPU in fp32."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    info = store.open_model(model, task="generate", allow_pickle=allow_pickle)
    if info.weights == "gguf":
        raise ModelDeskError(f"{info.name} is a GGUF file: ModelDesk runs GGUF models with PyTorch only.")
    steps = 4 if quantize else 3
    emit(progress, Progress(0, steps, f"Loading {info.name}"))
    net = AutoModelForCausalLM.from_pretrained(info.path, dtype=torch.float32, **store.hf_kwargs(info)).eval()
    tokenizer = AutoTokenizer.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
    fp32_path, int8_path = onnx_paths(info.path)
    check(cancel)
    emit(progress, Progress(1, steps, "Exporting to ONNX"))
    _export_fp32(net, fp32_path)
    check(cancel)
    if quantize:
        emit(progress, Progress(2, steps, "Quantizing to INT8"))
        quantization.weight_only_int8(fp32_path, int8_path)
        check(cancel)
    else:
        int8_path.unlink(missing_ok=True)  # an old INT8 file would no longer match the fp32 one
    cache.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == str(info.path))
    emit(progress, Progress(steps - 1, steps, "Checking greedy decoding against torch"))
    limit = token_limit(tokenizer, net.config, default=None)
    tokens = min(PARITY_TOKENS, limit - 12) if limit else PARITY_TOKENS
    prompts = [tokenizer(p)["input_ids"][:8] or [tokenizer.bos_token_id or 0] for p in PARITY_PROMPTS]
    reference = [greedy_tokens(TorchLM(net, "cpu").start, p, tokens) for p in prompts]
    decoded = {}
    for kind, path in ({"fp32": fp32_path, "int8": int8_path} if quantize else {"fp32": fp32_path}).items():
        check(cancel)
        ort_lm = OrtLM(path)
        decoded[kind] = [greedy_tokens(ort_lm.start, p, tokens) for p in prompts]
    parity = onnx_tools.sequence_parity(f"greedy decoding, {tokens} tokens after {len(prompts)} fixed prompts",
                                        tokens, reference, decoded)
    store.write_manifest(info.path, parity=parity)
    emit(progress, Progress(steps, steps, "Exported"))
    return parity
