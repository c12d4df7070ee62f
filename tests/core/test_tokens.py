"""The one token-limit rule: the smaller of the tokenizer's limit and the position table, when known."""
from __future__ import annotations

from types import SimpleNamespace as Obj

import pytest

from models.core.tokens import token_limit

UNKNOWN = int(1e30)  # what transformers gives a tokenizer that knows no limit


@pytest.mark.parametrize("tokenizer, config, expected", [
    (Obj(model_max_length=512), Obj(max_position_embeddings=40), 40),        # the training helper said 512
    (Obj(model_max_length=128), Obj(max_position_embeddings=514), 128),      # RoBERTa: two positions reserved
    (Obj(model_max_length=UNKNOWN), Obj(max_position_embeddings=64), 64),
    (Obj(model_max_length=UNKNOWN), Obj(n_positions=1024), 1024),            # GPT-2 names it differently
    (Obj(model_max_length=2048), Obj(n_positions=1024), 1024),
    (Obj(model_max_length=256), Obj(), 256),                                 # rotary models may say nothing
    (Obj(), Obj(max_position_embeddings=0), 512),                            # nothing usable: the default
    (Obj(model_max_length=UNKNOWN), Obj(max_position_embeddings=None), 512),
])
def test_the_smaller_known_limit_wins(tokenizer, config, expected):
    assert token_limit(tokenizer, config) == expected


def test_the_default_can_be_no_limit():
    assert token_limit(Obj(model_max_length=UNKNOWN), Obj(), default=None) is None
