"""Seq2seq translation models on ONNX Runtime: an encoder and a decoder step, fp32 and INT8.

The graphs are laid out for speed. The encoder graph runs the encoder and also every decoder
layer's cross-attention key/value projections, once per sentence: ``cross_key_<i>``/``cross_value_<i>``
``[batch, heads, source, head_dim]``, one pair per layer. The decoder graph takes the new target
ids, the source mask, each layer's own cache so far (``past_key_<i>``/``past_value_<i>``, ``past`` = 0
on the first step) and the cross cache, and returns each layer's grown cache and, instead of the
vocabulary-wide logits, the ``TOP`` best next tokens' log-probabilities (``bias`` - 0, or -inf for
a suppressed token - added after the log-softmax, as transformers' processors do). One tensor per
layer means no step splits or concatenates a cache stacked over the layers. This holds for every
Bart-style model ModelDesk translates with (Marian, NLLB/M2M100, mBART). Parity is greedy decoding:
the argmax tokens of a few fixed sentences, compared with the same torch graphs.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import numpy as np

from models.core import cache, export_dirs, onnx_tools, runtime, store
from models.core.events import CancelToken, ModelDeskError, Progress, ProgressFn, check, emit
from models.translate import int8_choice
from models.translate.search import Rules, search

FILES = {"fp32": ("encoder.onnx", "decoder.onnx"), "int8": ("encoder_int8.onnx", "decoder_int8.onnx")}
PARITY_TOKENS = 16
PARITY_SENTENCES = ("The weather is nice today.", "Where is the train station?",
                    "I would like two coffees, please.", "This book was written in 1998.")
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


def _modules(model: Any) -> tuple[Any, Any]:
    """The encoder and the decoder step as the graphs above (torch modules, eval mode)."""
    import torch
    from transformers import DynamicCache, EncoderDecoderCache
    from transformers.modeling_outputs import BaseModelOutput

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.inner.get_encoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            out = []
            for layer in self.inner.get_decoder().layers:
                attn = layer.encoder_attn
                shape = (hidden.shape[0], hidden.shape[1], -1, attn.head_dim)
                out += [attn.k_proj(hidden).view(shape).transpose(1, 2), attn.v_proj(hidden).view(shape).transpose(1, 2)]
            return tuple(out)

    class Decoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any, bias: Any, past: list, cross: list) -> Any:
            own, shared = DynamicCache(), DynamicCache()
            for layer in range(len(past) // 2):
                own.update(past[2 * layer], past[2 * layer + 1], layer)
                shared.update(cross[2 * layer], cross[2 * layer + 1], layer)
            # the cross cache is full, so the encoder states are never read: only their shape is passed
            hidden = torch.zeros(cross[0].shape[0], cross[0].shape[2], self.inner.config.d_model, dtype=cross[0].dtype)
            out = self.inner(decoder_input_ids=input_ids, attention_mask=attention_mask,
                             encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
                             cache=EncoderDecoderCache(own, shared), use_cache=True)
            scores = torch.log_softmax(out.logits[:, -1, :].float(), dim=-1) + bias
            best, ids = torch.topk(scores, min(TOP, scores.shape[-1]), dim=-1)
            grown = []
            for layer in out.cache.self_attention_cache.layers:
                grown += [layer.keys, layer.values]
            return (best, ids, *grown)

    return Encoder().eval(), Decoder().eval()


def _export_fp32(model: Any, encoder_path: Path, decoder_path: Path) -> None:
    import torch

    encoder, decoder = _modules(model)
    layers = len(model.get_decoder().layers)
    enc_in, enc_out, dec_in, dec_out = io_names(layers)
    ids = torch.ones((2, 5), dtype=torch.long)
    mask = torch.ones((2, 5), dtype=torch.long)
    source = {0: "batch", 1: "source"}
    onnx_tools.export_graph(encoder, (ids, mask), encoder_path, enc_in, enc_out,
                            {"input_ids": source, "attention_mask": source})
    with torch.no_grad():
        cross = list(encoder(ids, mask))
    past = [torch.zeros(c.shape[:2] + (3,) + c.shape[3:]) for c in cross]
    bias = torch.zeros(model.get_output_embeddings().weight.shape[0])
    own, shared = {0: "batch", 2: "past"}, {0: "batch", 2: "source"}
    onnx_tools.export_graph(decoder, (ids[:, :1], mask, bias, past, cross), decoder_path, dec_in, dec_out,
                            {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": source, "bias": None,
                             "past": [own] * len(past), "cross": [shared] * len(cross)})


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
        self.vocab = int(next(i.shape[0] for i in self.decoder.get_inputs() if i.name == "bias"))
        self.steps = Steps(self.encode, self.decode, suppress_bias(rules, self.vocab))

    def encode(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> list[np.ndarray]:
        return self.encoder.run(self.cross_names, {"input_ids": input_ids, "attention_mask": attention_mask})

    def decode(self, tokens: np.ndarray, mask: np.ndarray, bias: np.ndarray, past: list, cross: list) -> list:
        _, _, names, _ = io_names(len(past) // 2)
        return self.decoder.run(self.output_names, dict(zip(names, [tokens, mask, bias, *past, *cross])))

    def generate(self, input_ids: np.ndarray, attention_mask: np.ndarray, num_beams: int, max_new_tokens: int,
                 forced_bos_token_id: Optional[int] = None) -> list[list[int]]:
        return search(self.steps, input_ids, attention_mask, self.rules, num_beams, max_new_tokens,
                      forced_bos_token_id)

    def greedy(self, input_ids: np.ndarray, attention_mask: np.ndarray, steps: int) -> list[list[int]]:
        """``steps`` argmax tokens per row, with no rules at all: how parity compares the networks."""
        plain = Steps(self.encode, self.decode, np.zeros(self.vocab, dtype=np.float32))
        return _greedy_steps(plain, input_ids, attention_mask, self.rules.start_id, steps)


def _greedy_steps(net: Steps, input_ids: np.ndarray, attention_mask: np.ndarray, start: int,
                  steps: int) -> list[list[int]]:
    state = net.start(input_ids, attention_mask)
    tokens = np.full((input_ids.shape[0], 1), start, dtype=np.int64)
    out = []
    for _ in range(steps):
        _, ids, state = net.step(state, tokens)
        tokens = ids[:, :1].astype(np.int64)
        out.append(tokens)
    return np.concatenate(out, axis=1).tolist()


def _torch_greedy(model: Any, input_ids: np.ndarray, attention_mask: np.ndarray, start: int,
                  steps: int) -> list[list[int]]:
    """The same greedy steps through the torch graphs (the reference of the parity check)."""
    import torch

    encoder, decoder = _modules(model)

    def encode(ids: np.ndarray, mask: np.ndarray) -> Any:
        return [t.numpy() for t in encoder(torch.from_numpy(ids), torch.from_numpy(mask))]

    def decode(tokens: np.ndarray, mask: np.ndarray, bias: np.ndarray, past: list, cross: list) -> Any:
        tensor = lambda a: torch.from_numpy(np.ascontiguousarray(a))   # noqa: E731
        out = decoder(tensor(tokens), tensor(mask), tensor(bias), [tensor(a) for a in past], [tensor(a) for a in cross])
        return [t.numpy() for t in out]

    vocab = model.get_output_embeddings().weight.shape[0]
    with torch.inference_mode():
        return _greedy_steps(Steps(encode, decode, np.zeros(vocab, dtype=np.float32)), input_ids, attention_mask,
                             start, steps)


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
    rules = rules_for(info.path, net.config)
    recipe = {}
    if quantize:
        emit(progress, Progress(2, steps, "Choosing the INT8 recipe that keeps the tokens"))
        chosen = tokenizer(list(int8_choice.CHOICE_SENTENCES), return_tensors="np", padding=True)
        choice_ids, choice_mask = chosen["input_ids"].astype(np.int64), chosen["attention_mask"].astype(np.int64)

        def greedy(paths: tuple[Path, Path]) -> list[list[int]]:
            return OrtSeq2Seq(*paths, rules).greedy(choice_ids, choice_mask, int8_choice.CHOICE_TOKENS)

        vocab = net.get_output_embeddings().weight.shape[0]
        recipe = int8_choice.choose(fp32, onnx_paths(info.path, "int8"), vocab, greedy, lambda: check(cancel))
    else:
        for path in onnx_paths(info.path, "int8"):   # old INT8 files would no longer match the fp32 ones
            path.unlink(missing_ok=True)
    cache.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == str(info.path))
    emit(progress, Progress(steps - 1, steps, "Checking greedy decoding against torch"))
    enc = tokenizer(list(PARITY_SENTENCES), return_tensors="np", padding=True)
    ids, mask = enc["input_ids"].astype(np.int64), enc["attention_mask"].astype(np.int64)
    reference = _torch_greedy(net, ids, mask, rules.start_id, PARITY_TOKENS)
    decoded = {}
    for kind in ("fp32", "int8") if quantize else ("fp32",):
        check(cancel)
        decoded[kind] = OrtSeq2Seq(*onnx_paths(info.path, kind), rules).greedy(ids, mask, PARITY_TOKENS)
    parity = onnx_tools.sequence_parity(f"greedy decoding, {PARITY_TOKENS} tokens for {len(ids)} fixed sentences",
                                        PARITY_TOKENS, reference, decoded)
    for kind, tokens in decoded.items():
        parity[kind]["token_agreement_pct"] = int8_choice.token_agreement_pct(reference, tokens)
    if recipe:
        parity["int8"].update(recipe)
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
