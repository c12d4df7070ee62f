"""Job targets that slow a real model down, for tests that must press Stop half way (they run in
the engine process, where a test's monkeypatch cannot reach)."""
from __future__ import annotations

import time

from models.generate import generator


def slow_generate(**kwargs):
    """generator.generate with 20 ms per sampled token."""
    real = generator.sample_token

    def slow(*args, **kw):
        time.sleep(0.02)
        return real(*args, **kw)

    generator.sample_token = slow
    try:
        return generator.generate(**kwargs)
    finally:
        generator.sample_token = real
