"""Causal language models: text generation streamed token by token.

The loop is written out (rather than ``model.generate``) so that every token can
be streamed as soon as it exists and Stop is honoured between two tokens. The
KV cache (a ``DynamicCache``) means each step feeds only the newest token.

Stop semantics: a stopped generation returns the text produced so far (the
user sees it, so it should not vanish); it raises Cancelled only when Stop came
before the first token, when there is nothing to return.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Optional

from models.core import cache, runtime, store
from models.core.tokens import token_limit
from models.core.events import Cancelled, CancelToken, Log, ModelDeskError, Partial, Progress, ProgressFn, emit

#: prompt tokens kept as decoding context so the first streamed piece keeps its leading space
_CONTEXT_TOKENS = 4


@dataclass(eq=False)
class LanguageModel(cache.Shared):
    info: store.ModelInfo
    tokenizer: Any
    model: Any
    device: str
    max_positions: Optional[int]
    stop_ids: frozenset[int]


def load(path_or_name: os.PathLike | str, device: str = "auto", allow_pickle: bool = False) -> LanguageModel:
    """A causal LM with its tokenizer, in eval mode on the chosen device (cached)."""
    info = store.open_model(path_or_name, task="generate", allow_pickle=allow_pickle)
    choice = runtime.choose_device(device)
    return cache.get_or_load(("generator", str(info.path), choice.device, "torch"), lambda: _build(info, choice))


def _build(info: store.ModelInfo, choice: runtime.DeviceChoice) -> LanguageModel:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(info.path, dtype=choice.dtype, **store.hf_kwargs(info))
    model.to(choice.device).eval()
    stop: set[int] = set()
    for source in (model.config, getattr(model, "generation_config", None), tokenizer):
        value = getattr(source, "eos_token_id", None)
        stop.update([value] if isinstance(value, int) else (value or []))
    return LanguageModel(info, tokenizer, model, choice.device, token_limit(tokenizer, model.config, default=None),
                         frozenset(stop))


def sample_token(logits: Any, temperature: float, top_k: int, top_p: float, generator: Any = None) -> int:
    """One token id from next-token logits (1-D): greedy at temperature 0, else top-k, then nucleus (top-p)."""
    import torch

    if temperature <= 0:
        return int(logits.argmax())
    logits = logits.float() / temperature
    if 0 < top_k < logits.numel():
        kth = torch.topk(logits, top_k).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True)
        probs = torch.softmax(sorted_logits, dim=-1)
        before = torch.cumsum(probs, dim=-1) - probs   # mass of the tokens ranked above each one
        drop = before >= top_p                          # the top token always stays (before == 0)
        logits = logits.masked_fill(torch.zeros_like(drop).scatter(0, order, drop), float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    return int(torch.multinomial(probs, 1, generator=generator))


class StreamDecoder:
    """Turns token ids into text pieces as they arrive.

    A byte-level BPE token may hold half a UTF-8 character and SentencePiece
    drops a word's leading space when a token is decoded alone, so each new
    piece is the difference between decoding a short window with and without
    the newest tokens, held back while it ends in an incomplete character.
    """

    def __init__(self, tokenizer: Any, context: list[int]) -> None:
        self.tokenizer = tokenizer
        self.ids = list(context)
        self.prefix = 0
        self.read = len(self.ids)

    def _text(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def push(self, token_id: int) -> str:
        self.ids.append(token_id)
        before = self._text(self.ids[self.prefix:self.read])
        after = self._text(self.ids[self.prefix:])
        if after.endswith("\ufffd") or len(after) <= len(before):
            return ""
        self.prefix, self.read = self.read, len(self.ids)
        return after[len(before):]

    def flush(self) -> str:
        """Whatever is still held back (an incomplete character at the very end)."""
        before = self._text(self.ids[self.prefix:self.read])
        after = self._text(self.ids[self.prefix:])
        self.prefix = self.read = len(self.ids)
        return after[len(before):] if len(after) > len(before) else ""


def _check_settings(max_new_tokens: int, temperature: float, top_k: int, top_p: float) -> None:
    if max_new_tokens < 1:
        raise ModelDeskError("Ask for at least one new token.")
    if temperature < 0:
        raise ModelDeskError("The temperature cannot be negative (0 means always the most likely token).")
    if top_k < 0:
        raise ModelDeskError("Top-k cannot be negative (0 turns it off).")
    if not 0 < top_p <= 1:
        raise ModelDeskError("Top-p must be above 0 and at most 1 (1 turns it off).")


def _prompt_ids(lm: LanguageModel, prompt: str, progress: ProgressFn) -> list[int]:
    """The prompt's token ids, cut from the left when it leaves no room to generate."""
    if not isinstance(prompt, str):
        raise ModelDeskError("The prompt must be text.")
    ids = lm.tokenizer(prompt, verbose=False)["input_ids"] if prompt else []
    if not ids:
        bos = lm.tokenizer.bos_token_id
        if bos is None:
            raise ModelDeskError("Write a prompt first: this model has no start token to begin from nothing.")
        ids = [bos]
    if lm.max_positions and len(ids) >= lm.max_positions:
        keep = max(1, lm.max_positions // 2)
        emit(progress, Log(f"The prompt has {len(ids)} tokens but the model sees at most {lm.max_positions}; "
                           f"only its last {keep} tokens are used.", level="warning"))
        ids = ids[-keep:]
    return ids


def generate(model: os.PathLike | str, prompt: str, max_new_tokens: int = 64, temperature: float = 0.8,
             top_k: int = 50, top_p: float = 0.95, seed: Optional[int] = None, device: str = "auto",
             backend: str = "torch", allow_pickle: bool = False, progress: ProgressFn = None,
             cancel: Optional[CancelToken] = None) -> str:
    """Continue ``prompt``; each decoded piece is emitted as ``Partial`` and the continuation is returned.

    Stops at an end-of-sequence token, after ``max_new_tokens`` or at the model's
    last position. The same seed with the same settings gives the same text.
    """
    import torch
    from transformers import DynamicCache

    _check_settings(max_new_tokens, temperature, top_k, top_p)
    runtime.torch_only(backend, "generating", progress)
    emit(progress, Progress(0, max_new_tokens, "Loading the model"))
    lm = load(model, device=device, allow_pickle=allow_pickle)
    with lm.in_use():
        ids = _prompt_ids(lm, prompt, progress)
    budget = min(max_new_tokens, lm.max_positions - len(ids)) if lm.max_positions else max_new_tokens
    generator = None
    if seed is not None:
        generator = torch.Generator(device=lm.device).manual_seed(int(seed))
    decoder = StreamDecoder(lm.tokenizer, ids[-_CONTEXT_TOKENS:])
    pieces: list[str] = []
    kv = DynamicCache(config=lm.model.config)
    step_input = torch.tensor([ids], device=lm.device)
    started = time.perf_counter()
    count = 0
    with torch.inference_mode():
        for count in range(budget):
            if cancel is not None and cancel.cancelled:
                break
            with lm.in_use():
                out = lm.model(input_ids=step_input, cache=kv, use_cache=True)
                kv = out.cache
                token = sample_token(out.logits[0, -1], temperature, top_k, top_p, generator)
                if token in lm.stop_ids:
                    break
                piece = decoder.push(token)
            if piece:
                pieces.append(piece)
                emit(progress, Partial(piece))
            rate = (count + 1) / max(time.perf_counter() - started, 1e-9)
            emit(progress, Progress(count + 1, budget, f"{count + 1} tokens · {rate:,.1f} tokens/s"))
            step_input = torch.tensor([[token]], device=lm.device)
        else:
            count = budget
    with lm.in_use():
        tail = decoder.flush()
    if tail:
        pieces.append(tail)
        emit(progress, Partial(tail))
    if cancel is not None and cancel.cancelled:
        if not pieces:
            raise Cancelled()
        emit(progress, Log(f"Stopped after {count} tokens."))
    elif count >= budget and budget < max_new_tokens:
        emit(progress, Log(f"Stopped at the model's limit of {lm.max_positions} tokens."))
    return "".join(pieces)
