"""Structured pruning of a BERT classifier: whole attention heads and FFN neurons, ranked by importance.

Importance is measured, not guessed (Michel et al., 2019, "Are Sixteen Heads Really Better than
One?"): every head's output and every FFN neuron's activation is multiplied by a gate equal to 1,
and |dL/dgate| summed over the training batches estimates how much the loss would change without
that unit. Scores are normalised per layer (L2) so layers compare; the lowest go first until the
requested share is gone, always keeping one head and one neuron per layer (a layer without heads
has no attention left to run). The result has really smaller matrices, described by
``pruned_bert.PrunedBertConfig``; the same gates, fixed at 0 or 1, give the masked forward pass
that the pruned model must reproduce.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence

import numpy as np
import torch

from models.classify.pruned_bert import (MODEL_TYPE, PrunedBertConfig, PrunedBertForSequenceClassification,
                                        head_size)
from models.core.events import CancelToken, ModelDeskError, check

#: the model types this module prunes
MODEL_TYPES = ("bert", MODEL_TYPE)
#: config entries that the pruned model's own config sets or that transformers writes itself
_NOT_COPIED = ("model_type", "architectures", "transformers_version", "layer_heads", "layer_intermediate")


def bert_layers(model: Any) -> list:
    """The transformer layers of a BERT-family classifier, or a clear error for any other model."""
    if getattr(model.config, "model_type", None) not in MODEL_TYPES:
        raise ModelDeskError(f"Pruning works on BERT classifiers (MiniLM, BERT); this model is a "
                             f"{getattr(model.config, 'model_type', type(model).__name__)}. Distil it instead.")
    return list(model.bert.encoder.layer)


def unit_counts(model: Any) -> tuple[list[int], list[int]]:
    """(attention heads, FFN neurons) per layer, read from the matrices themselves."""
    size = head_size(model.config)
    layers = bert_layers(model)
    return ([layer.attention.self.query.out_features // size for layer in layers],
            [layer.intermediate.dense.out_features for layer in layers])


@contextmanager
def gated(model: Any, head_gates: Sequence[torch.Tensor], neuron_gates: Sequence[torch.Tensor]) -> Iterator[None]:
    """Within this block, each head's attention output and each FFN neuron's activation is multiplied by
    its gate (one tensor per layer): ones change nothing, zeros remove the unit."""
    size = head_size(model.config)
    handles = []
    for layer, heads, neurons in zip(bert_layers(model), head_gates, neuron_gates):
        handles.append(layer.attention.output.dense.register_forward_pre_hook(
            lambda _module, args, g=heads: (args[0] * g.repeat_interleave(size).to(args[0].dtype),)))
        handles.append(layer.output.dense.register_forward_pre_hook(
            lambda _module, args, g=neurons: (args[0] * g.to(args[0].dtype),)))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def importance(model: Any, batches: Iterable[tuple[dict, torch.Tensor]],
               cancel: Optional[CancelToken] = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Gradient importance of every head and FFN neuron (per layer) over (inputs, labels) batches.

    The model runs in eval mode (no dropout); its weights are not changed.
    """
    heads, neurons = unit_counts(model)
    device = next(model.parameters()).device
    gates = [torch.ones(n, device=device, requires_grad=True) for n in heads + neurons]
    scores = [torch.zeros(n, device=device) for n in heads + neurons]
    was_training = model.training
    model.eval()
    try:
        with gated(model, gates[:len(heads)], gates[len(heads):]):
            for inputs, labels in batches:
                check(cancel)
                logits = model(**inputs).logits
                loss = torch.nn.functional.cross_entropy(logits.float(), labels)
                for score, grad in zip(scores, torch.autograd.grad(loss, gates)):
                    score += grad.abs()
    finally:
        model.train(was_training)
    values = [s.cpu().numpy() for s in scores]
    return values[:len(heads)], values[len(heads):]


def choose(scores: Sequence[np.ndarray], share: float) -> dict[int, list[int]]:
    """The units to remove (layer -> indices): ``share`` of all units, lowest normalised score first,
    at least one kept per layer. Ties go to the earlier layer and unit, so the choice is repeatable."""
    normalised = [s / (np.linalg.norm(s) or 1.0) for s in scores]
    budget = int(round(share * sum(len(s) for s in scores)))
    left = [len(s) for s in scores]
    removed: dict[int, list[int]] = {}
    for _value, layer, unit in sorted((float(v), layer, unit) for layer, s in enumerate(normalised)
                                      for unit, v in enumerate(s)):
        if budget == 0:
            break
        if left[layer] > 1:
            removed.setdefault(layer, []).append(unit)
            left[layer] -= 1
            budget -= 1
    return {layer: sorted(units) for layer, units in sorted(removed.items())}


def _kept(counts: Sequence[int], removed: Mapping[int, Sequence[int]], what: str) -> list[list[int]]:
    kept = []
    for layer, count in enumerate(counts):
        gone = set(removed.get(layer, ()))
        if not gone <= set(range(count)):
            raise ModelDeskError(f"Layer {layer} has no {what} {sorted(gone - set(range(count)))}.")
        kept.append([i for i in range(count) if i not in gone])
        if not kept[-1]:
            raise ModelDeskError(f"Layer {layer} would keep no {what}s; keep at least one.")
    unknown = sorted(set(removed) - set(range(len(counts))))
    if unknown:
        raise ModelDeskError(f"The model has no layer {unknown[0]}.")
    return kept


def prune(model: Any, heads: Mapping[int, Sequence[int]],
          neurons: Optional[Mapping[int, Sequence[int]]] = None) -> PrunedBertForSequenceClassification:
    """A new, smaller model without the given heads and FFN neurons (layer -> indices as the model
    numbers them now); the original is left as it was."""
    n_heads, n_neurons = unit_counts(model)
    keep_heads, keep_neurons = _kept(n_heads, heads, "head"), _kept(n_neurons, neurons or {}, "neuron")
    settings = {k: v for k, v in model.config.to_dict().items() if k not in _NOT_COPIED}
    config = PrunedBertConfig(**settings, layer_heads=[len(k) for k in keep_heads],
                              layer_intermediate=[len(k) for k in keep_neurons])
    size = head_size(config)
    state = model.state_dict()
    for i, (head_ids, neuron_ids) in enumerate(zip(keep_heads, keep_neurons)):
        prefix = f"bert.encoder.layer.{i}."
        rows = torch.cat([torch.arange(h * size, (h + 1) * size) for h in head_ids])
        for name in ("attention.self.query", "attention.self.key", "attention.self.value"):
            state[f"{prefix}{name}.weight"] = state[f"{prefix}{name}.weight"][rows]
            state[f"{prefix}{name}.bias"] = state[f"{prefix}{name}.bias"][rows]
        state[f"{prefix}attention.output.dense.weight"] = state[f"{prefix}attention.output.dense.weight"][:, rows]
        kept = torch.tensor(neuron_ids)
        state[f"{prefix}intermediate.dense.weight"] = state[f"{prefix}intermediate.dense.weight"][kept]
        state[f"{prefix}intermediate.dense.bias"] = state[f"{prefix}intermediate.dense.bias"][kept]
        state[f"{prefix}output.dense.weight"] = state[f"{prefix}output.dense.weight"][:, kept]
    parameter = next(model.parameters())
    pruned = PrunedBertForSequenceClassification(config).to(device=parameter.device, dtype=parameter.dtype)
    pruned.load_state_dict(state)
    return pruned.train(model.training)


def gates_for(model: Any, heads: Mapping[int, Sequence[int]],
              neurons: Optional[Mapping[int, Sequence[int]]] = None) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """0/1 gates that remove the given units in a ``gated`` forward pass: the masked model that
    ``prune`` must reproduce."""
    n_heads, n_neurons = unit_counts(model)
    device = next(model.parameters()).device
    head_gates = [torch.ones(n, device=device) for n in n_heads]
    neuron_gates = [torch.ones(n, device=device) for n in n_neurons]
    for gates, removed in ((head_gates, heads), (neuron_gates, neurons or {})):
        for layer, units in removed.items():
            gates[layer][list(units)] = 0.0
    return head_gates, neuron_gates
