"""Causal language models: text generation and chat, streamed token by token.

The loop is written out (rather than ``model.generate``) so that every token can
be streamed as soon as it exists and Stop is honoured between two tokens. The
KV cache means each step feeds only the newest token. The same loop runs the
torch model and the ONNX Runtime graphs (``ort_lm``): each gives a
``start()`` that returns one decoding's step function, token ids in, next-token
logits out.

Stop semantics: a stopped generation returns the text produced so far (the
user sees it, so it should not vanish); it raises Cancelled only when Stop came
before the first token, when there is nothing to return.
"""
from __future__ import annotations

import os
import time
from typing import Any, Optional

from models.core import cache, runtime, store
from models.core.events import Cancelled, CancelToken, Data, Log, ModelDeskError, Partial, Progress, ProgressFn, emit
from models.core.tokens import token_limit
from models.generate.lm import LanguageModel, TorchLM, greedy_tokens, stop_ids  # noqa: F401 (greedy_tokens: the API)
from models.generate import prompts
from models.generate.sampling import Sampling
from models.generate.text_stream import StopFilter, StreamDecoder

#: prompt tokens kept as decoding context so the first streamed piece keeps its leading space
_CONTEXT_TOKENS = 4

def load(path_or_name: os.PathLike | str, device: str = "auto", backend: str = "torch",
         allow_pickle: bool = False, progress: ProgressFn = None,
         cancel: Optional[CancelToken] = None) -> LanguageModel:
    """A causal LM with its tokenizer on the chosen device and backend (cached per both). The 4-bit
    backend converts the model on its first use (``progress`` and ``cancel`` serve that conversion)."""
    info = store.open_model(path_or_name, task="generate", allow_pickle=allow_pickle)
    chosen = runtime.parse_backend(backend)
    choice = runtime.choose_device(device)
    key = ("generator", str(info.path), choice.device, chosen.value)
    if chosen is runtime.Backend.TORCH:
        return cache.get_or_load(key, lambda: _build(info, choice))
    if chosen is runtime.Backend.ORT_INT4:
        from models.generate.quantized import load_quantized

        return cache.get_or_load(key, lambda: load_quantized(info, choice.device, progress=progress, cancel=cancel))
    from models.generate.ort_lm import load_ort_lm

    return cache.get_or_load(key, lambda: load_ort_lm(info, choice.device, chosen))


def _build(info: store.ModelInfo, choice: runtime.DeviceChoice) -> LanguageModel:
    if info.weights == "gguf":
        from models.generate import gguf_files

        tokenizer, model = gguf_files.load(info.path, choice.dtype)
    else:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(info.path, dtype=choice.dtype, **store.hf_kwargs(info))
    model.to(choice.device).eval()
    stops = stop_ids(model.config, getattr(model, "generation_config", None), tokenizer)
    return LanguageModel(info, tokenizer, TorchLM(model, choice.device), choice.device,
                         token_limit(tokenizer, model.config, default=None), stops)


def describe(model: os.PathLike | str, device: str = "auto", backend: str = "torch", allow_pickle: bool = False,
             progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> dict:
    """What the Generate page needs to know of a model: chat or completion, and its context.

    It loads the model (cached), so the first reply right after starts at once.
    """
    emit(progress, Progress(0, None, "Loading the model"))
    lm = load(model, device=device, backend=backend, allow_pickle=allow_pickle, progress=progress, cancel=cancel)
    return {"name": lm.info.name, "chat": lm.chat, "context": lm.max_positions, "backend": lm.backend}


# --- choosing tokens ------------------------------------------------------------

def sample_token(logits: Any, sampling: Sampling, generator: Any = None, seen: Any = None) -> int:
    """One token id from next-token logits (1-D), in transformers' order: the repetition penalty on the
    ``seen`` ids, then greedy at temperature 0, else temperature, top-k, top-p (nucleus) and min-p."""
    import torch

    logits = logits.float()
    if seen is not None and sampling.repetition_penalty != 1.0:
        scores = logits[seen]
        logits = logits.scatter(0, seen, torch.where(scores > 0, scores / sampling.repetition_penalty,
                                                     scores * sampling.repetition_penalty))
    if sampling.temperature <= 0:
        return int(logits.argmax())
    logits = logits / sampling.temperature
    if 0 < sampling.top_k < logits.numel():
        kth = torch.topk(logits, sampling.top_k).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if sampling.top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True)
        probs = torch.softmax(sorted_logits, dim=-1)
        before = torch.cumsum(probs, dim=-1) - probs   # mass of the tokens ranked above each one
        drop = before >= sampling.top_p                 # the top token always stays (before == 0)
        logits = logits.masked_fill(torch.zeros_like(drop).scatter(0, order, drop), float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    if sampling.min_p > 0:
        probs = probs.masked_fill(probs < sampling.min_p * probs.max(), 0.0)
    return int(torch.multinomial(probs, 1, generator=generator))


class _Seen:
    """The ids the repetition penalty applies to (prompt and reply), as a tensor rebuilt only when one is new."""

    def __init__(self, ids: list[int], device: Any) -> None:
        self.ids = set(ids)
        self.device = device
        self.tensor = self._build()

    def _build(self) -> Any:
        import torch

        return torch.tensor(sorted(self.ids), dtype=torch.long, device=self.device)

    def add(self, token: int) -> None:
        if token not in self.ids:
            self.ids.add(token)
            self.tensor = self._build()


# --- prompts ------------------------------------------------------------------------

def _prompt(lm: LanguageModel, prompt: str, messages: Optional[list[dict[str, str]]], max_new_tokens: int,
            policy: str, template: str, progress: ProgressFn) -> prompts.Prompt:
    with lm.in_use():
        if messages is None:
            return prompts.completion(lm.tokenizer, prompt, lm.max_positions, progress)
        reserve = min(max_new_tokens, lm.max_positions // 2) if lm.max_positions else max_new_tokens
        return prompts.chat(lm.tokenizer, messages, lm.max_positions, reserve, policy, template, progress)


def context_usage(model: os.PathLike | str, prompt: str = "", messages: Optional[list[dict[str, str]]] = None,
                  max_new_tokens: int = 64, context_policy: str = "drop-oldest", chat_template: str = "model",
                  device: str = "auto", backend: str = "torch", allow_pickle: bool = False,
                  progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> dict:
    """What the context meter shows: the prompt's tokens (the draft included), the context length, whether
    the next turn fits as it is, and how many oldest turns the policy would leave out."""
    lm = load(model, device=device, backend=backend, allow_pickle=allow_pickle, progress=progress, cancel=cancel)
    if messages is not None:
        messages = prompts.check_messages(messages)
    with lm.in_use():
        full = len(prompts.completion(lm.tokenizer, prompt, None).ids) if messages is None else \
            len(prompts.chat(lm.tokenizer, messages, None, 0, context_policy, chat_template).ids)
    fitted = _prompt(lm, prompt, messages, max_new_tokens, "drop-oldest", chat_template, None) \
        if messages is not None else None
    room = lm.max_positions - min(max_new_tokens, lm.max_positions // 2) if lm.max_positions else None
    return {"tokens": full, "context": lm.max_positions, "fits": room is None or full <= room,
            "would_drop": fitted.dropped if fitted else 0, "policy": context_policy}


# --- the loop ---------------------------------------------------------------------

def _readout(count: int, first: float, now: float) -> str:
    """"12 tokens · first token 0.21 s · 38.5 tokens/s" (the rate counts the tokens after the first)."""
    rate = f" · {(count - 1) / (now - first):,.1f} tokens/s" if count > 1 and now > first else ""
    return f"{count} token{'s' if count != 1 else ''} · first token {first:.2f} s{rate}"


def generate(model: os.PathLike | str, prompt: str = "", messages: Optional[list[dict[str, str]]] = None,
             max_new_tokens: int = 64, temperature: float = 0.8, top_k: int = 50, top_p: float = 0.95,
             min_p: float = 0.0, repetition_penalty: float = 1.0, seed: Optional[int] = None,
             stop: tuple[str, ...] | list[str] = (), device: str = "auto", backend: str = "torch",
             allow_pickle: bool = False, context_policy: str = "drop-oldest", chat_template: str = "model",
             progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> str:
    """Continue ``prompt``, or answer the chat ``messages`` (system, user and assistant turns, the user's last)
    through the model's chat template (``chat_template`` "plain": as "Role: text" lines); each decoded piece
    is emitted as ``Partial`` and the text is returned. ``context_policy`` (prompts.POLICIES) says what
    happens when the chat outgrows the context; ``Data("prompt", …)`` holds the exact text sent, its
    tokens, the context and the turns dropped.

    Ends at an end-of-sequence token, before the first stop string, after ``max_new_tokens`` or at the
    model's last position. The same seed with the same settings gives the same text. Progress messages
    read out the time to the first token and then tokens per second; a ``Data("generation", …)`` at the
    end holds the same figures and why it ended.
    """
    import torch

    sampling = Sampling(temperature, top_k, top_p, min_p, repetition_penalty, max_new_tokens, seed,
                        tuple(stop)).check()
    prompts.check_policy(context_policy)
    if chat_template not in prompts.TEMPLATES:
        raise ModelDeskError(f"Unknown chat template mode '{chat_template}'; choose model or plain.")
    if messages is not None:
        messages = prompts.check_messages(messages)
    emit(progress, Progress(0, max_new_tokens, "Loading the model"))
    lm = load(model, device=device, backend=backend, allow_pickle=allow_pickle, progress=progress, cancel=cancel)
    fitted = _prompt(lm, prompt, messages, max_new_tokens, context_policy, chat_template, progress)
    emit(progress, Data("prompt", fitted.facts()))
    ids = fitted.ids
    budget = min(max_new_tokens, lm.max_positions - len(ids)) if lm.max_positions else max_new_tokens
    logits_device = lm.device if lm.backend == "torch" else "cpu"
    generator = torch.Generator(device=logits_device).manual_seed(int(seed)) if seed is not None else None
    seen = _Seen(ids, logits_device) if repetition_penalty != 1.0 else None
    decoder = StreamDecoder(lm.tokenizer, ids[-_CONTEXT_TOKENS:])
    stops = StopFilter(sampling.stop)
    pieces: list[str] = []

    def show(text: str) -> None:
        if text:
            pieces.append(text)
            emit(progress, Partial(text))

    started = time.perf_counter()
    first = 0.0
    count, ended, step_input = 0, "length", ids
    with torch.inference_mode(), lm.in_use():
        step = lm.net.start()
    with torch.inference_mode():
        while count < budget:
            if cancel is not None and cancel.cancelled:
                ended = "cancelled"
                break
            with lm.in_use():
                logits = step(step_input)
                token = sample_token(logits, sampling, generator, seen.tensor if seen else None)
                if token in lm.stop_ids:
                    ended = "end"
                    break
                piece = decoder.push(token)
            count += 1
            if count == 1:
                first = time.perf_counter() - started
            if seen is not None:
                seen.add(token)
            show(stops.push(piece))
            if stops.hit:
                ended = "stop"
                break
            emit(progress, Progress(count, budget, _readout(count, first, time.perf_counter() - started)))
            step_input = [token]
    with lm.in_use():
        tail = decoder.flush()
    if not stops.hit:
        show(stops.push(tail))
        show("" if stops.hit else stops.flush())
        ended = "stop" if stops.hit else ended
    elapsed = time.perf_counter() - started
    if ended == "length" and budget < max_new_tokens:
        ended = "limit"
        emit(progress, Log(f"Stopped at the model's limit of {lm.max_positions} tokens."))
    emit(progress, Data("generation", {"tokens": count, "first_token_s": first, "ended": ended,
                                       "tokens_per_s": (count - 1) / (elapsed - first) if count > 1 else 0.0,
                                       "readout": _readout(count, first, elapsed) if count else ""}))
    if ended == "cancelled":
        if not pieces:
            raise Cancelled()
        emit(progress, Log(f"Stopped after {count} tokens."))
    return "".join(pieces)
