"""GPU out of memory in a batch job: retried once at half the batch size, then on the CPU, and said
so; simulated on the CPU by raising the exceptions torch and ONNX Runtime raise."""
from __future__ import annotations

import csv

import pytest
import torch
from onnxruntime.capi.onnxruntime_pybind11_state import RuntimeException

from models.classify import classifier, training
from models.core.events import Log, Progress
from models.core.oom import is_gpu_oom, retry_smaller
from models.translate import translator
from tests.fixtures.training_data import make_rows, write_rows

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TORCH_OOM = torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
ORT_OOM = RuntimeException("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Non-zero status code returned while "
                           "running MatMul node. Status Message: bfc_arena.cc:376 Failed to allocate memory for "
                           "requested buffer of size 134217728")


def test_gpu_out_of_memory_is_recognised_and_nothing_else():
    assert is_gpu_oom(TORCH_OOM) and is_gpu_oom(ORT_OOM)
    assert is_gpu_oom(RuntimeError("CUDA error: out of memory"))
    assert not is_gpu_oom(MemoryError()) and not is_gpu_oom(ValueError("out of memory"))
    assert not is_gpu_oom(RuntimeError("DefaultCPUAllocator: can't allocate memory"))
    assert not is_gpu_oom(RuntimeException("[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : wrong input"))


def notes(events) -> list[str]:
    return [e.message for e in events if isinstance(e, Log)]


@pytest.mark.parametrize("fails, batches, devices, said", [
    (1, [32, 16], ["cuda", "cuda"], ["The GPU ran out of memory at batch size 32; trying again at 16."]),
    (2, [32, 16, 16], ["cuda", "cuda", "cpu"],
     ["The GPU ran out of memory at batch size 32; trying again at 16.",
      "The GPU ran out of memory at batch size 16 too; running on the CPU instead."]),
])
def test_half_the_batch_then_the_cpu(fails, batches, devices, said):
    calls = []

    @retry_smaller()
    def job(items, batch_size=32, device="cuda", progress=None):
        calls.append((batch_size, device))
        if len(calls) <= fails:
            raise TORCH_OOM if len(calls) == 1 else ORT_OOM
        return f"{len(items)} items"

    events = []
    assert job([1, 2, 3], progress=events.append) == "3 items"
    assert calls == list(zip(batches, devices))
    assert notes(events) == said
    assert [e.message for e in events if isinstance(e, Progress)] == said   # the status line says it too


def test_it_gives_up_after_the_cpu_and_never_retries_other_errors():
    calls = []

    @retry_smaller()
    def always_oom(batch_size=1, device="auto", progress=None):
        calls.append((batch_size, device))
        raise TORCH_OOM

    with pytest.raises(torch.cuda.OutOfMemoryError):
        always_oom()
    assert calls == [(1, "auto"), (1, "cpu")]   # a batch of one cannot shrink: straight to the CPU

    @retry_smaller()
    def broken(batch_size=8, device="auto"):
        calls.append("broken")
        raise ValueError("not memory")

    calls.clear()
    with pytest.raises(ValueError):
        broken()
    assert calls == ["broken"]


def test_classify_file_retries_at_half_the_batch(tiny_text_classifier, tmp_path, monkeypatch):
    source = tmp_path / "in.csv"
    source.write_text("text\nthe film was good\nbad plot\n", encoding="utf-8")
    real = classifier.Classifier.iter_proba

    def iter_proba(self, texts, batch_size=32, *args, **kwargs):
        if batch_size > 16:
            raise TORCH_OOM
        return real(self, texts, batch_size, *args, **kwargs)

    monkeypatch.setattr(classifier.Classifier, "iter_proba", iter_proba)
    events = []
    summary = classifier.classify_file(tiny_text_classifier, source, tmp_path / "out.csv", batch_size=32,
                                       progress=events.append)
    assert summary["rows"] == 2
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 2
    assert notes(events) == ["The GPU ran out of memory at batch size 32; trying again at 16."]


def test_translate_falls_back_to_the_cpu(tiny_marian, monkeypatch):
    real = translator.load

    def load(model, device="auto", backend="torch", allow_pickle=False):
        if device != "cpu":
            raise TORCH_OOM
        return real(model, device=device, backend=backend, allow_pickle=allow_pickle)

    monkeypatch.setattr(translator, "load", load)
    events = []
    text = translator.translate(tiny_marian, "the cat sat. a dog runs!", beam_size=1, progress=events.append)
    monkeypatch.setattr(translator, "load", real)
    assert text == translator.translate(tiny_marian, "the cat sat. a dog runs!", beam_size=1)
    assert notes(events)[-1] == "The GPU ran out of memory at batch size 4 too; running on the CPU instead."


def test_training_retries_at_half_the_batch_and_keeps_the_model(train_home, train_encoder, tmp_path, monkeypatch):
    data = write_rows(tmp_path / "train.csv", make_rows(6, seed=4, topics=("sports", "weather")))
    real = training.Session.train_fold

    def train_fold(self, *args, **kwargs):
        if self.config.batch_size > 4:
            raise TORCH_OOM
        return real(self, *args, **kwargs)

    monkeypatch.setattr(training.Session, "train_fold", train_fold)
    events = []
    result = training.train_classifier(model=str(train_encoder), train=str(data), out_name="oom-model", epochs=1,
                                       batch_size=8, progress=events.append)
    assert result.status == "completed" and result.model_path
    assert "The GPU ran out of memory at batch size 8; trying again at 4." in notes(events)
    from models.core import runs

    statuses = sorted(run.status for run in runs.list_runs())
    assert statuses == ["completed", "failed"]   # the first attempt is recorded as failed
