"""Greedy and beam search over a stepping network, in numpy (the ONNX Runtime backend).

It follows what ``model.generate`` does for the translation models ModelDesk runs, so the two
backends agree: the decoder starts from ``decoder_start_token_id``; a multilingual target is forced
as the first token; single-token "bad words" (Marian's pad) never come out; the end token is forced
at the last allowed step; a finished hypothesis scores its summed log-probabilities divided by its
length to the power ``length_penalty``.

The network returns only each row's best few next tokens and their log-probabilities (the graph
does the softmax and the top-k), so no step moves a vocabulary-wide array through numpy. A sentence
that is done leaves the batch at once: its rows are dropped from the network's state, so the
remaining steps run on the sentences still being written.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Protocol

import numpy as np

from models.core.events import ModelDeskError


@dataclass(frozen=True)
class Rules:
    """The model's generation settings that shape the search (from its generation config)."""

    start_id: int
    eos_ids: frozenset[int]
    suppress: frozenset[int] = frozenset()
    forced_eos: Optional[int] = None
    length_penalty: float = 1.0
    early_stopping: bool = False


class Network(Protocol):
    """What the search drives. ``start`` encodes a batch; ``step`` feeds one token per row and returns the
    ``top`` best next tokens of each row as (log-probabilities [rows, top], ids [rows, top]) after the
    suppressed tokens are removed, and the grown state; ``keep`` keeps (and reorders) rows of a state."""

    top: int

    def start(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> Any: ...

    def step(self, state: Any, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]: ...

    def keep(self, state: Any, rows: np.ndarray) -> Any: ...


def _forced(rules: Rules, step: int, last: bool, forced_bos: Optional[int]) -> Optional[int]:
    """The token this step must produce, if any (transformers' forced BOS / forced EOS processors)."""
    return forced_bos if step == 0 and forced_bos is not None else (rules.forced_eos if last else None)


def search(net: Network, input_ids: np.ndarray, attention_mask: np.ndarray, rules: Rules, beams: int,
           max_new_tokens: int, forced_bos: Optional[int] = None) -> list[list[int]]:
    """The best translation of each row of ``input_ids``, as generated token ids (without the start token)."""
    if beams == 1:
        return _greedy(net, input_ids, attention_mask, rules, max_new_tokens, forced_bos)
    if 2 * beams > net.top:
        raise ModelDeskError(f"ONNX Runtime searches at most {net.top // 2} beams: choose a smaller beam size, "
                             "or the PyTorch backend.")
    return _beam(net, input_ids, attention_mask, rules, beams, max_new_tokens, forced_bos)


def _greedy(net: Network, input_ids: np.ndarray, attention_mask: np.ndarray, rules: Rules, max_new_tokens: int,
            forced_bos: Optional[int]) -> list[list[int]]:
    batch = input_ids.shape[0]
    state = net.start(input_ids, attention_mask)
    live = np.arange(batch)                                   # the sentence of each row still running
    out: list[list[int]] = [[] for _ in range(batch)]
    tokens = np.full((batch, 1), rules.start_id, dtype=np.int64)
    eos = np.array(sorted(rules.eos_ids), dtype=np.int64)
    for step in range(max_new_tokens):
        _, ids, state = net.step(state, tokens)
        forced = _forced(rules, step, step == max_new_tokens - 1, forced_bos)
        chosen = np.full(len(live), forced, dtype=np.int64) if forced is not None else ids[:, 0].astype(np.int64)
        for row, token in zip(live.tolist(), chosen.tolist()):
            out[row].append(token)
        ended = np.isin(chosen, eos)
        if ended.all():
            break
        if ended.any():
            running = np.flatnonzero(~ended)
            state, live, chosen = net.keep(state, running), live[running], chosen[running]
        tokens = chosen.reshape(-1, 1)
    return out


def _beam(net: Network, input_ids: np.ndarray, attention_mask: np.ndarray, rules: Rules, beams: int,
          max_new_tokens: int, forced_bos: Optional[int]) -> list[list[int]]:
    batch = input_ids.shape[0]
    state = net.keep(net.start(input_ids, attention_mask), np.repeat(np.arange(batch), beams))
    live = list(range(batch))                                 # sentences still searched, beams rows each
    tokens = np.full((batch * beams, 1), rules.start_id, dtype=np.int64)
    history = np.zeros((batch * beams, 0), dtype=np.int64)
    running = np.zeros((batch, beams), dtype=np.float64)
    running[:, 1:] = -np.inf                                  # at first every beam is the same: keep one
    finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(batch)]
    width = 2 * beams
    for step in range(max_new_tokens):
        scores, ids, state = net.step(state, tokens)
        forced = _forced(rules, step, step == max_new_tokens - 1, forced_bos)
        if forced is not None:
            scores, ids = np.zeros((len(ids), 1)), np.full((len(ids), 1), forced, dtype=np.int64)
        else:
            scores, ids = scores[:, :width], ids[:, :width]
        top = scores.shape[1]
        total = (running.reshape(-1, 1) + scores).reshape(len(live), beams * top)
        order = np.argsort(-total, axis=1, kind="stable")[:, :width]
        keep_rows, next_tokens, still = [], [], []
        for j, sentence in enumerate(live):
            picked: list[tuple[int, int, float]] = []
            for flat in order[j]:
                score = float(total[j, flat])
                if score == -np.inf:
                    break
                beam, k = divmod(int(flat), top)
                token = int(ids[j * beams + beam, k])
                if token in rules.eos_ids:
                    finished[sentence].append((score / (step + 1) ** rules.length_penalty,
                                               history[j * beams + beam].tolist() + [token]))
                else:
                    picked.append((beam, token, score))
                if len(picked) == beams:
                    break
            while len(picked) < beams:   # fewer live candidates than beams: pad with dead ones
                picked.append((0, next(iter(rules.eos_ids)), -np.inf))
            hyps = finished[sentence]
            hyps.sort(key=lambda item: -item[0])
            del hyps[beams:]
            if len(hyps) >= beams:
                alive_best = max(s for _, _, s in picked) / (step + 1) ** rules.length_penalty
                if rules.early_stopping or alive_best <= hyps[-1][0]:
                    continue                                 # done: the sentence leaves the batch
            still.append(j)
            running[j] = [score for _, _, score in picked]
            keep_rows += [j * beams + beam for beam, _, _ in picked]
            next_tokens += [token for _, token, _ in picked]
        if not still:
            break
        rows = np.asarray(keep_rows)
        state, history = net.keep(state, rows), np.concatenate(
            [history[rows], np.asarray(next_tokens, dtype=np.int64).reshape(-1, 1)], axis=1)
        running, live = running[still], [live[j] for j in still]
        tokens = history[:, -1:]
    else:
        for j, sentence in enumerate(live):   # out of steps: the live beams count as finished
            for beam in range(beams):
                if running[j, beam] > -np.inf:
                    finished[sentence].append((running[j, beam] / max_new_tokens ** rules.length_penalty,
                                               history[j * beams + beam].tolist()))
    return [max(hyps, key=lambda item: item[0])[1] if hyps else [] for hyps in finished]
