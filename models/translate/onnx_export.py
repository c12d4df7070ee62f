"""Seq2seq translation models on ONNX Runtime: an encoder and a decoder-with-past, fp32 and INT8.

The encoder graph runs the encoder and also every decoder layer's cross-attention key/value
projections, so it returns what the decoder reuses at each step: ``cross_keys``/``cross_values``
``[layers, batch, heads, source, head_dim]``. The decoder graph takes the new target ids, the source
mask, its own cache so far (``past`` = 0 on the first step) and the cross cache, and returns the
next-token logits and its grown cache. This holds for every Bart-style model ModelDesk translates
with (Marian, NLLB/M2M100, mBART). Parity is greedy decoding: the argmax tokens of a few fixed
sentences, compared with torch.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import numpy as np

from models.core import cache, export_dirs, onnx_tools, runtime, store
from models.core.events import CancelToken, ModelDeskError, Progress, ProgressFn, check, emit
from models.translate.search import Rules, search

FILES = {"fp32": ("encoder.onnx", "decoder.onnx"), "int8": ("encoder_int8.onnx", "decoder_int8.onnx")}
PARITY_TOKENS = 16
PARITY_SENTENCES = ("The weather is nice today.", "Where is the train station?",
                    "I would like two coffees, please.", "This book was written in 1998.")
ENCODER_IO = (["input_ids", "attention_mask"], ["cross_keys", "cross_values"])
DECODER_IO = (["input_ids", "attention_mask", "past_keys", "past_values", "cross_keys", "cross_values"],
              ["logits", "keys", "values"])


def onnx_paths(folder: os.PathLike | str, kind: str) -> tuple[Path, Path]:
    """(encoder, decoder) files of a model folder's ``kind`` ("fp32" or "int8") export."""
    base = export_dirs.onnx_dir(folder)
    return base / FILES[kind][0], base / FILES[kind][1]


def _modules(model: Any) -> tuple[Any, Any]:
    """The encoder and the decoder-with-past as the graphs above (torch modules, eval mode)."""
    import torch
    from transformers import DynamicCache, EncoderDecoderCache
    from transformers.modeling_outputs import BaseModelOutput

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.inner.get_encoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            keys, values = [], []
            for layer in self.inner.get_decoder().layers:
                attn = layer.encoder_attn
                shape = (hidden.shape[0], hidden.shape[1], -1, attn.head_dim)
                keys.append(attn.k_proj(hidden).view(shape).transpose(1, 2))
                values.append(attn.v_proj(hidden).view(shape).transpose(1, 2))
            return torch.stack(keys), torch.stack(values)

    class Decoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any, past_keys: Any, past_values: Any, cross_keys: Any,
                    cross_values: Any) -> Any:
            own, cross = DynamicCache(), DynamicCache()
            for layer in range(past_keys.shape[0]):
                own.update(past_keys[layer], past_values[layer], layer)
                cross.update(cross_keys[layer], cross_values[layer], layer)
            # the cross cache is full, so the encoder states are never read: only their shape is passed
            hidden = torch.zeros(cross_keys.shape[1], cross_keys.shape[3], self.inner.config.d_model,
                                 dtype=cross_keys.dtype)
            out = self.inner(decoder_input_ids=input_ids, attention_mask=attention_mask,
                             encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
                             cache=EncoderDecoderCache(own, cross), use_cache=True)
            layers = out.cache.self_attention_cache.layers
            return (out.logits[:, -1, :], torch.stack([layer.keys for layer in layers]),
                    torch.stack([layer.values for layer in layers]))

    return Encoder().eval(), Decoder().eval()


def _export_fp32(model: Any, encoder_path: Path, decoder_path: Path) -> None:
    import torch

    encoder, decoder = _modules(model)
    ids = torch.ones((2, 5), dtype=torch.long)
    mask = torch.ones((2, 5), dtype=torch.long)
    source = {0: "batch", 1: "source"}
    onnx_tools.export_graph(encoder, (ids, mask), encoder_path, *ENCODER_IO,
                            {"input_ids": source, "attention_mask": source})
    with torch.no_grad():
        cross_keys, cross_values = encoder(ids, mask)
    past = torch.zeros(cross_keys.shape[:3] + (3,) + cross_keys.shape[4:])
    own, cross = {1: "batch", 3: "past"}, {1: "batch", 3: "source"}
    onnx_tools.export_graph(decoder, (ids[:, :1], mask, past, past.clone(), cross_keys, cross_values),
                            decoder_path, *DECODER_IO,
                            {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": source, "past_keys": own,
                             "past_values": own, "cross_keys": cross, "cross_values": cross})


def rules_for(folder: Path, config: Any) -> Rules:
    """The search rules of a model folder, from its generation config (or its config)."""
    from transformers import GenerationConfig

    try:
        generation = GenerationConfig.from_pretrained(folder, local_files_only=True)
    except OSError:
        generation = GenerationConfig.from_model_config(config)
    eos = generation.eos_token_id if generation.eos_token_id is not None else config.eos_token_id
    bad = [ids[0] for ids in (generation.bad_words_ids or []) if len(ids) == 1]
    start = generation.decoder_start_token_id
    start = start if start is not None else config.decoder_start_token_id
    return Rules(start_id=int(start), eos_ids=frozenset([eos] if isinstance(eos, int) else eos),
                 suppress=frozenset(bad), forced_eos=generation.forced_eos_token_id,
                 length_penalty=float(generation.length_penalty if generation.length_penalty is not None else 1.0),
                 early_stopping=generation.early_stopping is True)


class OrtSeq2Seq(cache.Shared):
    """An exported translation model on ONNX Runtime; ``generate`` answers like ``TorchSeq2Seq.generate``."""

    def __init__(self, encoder_path: Path, decoder_path: Path, rules: Rules, device: str = "cpu") -> None:
        self.encoder = runtime.ort_session(str(encoder_path), device=device)
        self.decoder = runtime.ort_session(str(decoder_path), device=device)
        self.rules = rules

    def encode(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys, values = self.encoder.run(ENCODER_IO[1], {"input_ids": input_ids.astype(np.int64),
                                                        "attention_mask": attention_mask.astype(np.int64)})
        return keys, values

    def decode(self, *arrays: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        feeds = dict(zip(DECODER_IO[0], arrays))
        feeds["attention_mask"] = feeds["attention_mask"].astype(np.int64)
        logits, keys, values = self.decoder.run(DECODER_IO[1], feeds)
        return logits, keys, values

    def generate(self, input_ids: np.ndarray, attention_mask: np.ndarray, num_beams: int, max_new_tokens: int,
                 forced_bos_token_id: Optional[int] = None) -> list[list[int]]:
        return search(self.encode, self.decode, input_ids, attention_mask, self.rules, num_beams, max_new_tokens,
                      forced_bos_token_id)

    def greedy(self, input_ids: np.ndarray, attention_mask: np.ndarray, steps: int) -> list[list[int]]:
        """``steps`` argmax tokens per row, with no rules at all: how parity compares the networks."""
        return _greedy_steps(self.encode, self.decode, input_ids, attention_mask, self.rules.start_id, steps)


def _greedy_steps(encode: Any, decode: Any, input_ids: np.ndarray, attention_mask: np.ndarray, start: int,
                  steps: int) -> list[list[int]]:
    cross_keys, cross_values = encode(input_ids, attention_mask)
    layers, batch, heads, _, head_dim = cross_keys.shape
    keys = values = np.zeros((layers, batch, heads, 0, head_dim), dtype=np.float32)
    tokens = np.full((batch, 1), start, dtype=np.int64)
    out = []
    for _ in range(steps):
        logits, keys, values = decode(tokens, attention_mask, keys, values, cross_keys, cross_values)
        tokens = logits.argmax(-1).reshape(batch, 1).astype(np.int64)
        out.append(tokens)
    return np.concatenate(out, axis=1).tolist()


def _torch_greedy(model: Any, input_ids: np.ndarray, attention_mask: np.ndarray, start: int,
                  steps: int) -> list[list[int]]:
    """The same greedy steps through the torch graphs (the reference of the parity check)."""
    import torch

    encoder, decoder = _modules(model)

    def encode(ids: np.ndarray, mask: np.ndarray) -> Any:
        return [t.numpy() for t in encoder(torch.from_numpy(ids), torch.from_numpy(mask))]

    def decode(*arrays: np.ndarray) -> Any:
        return [t.numpy() for t in decoder(*(torch.from_numpy(np.ascontiguousarray(a)) for a in arrays))]

    with torch.inference_mode():
        return _greedy_steps(encode, decode, input_ids, attention_mask, start, steps)


def export_translator(model: os.PathLike | str, quantize: bool = True, device: str = "auto", backend: str = "torch",
                      allow_pickle: bool = False, progress: ProgressFn = None,
                      cancel: Optional[CancelToken] = None) -> dict:
    """Write ``onnx/encoder.onnx`` and ``onnx/decoder.onnx`` (and their ``_int8`` twins), check greedy
    decoding against torch and record the parity in the manifest; returns it. ``device`` and
    ``backend`` do not apply: the export is traced on the CPU in fp32."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    info = store.open_model(model, task="translate", allow_pickle=allow_pickle)
    steps = 4 if quantize else 3
    emit(progress, Progress(0, steps, f"Loading {info.name}"))
    # eager attention: SDPA's is_causal flag becomes symbolic under torch.export and cannot be exported
    net = AutoModelForSeq2SeqLM.from_pretrained(info.path, dtype=torch.float32, attn_implementation="eager",
                                                **store.hf_kwargs(info)).eval()
    if not hasattr(net.get_decoder().layers[0], "encoder_attn"):
        raise ModelDeskError(f"ModelDesk exports Marian, NLLB/M2M100 and mBART translators; {info.name} "
                             f"({info.model_type}) has another layout.")
    tokenizer = AutoTokenizer.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
    fp32 = onnx_paths(info.path, "fp32")
    check(cancel)
    emit(progress, Progress(1, steps, "Exporting to ONNX"))
    _export_fp32(net, *fp32)
    check(cancel)
    if quantize:
        emit(progress, Progress(2, steps, "Quantizing to INT8"))
        for source, target in zip(fp32, onnx_paths(info.path, "int8")):
            onnx_tools.quantize_int8(source, target)
            check(cancel)
    else:
        for path in onnx_paths(info.path, "int8"):   # old INT8 files would no longer match the fp32 ones
            path.unlink(missing_ok=True)
    cache.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == str(info.path))
    emit(progress, Progress(steps - 1, steps, "Checking greedy decoding against torch"))
    rules = rules_for(info.path, net.config)
    enc = tokenizer(list(PARITY_SENTENCES), return_tensors="np", padding=True)
    ids, mask = enc["input_ids"].astype(np.int64), enc["attention_mask"].astype(np.int64)
    reference = _torch_greedy(net, ids, mask, rules.start_id, PARITY_TOKENS)
    decoded = {}
    for kind in ("fp32", "int8") if quantize else ("fp32",):
        check(cancel)
        decoded[kind] = OrtSeq2Seq(*onnx_paths(info.path, kind), rules).greedy(ids, mask, PARITY_TOKENS)
    parity = onnx_tools.sequence_parity(f"greedy decoding, {PARITY_TOKENS} tokens for {len(ids)} fixed sentences",
                                        PARITY_TOKENS, reference, decoded)
    store.write_manifest(info.path, parity=parity)
    emit(progress, Progress(steps, steps, "Exported"))
    return parity


def load_ort_net(info: store.ModelInfo, config: Any, device: str, backend: runtime.Backend) -> OrtSeq2Seq:
    """The ONNX Runtime model of a folder, or a ModelDeskError saying why it cannot run."""
    kind = "int8" if backend is runtime.Backend.ORT_INT8 else "fp32"
    paths = onnx_paths(info.path, kind)
    if not all(path.is_file() for path in paths):
        raise runtime.no_export(info.name, backend)
    return OrtSeq2Seq(*paths, rules_for(info.path, config), device)
