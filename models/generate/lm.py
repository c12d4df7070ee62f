"""What every generator backend shares: the loaded model, the torch step function, the end tokens.

A backend gives ``start()``, which returns one decoding's step function: token ids in, next-token
logits out (a torch tensor). The torch model (``TorchLM``), the exported graph (``ort_lm.OrtLM``) and
the blockwise-quantized graph (``ort_lm.QuantLM``) all do, so one loop serves them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from models.core import cache, store

StepFn = Callable[[list[int]], Any]


@dataclass(eq=False)
class LanguageModel(cache.Shared):
    info: store.ModelInfo
    tokenizer: Any
    net: Any                 # has start() -> StepFn: TorchLM, ort_lm.OrtLM or ort_lm.QuantLM
    device: str
    max_positions: Optional[int]
    stop_ids: frozenset[int]
    backend: str = "torch"

    @property
    def model(self) -> Any:
        """The torch model (torch backend only)."""
        return self.net.model

    @property
    def chat(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))


class TorchLM:
    """A transformers causal LM stepped with a DynamicCache."""

    def __init__(self, model: Any, device: str) -> None:
        self.model = model
        self.device = device

    def start(self) -> StepFn:
        import torch
        from transformers import DynamicCache

        state = {"kv": DynamicCache(config=self.model.config)}

        def step(ids: list[int]) -> Any:
            out = self.model(input_ids=torch.tensor([ids], device=self.device), cache=state["kv"], use_cache=True)
            state["kv"] = out.cache
            return out.logits[0, -1]

        return step


def stop_ids(*sources: Any) -> frozenset[int]:
    """Every end-of-sequence id the config, the generation config and the tokenizer name."""
    found: set[int] = set()
    for source in sources:
        value = getattr(source, "eos_token_id", None)
        found.update([value] if isinstance(value, int) else (value or []))
    return frozenset(found)


def greedy_tokens(start: Callable[[], StepFn], prompt: list[int], steps: int) -> list[int]:
    """``steps`` argmax tokens after ``prompt``, with no end token: how parity checks compare two networks."""
    import torch

    with torch.inference_mode():
        step, tokens, feed = start(), [], prompt
        for _ in range(steps):
            tokens.append(int(step(feed).argmax()))
            feed = tokens[-1:]
    return tokens


def forced_tokens(start: Callable[[], StepFn], prompt: list[int], tokens: list[int]) -> list[int]:
    """The argmax token at each of ``tokens``' positions when the network is fed ``tokens`` themselves
    (teacher forcing): token agreement that one early difference does not cascade through."""
    import torch

    with torch.inference_mode():
        step, predicted, feed = start(), [], prompt
        for token in tokens:
            predicted.append(int(step(feed).argmax()))
            feed = [token]
    return predicted
