"""Whisper's encoder and decoder written out as two small torch graphs over a loaded model's weights.

- ``EncoderGraph``: log-mel features (any whole number of 20 ms frames up to 30 s) in, the
  cross-attention keys and values of every decoder layer out, computed once per window;
- ``DecoderGraph``: new token ids and the self-attention cache in, the logits of the last
  position, the grown cache and the alignment heads' raw cross-attention scores of the new
  positions out. One step of the greedy loop feeds one token; word timings (alignment.py) feed a
  whole sequence to an empty cache and keep the scores.

The same modules run the torch backend and are what ``onnx_export`` exports, so both backends
compute the same thing and the greedy loop (decoding.py) drives either. The graphs reuse the
model's own layers (its ``nn.Linear`` and ``nn.LayerNorm`` objects), so forward hooks on the
model still see every step. Batch size is 1 throughout.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn


def _heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """(1, n, d) -> (1, heads, n, d / heads)."""
    return x.view(1, x.shape[1], heads, -1).transpose(1, 2)


def _merge(x: torch.Tensor) -> torch.Tensor:
    """(1, heads, n, dh) -> (1, n, heads * dh)."""
    return x.transpose(1, 2).reshape(1, x.shape[2], -1)


class EncoderGraph(nn.Module):
    """features (1, mels, frames) -> cross keys and values, each (layers, 1, heads, frames / 2, head_dim)."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.encoder = model.model.encoder
        self.layers = model.model.decoder.layers
        self.heads = model.config.decoder_attention_heads

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        enc = self.encoder
        x = nn.functional.gelu(enc.conv1(features))
        x = nn.functional.gelu(enc.conv2(x)).permute(0, 2, 1)
        x = x + enc.embed_positions.weight[:x.shape[1]]
        for layer in enc.layers:
            x = layer(x, None)
            x = x[0] if isinstance(x, tuple) else x
        x = enc.layer_norm(x)
        keys = [_heads(layer.encoder_attn.k_proj(x), self.heads) for layer in self.layers]
        values = [_heads(layer.encoder_attn.v_proj(x), self.heads) for layer in self.layers]
        return torch.stack(keys), torch.stack(values)


class DecoderGraph(nn.Module):
    """(ids (1, n), self keys/values (layers, 1, heads, past, dh), cross keys/values) ->
    (logits of the last position (1, vocab), self keys/values grown by n,
    the alignment heads' scaled cross-attention scores (alignment heads, n, frames))."""

    def __init__(self, model: Any, heads: Sequence[tuple[int, int]]) -> None:
        super().__init__()
        self.decoder = model.model.decoder
        self.proj = model.proj_out
        self.heads = model.config.decoder_attention_heads
        self.alignment_heads = [(int(layer), int(head)) for layer, head in heads]

    def forward(self, ids: torch.Tensor, self_k: torch.Tensor, self_v: torch.Tensor, cross_k: torch.Tensor,
                cross_v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        dec = self.decoder
        past = self_k.shape[3]
        n = ids.shape[1]
        x = dec.embed_tokens(ids) * dec.embed_scale
        x = x + dec.embed_positions.weight[past:past + n]
        total = past + n
        mask = torch.arange(total, device=ids.device)[None, :] > (past + torch.arange(n, device=ids.device))[:, None]
        bias = torch.zeros(n, total, dtype=x.dtype, device=x.device).masked_fill(mask, float("-inf"))
        new_k, new_v, scores = [], [], []
        for i, layer in enumerate(dec.layers):
            attn = layer.self_attn
            h = layer.self_attn_layer_norm(x)
            q = _heads(attn.q_proj(h) * attn.scaling, self.heads)
            k = torch.cat([self_k[i], _heads(attn.k_proj(h), self.heads)], dim=2)
            v = torch.cat([self_v[i], _heads(attn.v_proj(h), self.heads)], dim=2)
            new_k.append(k)
            new_v.append(v)
            weights = torch.softmax(q @ k.transpose(2, 3) + bias, dim=-1)
            x = x + attn.out_proj(_merge(weights @ v))
            cross = layer.encoder_attn
            h = layer.encoder_attn_layer_norm(x)
            q = _heads(cross.q_proj(h) * cross.scaling, self.heads)
            raw = q @ cross_k[i].transpose(2, 3)
            scores += [raw[0, head] for layer_index, head in self.alignment_heads if layer_index == i]
            x = x + cross.out_proj(_merge(torch.softmax(raw, dim=-1) @ cross_v[i]))
            h = layer.final_layer_norm(x)
            x = x + layer.fc2(layer.activation_fn(layer.fc1(h)))
        x = dec.layer_norm(x)
        return self.proj(x[:, -1]).float(), torch.stack(new_k), torch.stack(new_v), torch.stack(scores).float()


def empty_cache(model: Any, dtype: torch.dtype, device: str) -> torch.Tensor:
    """A self-attention cache with no positions yet: (layers, 1, heads, 0, head_dim)."""
    cfg = model.config
    return torch.zeros(cfg.decoder_layers, 1, cfg.decoder_attention_heads, 0,
                       cfg.d_model // cfg.decoder_attention_heads, dtype=dtype, device=device)


class TorchRunner:
    """The torch backend of the greedy loop (recognizer.WhisperRunner): the graphs above, eagerly."""

    def __init__(self, model: Any, heads: Sequence[tuple[int, int]], device: str) -> None:
        self.model, self.device = model, device
        self.dtype = next(model.parameters()).dtype
        self.encoder = EncoderGraph(model)
        self.decoder = DecoderGraph(model, heads)
        self._cross: tuple[torch.Tensor, torch.Tensor] | None = None
        self._self: tuple[torch.Tensor, torch.Tensor] | None = None

    def start(self, features: Any) -> None:
        with torch.inference_mode():
            feats = torch.from_numpy(features).to(self.device, self.dtype)
            self._cross = self.encoder(feats)
        self.rewind()

    def rewind(self) -> None:
        empty = empty_cache(self.model, self.dtype, self.device)
        self._self = (empty, empty)

    def step(self, ids: list[int]) -> Any:
        assert self._cross is not None and self._self is not None
        with torch.inference_mode():
            tensor = torch.tensor([ids], device=self.device)
            logits, keys, values, _ = self.decoder(tensor, *self._self, *self._cross)
        self._self = (keys, values)
        return logits[0].cpu().numpy()

    def scores(self, ids: list[int]) -> Any:
        assert self._cross is not None
        empty = empty_cache(self.model, self.dtype, self.device)
        with torch.inference_mode():
            tensor = torch.tensor([ids], device=self.device)
            return self.decoder(tensor, empty, empty, *self._cross)[3].cpu().numpy()
