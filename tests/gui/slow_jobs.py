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


def slow_transcribe(path, cancel=None, **kwargs):
    """files.transcribe_file, after waiting (until cancelled, at most 20 s) when the file's name says "slow"."""
    from models.core.events import check
    from models.transcribe import files

    if "slow" in str(path):
        for _ in range(400):
            check(cancel)
            time.sleep(0.05)
    return files.transcribe_file(path=path, cancel=cancel, **kwargs)
