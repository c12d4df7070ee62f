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


def slow_faces(**kwargs):
    """models.faces.generation.generate, noting each call in MODELDESK_HOME/renders.txt and taking a second
    first (cancellable), so requests pile up while it runs."""
    import os
    from pathlib import Path

    from models.faces import generation

    with open(Path(os.environ["MODELDESK_HOME"]) / "renders.txt", "a", encoding="utf-8") as log:
        log.write(f"{kwargs['psi']}\n")
    cancel = kwargs.get("cancel")
    if cancel is not None and cancel.wait(1.0):
        return None
    return generation.generate(**kwargs)
