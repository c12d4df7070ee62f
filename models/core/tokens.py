"""How many tokens a model accepts: one answer for every task (classify, train, generate, translate).

Two sources say it, and either may be missing or wrong: the tokenizer's ``model_max_length``
(a huge sentinel when the tokenizer knows no limit, and sometimes larger than the network's
table) and the config's position table (``max_position_embeddings``; GPT-2 says ``n_positions``).
Going past the position table fails inside the network, so the smaller known one wins.
"""
from __future__ import annotations

from typing import Any, Optional

#: a tokenizer reports this (or more) when it knows no limit of its own
NO_LIMIT = 100_000
#: config attributes that size a model's position table, by architecture
POSITION_NAMES = ("max_position_embeddings", "n_positions")


def token_limit(tokenizer: Any, config: Any, default: Optional[int] = 512) -> Optional[int]:
    """The longest input ``tokenizer`` and ``config`` together allow, or ``default`` when neither says."""
    candidates = [getattr(tokenizer, "model_max_length", None)]
    candidates += [getattr(config, name, None) for name in POSITION_NAMES]
    known = [int(n) for n in candidates if isinstance(n, (int, float)) and 0 < n < NO_LIMIT]
    return min(known) if known else default
