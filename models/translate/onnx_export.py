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

from models.core import cache, onnx_tools, store
from models.core.events import CancelToken, ModelDeskError, Progress, ProgressFn, check, emit
from models.translate import int8_choice
from models.translate.ort_runner import (TOP, OrtSeq2Seq, Steps, greedy_steps, io_names, onnx_paths,
                                          rules_for)

PARITY_TOKENS = 16
PARITY_SENTENCES = ("The weather is nice today.", "Where is the train station?",
                    "I would like two coffees, please.", "This book was written in 1998.")


def _modules(model: Any) -> tuple[Any, Any]:
    """The encoder and the decoder step as the graphs above (torch modules, eval mode)."""
    import torch
    from transformers import DynamicCache, EncoderDecoderCache

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
            # the output layer's own [width, vocab] copy of the (tied) embedding: a plain MatMul on a
            # constant, which the INT8 pass quantizes; the lookup keeps the table
            self.register_buffer("head", model.get_output_embeddings().weight.detach().T.contiguous().clone())
            bias = getattr(model, "final_logits_bias", None)
            self.register_buffer("head_bias", bias.detach().reshape(-1).clone() if bias is not None else None)

        def forward(self, input_ids: Any, attention_mask: Any, bias: Any, past: list, cross: list) -> Any:
            own, shared = DynamicCache(), DynamicCache()
            for layer in range(len(past) // 2):
                own.update(past[2 * layer], past[2 * layer + 1], layer)
                shared.update(cross[2 * layer], cross[2 * layer + 1], layer)
            # the cross cache is full, so the encoder states are never read: only their shape is passed
            hidden = torch.zeros(cross[0].shape[0], cross[0].shape[2], self.inner.config.d_model, dtype=cross[0].dtype)
            out = self.inner.get_decoder()(input_ids=input_ids, encoder_hidden_states=hidden,
                                           encoder_attention_mask=attention_mask,
                                           cache=EncoderDecoderCache(own, shared), use_cache=True)
            logits = out.last_hidden_state[:, -1, :] @ self.head   # the last position only
            if self.head_bias is not None:
                logits = logits + self.head_bias
            scores = torch.log_softmax(logits.float(), dim=-1) + bias
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
        return greedy_steps(Steps(encode, decode, np.zeros(vocab, dtype=np.float32)), input_ids, attention_mask,
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
