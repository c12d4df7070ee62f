"""INT8 for the translation graphs that keeps the tokens: a recipe chosen by token agreement.

A greedy decoder turns one flipped argmax into a different rest of the sentence, so the INT8
export is judged by whole tokens, not by logits. The recipes run from fastest to closest: 8-bit
weights per output channel and 8-bit embedding tables, with 8-bit activations scaled per run (ORT's
dynamic quantization, whose int8 products run 2.5-4x faster than ``MatMulNBits`` at batch 16 and as
fast at batch 1, here on AVX-512 VNNI); the same with the output layer - the widest product, and the one that picks the
token - left fp32; then 8-bit weights in blocks of 32. (8-bit blocks with fp32 activations are not
offered: ONNX Runtime has no fast kernel for them, 20x slower than fp32 at the output layer.) Each
is tried on ``CHOICE_SENTENCES`` - sentences the reported parity never sees - and the first whose
greedy tokens agree with fp32's on at least ``MIN_AGREEMENT_PCT`` of tokens is kept (else the
closest). The reported parity is measured afterwards on other sentences.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from models.core import quantization

MIN_AGREEMENT_PCT = 99.0
CHOICE_TOKENS = 24
CHOICE_SENTENCES = ("Please send me the report before Friday.", "The museum is closed on Mondays.",
                    "My brother plays the guitar in a small band.", "Can you recommend a good restaurant nearby?",
                    "It rained all night, so the roads were wet.", "We will meet at the station at noon.")


@dataclass(frozen=True)
class Recipe:
    """How the graphs are quantized: per-channel (``block`` 0) or blockwise weights, and whether the
    output layer stays fp32."""
    block: int = 0
    fp32_head: bool = False

    def words(self) -> str:
        weights = f"in blocks of {self.block}" if self.block else "per output channel"
        head = ", output layer fp32" if self.fp32_head else ""
        tables = "" if self.block else ", 8-bit lookup tables"
        return f"8-bit weights {weights}, 8-bit activations{tables}{head}"


RECIPES = (Recipe(), Recipe(fp32_head=True), Recipe(32))


def token_agreement_pct(reference: list[list[int]], other: list[list[int]]) -> float:
    """The share of the reference's tokens that ``other`` has at the same place."""
    total = sum(len(r) for r in reference)
    same = sum(a == b for r, o in zip(reference, other) for a, b in zip(r, o))
    return 100.0 * same / max(total, 1)


def quantize(recipe: Recipe, sources: tuple[Path, Path], targets: tuple[Path, Path], vocab: int) -> None:
    """Write the INT8 encoder and decoder of ``recipe``."""
    for source, target in zip(sources, targets):
        if recipe.block:
            quantization.weight_only_int8(source, target, block=recipe.block)
        else:
            _per_channel(source, target, vocab if recipe.fp32_head else None)


def _per_channel(source: Path, target: Path, fp32_width: int | None) -> None:
    """Dynamic INT8 of every MatMul on a constant weight, except those ``fp32_width`` wide (the output layer),
    and 8-bit lookup tables (the token and position embeddings: a quarter of the memory, as fast or faster).
    The exporter's shape hints are dropped first: they confuse the quantizer's own inference."""
    import onnx

    model = onnx.load(str(source))
    del model.graph.value_info[:]
    weights = {init.name: init for init in model.graph.initializer}
    nodes = [node.name for node in model.graph.node if node.op_type == "MatMul" and node.input[1] in weights
             and weights[node.input[1]].dims[-1] != fp32_width
             or node.op_type == "Gather" and node.input[0] in weights and len(weights[node.input[0]].dims) == 2]
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)   # the quantizer's advice to pre-process goes to the root logger
    try:
        quantization.dynamic_int8(model, target, op_types=("MatMul", "Gather"), nodes=nodes)
    finally:
        root.setLevel(level)


def choose(sources: tuple[Path, Path], targets: tuple[Path, Path], vocab: int,
           greedy: Callable[[tuple[Path, Path]], list[list[int]]], check: Callable[[], None]) -> dict:
    """Quantize with the first recipe that keeps the tokens on the choice sentences (``greedy`` decodes
    them with a pair of graph files); returns ``{"recipe", "choice_agreement_pct"}`` of the one kept."""
    reference = greedy(sources)
    best: tuple[float, Recipe] | None = None
    for recipe in RECIPES:
        check()
        quantize(recipe, sources, targets, vocab)
        written = recipe
        agree = token_agreement_pct(reference, greedy(targets))
        if best is None or agree > best[0]:
            best = (agree, recipe)
        if agree >= MIN_AGREEMENT_PCT:
            break
    agree, recipe = best
    if recipe != written:   # none kept the tokens: go back to the closest
        quantize(recipe, sources, targets, vocab)
    return {"recipe": recipe.words(), "choice_agreement_pct": agree}
