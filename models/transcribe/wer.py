"""Word error rate: how far recognised text is from a reference, for tests and benchmarks.

Both texts are normalised first (lowercase, punctuation removed) so that
"Hello, world." and "hello world" count as the same words.
"""
from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w\s']|_")


def normalise(text: str) -> list[str]:
    """Lowercase words without punctuation (apostrophes inside words kept: "don't")."""
    text = unicodedata.normalize("NFKC", text).lower()
    words = _NOT_WORD.sub(" ", text).split()
    return [w.strip("'") for w in words if w.strip("'")]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by edit distance over words.

    An empty reference gives 0.0 for an empty hypothesis and 1.0 otherwise.
    """
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, hyp_word in enumerate(hyp, start=1):
            current[j] = min(previous[j] + 1,                            # deletion
                             current[j - 1] + 1,                         # insertion
                             previous[j - 1] + (ref_word != hyp_word))  # substitution or match
        previous = current
    return previous[-1] / len(ref)
