"""A live session as a job: it leaves torch's thread count alone, and takes every job's runtime options.

torch (OpenMP) keeps the count per thread, and a thread started after a change inherits the
changed count: a session that lowered it made every job started meanwhile run on one thread.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from models.classify.training import train_classifier
from models.core import runtime
from models.core.events import CancelToken, Log, ModelDeskError
from models.transcribe.audio import TARGET_RATE, ArraySource
from models.transcribe.live import run_live


def test_a_training_job_keeps_the_process_thread_count_while_a_live_session_runs(tiny_whisper, train_encoder,
                                                                                topics_csv, train_home):
    before = torch.get_num_threads()
    runtime.set_threads(2)
    try:
        noise = np.random.default_rng(0).normal(0, 0.1, 120 * TARGET_RATE).astype(np.float32)
        listening, stop = threading.Event(), CancelToken()
        outcome: list = []

        def live() -> None:
            def on_event(event: object) -> None:
                if isinstance(event, Log) and event.message.startswith("listening on"):
                    listening.set()
            try:
                outcome.append(run_live(str(tiny_whisper), source=ArraySource(noise, TARGET_RATE, speed=1.0),
                                        autosave=False, progress=on_event, cancel=stop))
            except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
                outcome.append(exc)

        session = threading.Thread(target=live)
        session.start()
        assert listening.wait(60), outcome
        seen: list[int] = []
        results: list = []
        training = threading.Thread(target=lambda: results.append(train_classifier(  # a job has its own thread
            progress=lambda event: seen.append(torch.get_num_threads()), model=str(train_encoder),
            train=str(topics_csv), out_name="beside-live", epochs=1, batch_size=8, patience=0, device="cpu")))
        training.start()
        training.join(120)
        [result] = results
        assert session.is_alive(), "the live session ended before the training job: nothing was tested"
        stop.cancel()
        session.join(30)
        assert result.status == "completed" and len(seen) > 10
        assert set(seen) == {2}
        assert torch.get_num_threads() == 2 and outcome and outcome[0].error is None
    finally:
        torch.set_num_threads(before)


def test_run_live_needs_pickle_consent_then_loads_weights_only(tiny_whisper, pickle_only, torch_loads):
    folder = pickle_only(tiny_whisper)
    quiet = np.zeros(TARGET_RATE, dtype=np.float32)
    with pytest.raises(ModelDeskError, match="has only a pickle checkpoint"):
        run_live(str(folder), source=ArraySource(quiet, TARGET_RATE, speed=None), autosave=False, device="cpu")
    assert torch_loads == []
    with pytest.raises(ModelDeskError, match="has no ONNX INT8 export yet"):   # no silent fall back to torch
        run_live(str(folder), source=ArraySource(quiet, TARGET_RATE, speed=None), autosave=False, device="cpu",
                 backend="onnx-int8", allow_pickle=True)
    result = run_live(str(folder), source=ArraySource(quiet, TARGET_RATE, speed=None), autosave=False, device="cpu",
                      allow_pickle=True)
    assert result.error is None and result.audio_seconds == pytest.approx(1.0, abs=0.1)
    assert torch_loads and set(torch_loads) == {True}
