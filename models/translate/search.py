"""Greedy and beam search over an encoder and a decoder-with-past, in numpy (the ONNX Runtime backend).

It follows what ``model.generate`` does for the translation models ModelDesk runs, so the two
backends agree: the decoder starts from ``decoder_start_token_id``; a multilingual target is forced
as the first token; single-token "bad words" (Marian's pad) never come out; the end token is forced
at the last allowed step; a finished hypothesis scores its summed log-probabilities divided by its
length to the power ``length_penalty``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

#: encode(input_ids, attention_mask) -> (cross_keys, cross_values), each [layers, batch, heads, source, head]
Encode = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
#: decode(ids, attention_mask, past_keys, past_values, cross_keys, cross_values) -> (logits, keys, values)
Decode = Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Rules:
    """The model's generation settings that shape the search (from its generation config)."""

    start_id: int
    eos_ids: frozenset[int]
    suppress: frozenset[int] = frozenset()
    forced_eos: Optional[int] = None
    length_penalty: float = 1.0
    early_stopping: bool = False


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _process(logits: np.ndarray, rules: Rules, step: int, last: bool, forced_bos: Optional[int]) -> np.ndarray:
    """Next-token log-probabilities after the model's rules (as transformers' logits processors)."""
    scores = _log_softmax(logits.astype(np.float32))
    if rules.suppress:
        scores[:, list(rules.suppress)] = -np.inf
    forced = forced_bos if step == 0 and forced_bos is not None else (rules.forced_eos if last else None)
    if forced is not None:
        scores[:, :] = -np.inf
        scores[:, forced] = 0.0
    return scores


def search(encode: Encode, decode: Decode, input_ids: np.ndarray, attention_mask: np.ndarray, rules: Rules,
           beams: int, max_new_tokens: int, forced_bos: Optional[int] = None) -> list[list[int]]:
    """The best translation of each row of ``input_ids``, as generated token ids (without the start token)."""
    batch = input_ids.shape[0]
    cross_keys, cross_values = encode(input_ids, attention_mask)
    rows = np.repeat(np.arange(batch), beams)                     # the sentence of each beam row
    cross_keys, cross_values = cross_keys[:, rows], cross_values[:, rows]
    mask = attention_mask[rows]
    layers, _, heads, _, head_dim = cross_keys.shape
    past_keys = np.zeros((layers, batch * beams, heads, 0, head_dim), dtype=cross_keys.dtype)
    past_values = past_keys
    tokens = np.full((batch * beams, 1), rules.start_id, dtype=np.int64)
    history = np.zeros((batch * beams, 0), dtype=np.int64)
    running = np.zeros((batch, beams), dtype=np.float64)
    running[:, 1:] = -np.inf                                       # at first every beam is the same: keep one
    finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(batch)]
    done = np.zeros(batch, dtype=bool)
    for step in range(max_new_tokens):
        logits, past_keys, past_values = decode(tokens, mask, past_keys, past_values, cross_keys, cross_values)
        scores = _process(logits, rules, step, step == max_new_tokens - 1, forced_bos)
        vocab = scores.shape[1]
        total = (running.reshape(-1, 1) + scores).reshape(batch, beams * vocab)
        width = min(beams * vocab, 2 * beams)
        best = np.argsort(-total, axis=1, kind="stable")[:, :width]
        chosen_rows, chosen_tokens = [], []
        for b in range(batch):
            picked: list[tuple[int, int, float]] = []
            for flat in best[b]:
                score = float(total[b, flat])
                if score == -np.inf:
                    break
                beam, token = divmod(int(flat), vocab)
                if token in rules.eos_ids:
                    length = step + 1
                    if not done[b]:
                        finished[b].append((score / length ** rules.length_penalty,
                                            history[b * beams + beam].tolist() + [token]))
                else:
                    picked.append((beam, token, score))
                if len(picked) == beams:
                    break
            while len(picked) < beams:   # fewer live candidates than beams: pad with dead ones
                picked.append((0, next(iter(rules.eos_ids)), -np.inf))
            finished[b].sort(key=lambda item: -item[0])
            del finished[b][beams:]
            if not done[b] and len(finished[b]) >= beams:
                alive_best = max(s for _, _, s in picked) / (step + 1) ** rules.length_penalty
                done[b] = rules.early_stopping or alive_best <= finished[b][-1][0]
            for beam, token, score in picked:
                chosen_rows.append(b * beams + beam)
                chosen_tokens.append(token)
            running[b] = [score for _, _, score in picked]
        if done.all():
            break
        order = np.asarray(chosen_rows)
        past_keys, past_values = past_keys[:, order], past_values[:, order]
        tokens = np.asarray(chosen_tokens, dtype=np.int64).reshape(-1, 1)
        history = np.concatenate([history[order], tokens], axis=1)
    else:
        for b in range(batch):   # out of steps: the live beams count as finished
            for beam in range(beams):
                if not done[b] and running[b, beam] > -np.inf:
                    finished[b].append((running[b, beam] / max_new_tokens ** rules.length_penalty,
                                        history[b * beams + beam].tolist()))
    return [max(hyps, key=lambda item: item[0])[1] if hyps else [] for hyps in finished]
