"""Job targets that slow a real model down, for tests that must press Stop half way (they run in
the engine process, where a test's monkeypatch cannot reach)."""
from __future__ import annotations

import time

from models.generate import generator
from models.translate import translator


def slow_generate(**kwargs):
    """generator.generate with 20 ms per sampled token."""
    return _slowed(generator, "sample_token", 0.02, generator.generate, kwargs)


def _slowed(module, name: str, seconds: float, target, kwargs: dict):
    """Run ``target(**kwargs)`` with ``module.name`` taking ``seconds`` longer per call."""
    real = getattr(module, name)

    def slow(*args, **kw):
        time.sleep(seconds)   # simulates a slower model
        return real(*args, **kw)

    setattr(module, name, slow)
    try:
        return target(**kwargs)
    finally:
        setattr(module, name, real)


def step_generate(**kwargs):
    """generator.generate with 250 ms per token step: Stop lands between clearly separate steps."""
    return _slowed(generator, "sample_token", 0.25, generator.generate, kwargs)


def slow_translate(**kwargs):
    """translator.translate that waits 2 s before its batch unless Stop comes first: a newer request, typed
    meanwhile, finds it still running whatever the machine's load."""
    real, token = translator._translate_batch, kwargs["cancel"]

    def waiting(*args, **kw):
        token.wait(2.0)
        return real(*args, **kw)

    translator._translate_batch = waiting
    try:
        return translator.translate(**kwargs)
    finally:
        translator._translate_batch = real


def slow_translate_file(**kwargs):
    """translator.translate_file with 300 ms per batch, to press Stop half way through a document."""
    return _slowed(translator, "_translate_batch", 0.3, translator.translate_file, kwargs)


def slow_transcribe(path, cancel=None, **kwargs):
    """files.transcribe_file, after waiting (until cancelled, at most 20 s) when the file's name says "slow"."""
    from models.core.events import check
    from models.transcribe import files

    if "slow" in str(path) and cancel is not None and cancel.wait(20.0):
        check(cancel)
    return files.transcribe_file(path=path, cancel=cancel, **kwargs)


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


def oom_translate_file(**kwargs):
    """translator.translate_file whose model's encoder raises torch's GPU out-of-memory error at its
    second batch: the job is retried after streaming its first lines."""
    import torch
    from transformers.models.marian.modeling_marian import MarianEncoder

    real, calls = MarianEncoder.forward, []

    def forward(*args, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(*args, **kw)

    MarianEncoder.forward = forward
    try:
        return translator.translate_file(**kwargs)
    finally:
        MarianEncoder.forward = real
