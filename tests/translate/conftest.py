"""Each translation test starts with an empty sentence cache, so none is served another test's sentences."""
from __future__ import annotations

import pytest

from models.translate.sentence_cache import SENTENCES


@pytest.fixture(autouse=True)
def empty_sentence_cache():
    SENTENCES.clear()
    yield
    SENTENCES.clear()
