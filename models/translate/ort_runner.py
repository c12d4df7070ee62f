"""The exported translation graphs on ONNX Runtime (see ``onnx_export`` for their inputs and outputs).

``OrtSeq2Seq`` drives the encoder and the decoder-step sessions through the shared numpy search
(``search``); ``Steps`` is that search's network over any encode/decode pair, so the exporter's
parity check runs the torch graphs through the very same loop.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import numpy as np

from models.core import cache, export_dirs, runtime, store
from models.translate.search import Rules, search

FILES = {"fp32": ("encoder.onnx", "decoder.onnx"), "int8": ("encoder_int8.onnx", "decoder_int8.onnx")}
#: next tokens the decoder graph returns per row: beams up to TOP // 2
TOP = 32


def onnx_paths(folder: os.PathLike | str, kind: str) -> tuple[Path, Path]:
    """(encoder, decoder) files of a model folder's ``kind`` ("fp32" or "int8") export."""
    base = export_dirs.onnx_dir(folder)
    return base / FILES[kind][0], base / FILES[kind][1]


def io_names(layers: int) -> tuple[list[str], list[str], list[str], list[str]]:
    """(encoder inputs, encoder outputs, decoder inputs, decoder outputs) of a ``layers``-layer decoder."""
    cross = [f"cross_{kv}_{i}" for i in range(layers) for kv in ("key", "value")]
    past = [f"past_{kv}_{i}" for i in range(layers) for kv in ("key", "value")]
    grown = [f"{kv}_{i}" for i in range(layers) for kv in ("key", "value")]
    return (["input_ids", "attention_mask"], cross, ["input_ids", "attention_mask", "bias", *past, *cross],
            ["scores", "ids", *grown])


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


class Steps:
    """The search's ``Network`` over an encode and a decode function with the graphs' inputs and outputs
    (ONNX Runtime sessions, or the torch modules for the parity check). The state is
    (source mask, [past key, past value per layer], [cross key, cross value per layer])."""

    top = TOP

    def __init__(self, encode: Any, decode: Any, bias: np.ndarray) -> None:
        self.encode, self.decode, self.bias = encode, decode, bias

    def start(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> Any:
        ids, mask = input_ids.astype(np.int64), attention_mask.astype(np.int64)
        cross = list(self.encode(ids, mask))
        past = [np.zeros(c.shape[:2] + (0,) + c.shape[3:], dtype=c.dtype) for c in cross]
        return mask, past, cross

    def step(self, state: Any, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
        mask, past, cross = state
        scores, ids, *grown = self.decode(tokens, mask, self.bias, past, cross)
        return scores, ids, (mask, grown, cross)

    def keep(self, state: Any, rows: np.ndarray) -> Any:
        mask, past, cross = state
        return mask[rows], [a[rows] for a in past], [a[rows] for a in cross]


def suppress_bias(rules: Rules, vocab: int) -> np.ndarray:
    """The ``bias`` input: -inf for the tokens the rules never let out, 0 elsewhere."""
    bias = np.zeros(vocab, dtype=np.float32)
    bias[[t for t in rules.suppress if t < vocab]] = -np.inf
    return bias


class OrtSeq2Seq(cache.Shared):
    """An exported translation model on ONNX Runtime; ``generate`` answers like ``TorchSeq2Seq.generate``."""

    def __init__(self, encoder_path: Path, decoder_path: Path, rules: Rules, device: str = "cpu") -> None:
        # no spinning: numpy runs between the decoder's short steps, and the CPU is shared with the GUI
        self.encoder = runtime.ort_session(str(encoder_path), device=device, spinning=False)
        self.decoder = runtime.ort_session(str(decoder_path), device=device, spinning=False)
        self.rules = rules
        self.cross_names = [o.name for o in self.encoder.get_outputs()]
        self.output_names = [o.name for o in self.decoder.get_outputs()]
        self.input_names = io_names(len(self.cross_names) // 2)[2]
        self.vocab = int(next(i.shape[0] for i in self.decoder.get_inputs() if i.name == "bias"))
        self.steps = Steps(self.encode, self.decode, suppress_bias(rules, self.vocab))

    def encode(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> list[np.ndarray]:
        return self.encoder.run(self.cross_names, {"input_ids": input_ids, "attention_mask": attention_mask})

    def decode(self, tokens: np.ndarray, mask: np.ndarray, bias: np.ndarray, past: list, cross: list) -> list:
        return self.decoder.run(self.output_names, dict(zip(self.input_names, [tokens, mask, bias, *past, *cross])))

    def generate(self, input_ids: np.ndarray, attention_mask: np.ndarray, num_beams: int, max_new_tokens: int,
                 forced_bos_token_id: Optional[int] = None) -> list[list[int]]:
        return search(self.steps, input_ids, attention_mask, self.rules, num_beams, max_new_tokens,
                      forced_bos_token_id)

    def greedy(self, input_ids: np.ndarray, attention_mask: np.ndarray, steps: int) -> list[list[int]]:
        """``steps`` argmax tokens per row, with no rules at all: how parity compares the networks."""
        plain = Steps(self.encode, self.decode, np.zeros(self.vocab, dtype=np.float32))
        return greedy_steps(plain, input_ids, attention_mask, self.rules.start_id, steps)


def greedy_steps(net: Steps, input_ids: np.ndarray, attention_mask: np.ndarray, start: int,
                  steps: int) -> list[list[int]]:
    state = net.start(input_ids, attention_mask)
    tokens = np.full((input_ids.shape[0], 1), start, dtype=np.int64)
    out = []
    for _ in range(steps):
        _, ids, state = net.step(state, tokens)
        tokens = ids[:, :1].astype(np.int64)
        out.append(tokens)
    return np.concatenate(out, axis=1).tolist()


def load_ort_net(info: store.ModelInfo, config: Any, device: str, backend: runtime.Backend) -> OrtSeq2Seq:
    """The ONNX Runtime model of a folder, or a ModelDeskError saying why it cannot run."""
    kind = "int8" if backend is runtime.Backend.ORT_INT8 else "fp32"
    paths = onnx_paths(info.path, kind)
    if not all(path.is_file() for path in paths):
        raise runtime.no_export(info.name, backend)
    return OrtSeq2Seq(*paths, rules_for(info.path, config), device)
