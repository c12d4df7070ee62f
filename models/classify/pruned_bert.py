"""A BERT classifier whose layers keep different numbers of attention heads and FFN neurons.

Why a config of our own: transformers 5 removed ``pruned_heads`` (and head masks), and
``BertConfig`` gives every layer the same ``num_attention_heads`` and ``intermediate_size``; the
head size is always ``hidden_size / num_attention_heads``, so no setting of it describes "layer 2
keeps 7 heads of 32 dimensions". ``PrunedBertConfig`` is ``BertConfig`` plus two per-layer lists:

- ``layer_heads[i]``: the attention heads layer i kept (each still ``hidden_size /
  num_attention_heads`` wide, so its query/key/value matrices have ``layer_heads[i] * head_size``
  rows and its attention output matrix as many columns);
- ``layer_intermediate[i]``: the FFN neurons layer i kept (rows of its intermediate matrix,
  columns of its output matrix).

The weights keep BERT's names, only smaller. BERT's attention already infers the number of heads
from the size of its projections, so the forward pass is BERT's own, unchanged. The model type
``modeldesk_pruned_bert`` is registered with transformers' Auto classes when this module is
imported; ``models.core.store.open_model`` imports it for such a folder, so the normal classifier
path (``AutoModelForSequenceClassification.from_pretrained``, never remote code) loads it. Outside
ModelDesk, import this module first (or use the folder's ONNX export, which needs nothing).
"""
from __future__ import annotations

from typing import Any

from huggingface_hub.dataclasses import strict
from torch import nn
from transformers import AutoConfig, AutoModelForSequenceClassification, BertConfig, BertForSequenceClassification

MODEL_TYPE = "modeldesk_pruned_bert"


@strict
class PrunedBertConfig(BertConfig):
    """BertConfig with the heads and FFN neurons each layer kept (see the module docstring)."""

    model_type = MODEL_TYPE
    layer_heads: list[int] | None = None
    layer_intermediate: list[int] | None = None

    def __post_init__(self, **kwargs: Any) -> None:
        if self.layer_heads is None:
            self.layer_heads = [self.num_attention_heads] * self.num_hidden_layers
        if self.layer_intermediate is None:
            self.layer_intermediate = [self.intermediate_size] * self.num_hidden_layers
        super().__post_init__(**kwargs)

    def validate_architecture(self) -> None:
        super().validate_architecture()
        for name in ("layer_heads", "layer_intermediate"):
            values = getattr(self, name)
            if len(values) != self.num_hidden_layers or min(values, default=1) < 1:
                raise ValueError(f"{name} must give each of the {self.num_hidden_layers} layers at least 1")
        if max(self.layer_heads) > self.num_attention_heads:
            raise ValueError("a layer cannot keep more heads than num_attention_heads")


def head_size(config: Any) -> int:
    return config.hidden_size // config.num_attention_heads


class PrunedBertForSequenceClassification(BertForSequenceClassification):
    """BertForSequenceClassification with each layer's matrices cut to the sizes its config lists."""

    config_class = PrunedBertConfig

    def __init__(self, config: PrunedBertConfig) -> None:
        super().__init__(config)
        hidden = config.hidden_size
        for layer, heads, neurons in zip(self.bert.encoder.layer, config.layer_heads, config.layer_intermediate):
            width = heads * head_size(config)
            attention = layer.attention
            attention.self.query = nn.Linear(hidden, width)
            attention.self.key = nn.Linear(hidden, width)
            attention.self.value = nn.Linear(hidden, width)
            attention.output.dense = nn.Linear(width, hidden)
            layer.intermediate.dense = nn.Linear(hidden, neurons)
            layer.output.dense = nn.Linear(neurons, hidden)
        self.post_init()


AutoConfig.register(MODEL_TYPE, PrunedBertConfig, exist_ok=True)
AutoModelForSequenceClassification.register(PrunedBertConfig, PrunedBertForSequenceClassification, exist_ok=True)
