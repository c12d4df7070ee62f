"""INT8 for the translation graphs that keeps the tokens: a recipe chosen by token agreement.

A greedy decoder turns one flipped argmax into a different rest of the sentence, so the INT8
export is judged by whole tokens, not by logits. The recipes run from fastest to closest (8-bit
weights in blocks of 128 with 8-bit activations; blocks of 32; then the output layer, the widest
product and the one that picks the token, with fp32 activations; then every product so). Each is
tried on ``CHOICE_SENTENCES`` - sentences the reported parity never sees - and the first whose
greedy tokens agree with fp32's on at least ``MIN_AGREEMENT_PCT`` of tokens is kept (else the
closest). The reported parity is measured afterwards on other sentences.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from models.core import fileio, quantization

MIN_AGREEMENT_PCT = 99.0
CHOICE_TOKENS = 24
CHOICE_SENTENCES = ("Please send me the report before Friday.", "The museum is closed on Mondays.",
                    "My brother plays the guitar in a small band.", "Can you recommend a good restaurant nearby?",
                    "It rained all night, so the roads were wet.", "We will meet at the station at noon.")


@dataclass(frozen=True)
class Recipe:
    """How the graphs are quantized: weight block size, and where activations stay fp32."""
    block: int
    fp32_head: bool = False      # the output layer's product with fp32 activations
    fp32_all: bool = False       # every product with fp32 activations (8-bit weights only)

    def words(self) -> str:
        where = ("fp32 activations" if self.fp32_all else
                 "8-bit activations, output layer fp32 activations" if self.fp32_head else "8-bit activations")
        return f"8-bit weights in blocks of {self.block}, {where}"


RECIPES = (Recipe(128), Recipe(32), Recipe(32, fp32_head=True), Recipe(32, fp32_all=True))


def token_agreement_pct(reference: list[list[int]], other: list[list[int]]) -> float:
    """The share of the reference's tokens that ``other`` has at the same place."""
    total = sum(len(r) for r in reference)
    same = sum(a == b for r, o in zip(reference, other) for a, b in zip(r, o))
    return 100.0 * same / max(total, 1)


def quantize(recipe: Recipe, sources: tuple[Path, Path], targets: tuple[Path, Path], vocab: int) -> None:
    """Write the INT8 encoder and decoder of ``recipe``."""
    level = 1 if recipe.fp32_all else 4
    for source, target in zip(sources, targets):
        quantization.weight_only_int8(source, target, block=recipe.block, accuracy_level=level)
    if recipe.fp32_head and not recipe.fp32_all:
        _head_in_fp32(targets[1], vocab)


def _head_in_fp32(path: Path, vocab: int) -> None:
    """Give the decoder's output layer (the MatMulNBits with ``vocab`` outputs) fp32 activations."""
    import onnx
    from onnx import helper

    model = onnx.load(str(path))
    for node in model.graph.node:
        attrs = {a.name: a for a in node.attribute}
        if node.op_type == "MatMulNBits" and helper.get_attribute_value(attrs["N"]) == vocab:
            attrs["accuracy_level"].i = 1
    with fileio.atomic_path(path, suffix=".onnx") as tmp:
        onnx.save(model, str(tmp))


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
