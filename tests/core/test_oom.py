"""GPU out of memory in a batch job: retried once at half the batch size, then on the CPU, and said
so. Simulated on the CPU by making the innermost call (the torch model's forward, ONNX Runtime's
``InferenceSession.run``) raise the exception types torch and ONNX Runtime raise, with every layer of
the app's own code (``runtime.explain_oom``, the caches, the job functions) in place."""
from __future__ import annotations

import csv
import shutil

import onnxruntime
import pytest
import torch
from onnxruntime.capi.onnxruntime_pybind11_state import Fail, RuntimeException
from transformers import BertForSequenceClassification
from transformers.models.marian.modeling_marian import MarianEncoder

from cli.translate import DocumentStream
from models.classify import classifier, training
from models.classify.onnx_export import export_classifier
from models.core import runs, runtime
from models.core.events import Log, Partial, Progress
from models.core.oom import is_gpu_oom, retry_smaller
from models.translate import translator
from models.translate.onnx_export import export_translator
from models.translate.sentence_cache import SENTENCES
from tests.fixtures.training_data import make_rows, write_rows

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TORCH_OOM = torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
ORT_OOM = RuntimeException("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Non-zero status code returned while "
                           "running MatMul node. Status Message: bfc_arena.cc:376 Failed to allocate memory for "
                           "requested buffer of size 134217728")
ORT_CUDA_FAIL = Fail("[ONNXRuntimeError] : 1 : FAIL : CUDA failure 2: out of memory ; GPU=0 ; "
                     "expr=cudaMalloc((void**)&p, size);")
HALF_THEN_CPU = ["The GPU ran out of memory at batch size {0}; trying again at {1}.",
                 "The GPU ran out of memory at batch size {1} too; running on the CPU instead."]


def said(batch: int) -> list[str]:
    return [line.format(batch, batch // 2) for line in HALF_THEN_CPU]


def notes(events) -> list[str]:
    return [e.message for e in events if isinstance(e, Log) and "GPU" in e.message]


class FailingCalls:
    """A stand-in for the innermost call that raises ``error`` on its first ``fails`` calls that
    ``counts`` (all of them by default), and otherwise calls the real one."""

    def __init__(self, real, error: BaseException, fails: int, batch_of=lambda *a, **k: 0,
                 counts=lambda *a, **k: True) -> None:
        self.real, self.error, self.fails = real, error, fails
        self.batch_of, self.counts = batch_of, counts
        self.failed_batches: list[int] = []

    def method(self):
        """This stand-in as a function, so that setting it on a class binds it like the real method."""
        return lambda *args, **kwargs: self(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        if self.counts(*args, **kwargs) and len(self.failed_batches) < self.fails:
            self.failed_batches.append(self.batch_of(*args, **kwargs))
            raise self.error
        return self.real(*args, **kwargs)


def torch_rows(model, input_ids=None, *args, **kwargs) -> int:
    return int(input_ids.shape[0])


def ort_rows(session, outputs, feeds, *args, **kwargs) -> int:
    return int(feeds["input_ids"].shape[0])


def is_encoder_run(session, outputs, feeds, *args, **kwargs) -> bool:
    return "past_keys" not in feeds


# --- recognising it ------------------------------------------------------------------------------

def test_gpu_out_of_memory_is_recognised_and_nothing_else():
    assert is_gpu_oom(TORCH_OOM) and is_gpu_oom(ORT_OOM) and is_gpu_oom(ORT_CUDA_FAIL)
    assert is_gpu_oom(RuntimeError("CUDA error: out of memory"))
    assert not is_gpu_oom(MemoryError()) and not is_gpu_oom(ValueError("out of memory"))
    assert not is_gpu_oom(RuntimeError("DefaultCPUAllocator: can't allocate memory"))
    assert not is_gpu_oom(RuntimeException("[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : wrong input"))


@pytest.mark.parametrize("error", [TORCH_OOM, ORT_OOM, ORT_CUDA_FAIL])
def test_it_is_recognised_through_the_apps_own_wrapping(error):
    with pytest.raises(runtime.BackendUnavailable) as raised:
        with runtime.explain_oom("cuda"):
            raise error
    assert "GPU is out of memory" in str(raised.value) and is_gpu_oom(raised.value)
    try:   # raised while handling it counts too (``raise ... from None`` keeps the context)
        try:
            raise error
        except Exception:
            raise ValueError("could not run the batch") from None
    except ValueError as wrapped:
        assert is_gpu_oom(wrapped)


# --- the retry itself ----------------------------------------------------------------------------

@pytest.mark.parametrize("fails, batches, devices", [(1, [32, 16], ["cuda", "cuda"]),
                                                      (2, [32, 16, 16], ["cuda", "cuda", "cpu"])])
def test_half_the_batch_then_the_cpu(fails, batches, devices):
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
    assert notes(events) == said(32)[:fails]
    assert [e.message for e in events if isinstance(e, Progress)] == said(32)[:fails]   # the status line too


def test_it_gives_up_after_the_cpu_and_never_retries_other_errors():
    calls = []

    @retry_smaller()
    def always_oom(batch_size=1, device="auto", progress=None):
        calls.append((batch_size, device))
        raise TORCH_OOM

    with pytest.raises(torch.OutOfMemoryError):
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


# --- the real jobs, torch and ONNX Runtime -------------------------------------------------------

def write_texts(path, count: int):
    path.write_text("text\n" + "".join(f"the film {i} was good\n" for i in range(count)), encoding="utf-8")
    return path


@pytest.mark.parametrize("backend", ["torch", "onnx-fp32"])
def test_classify_file_retries_at_half_the_batch_then_on_the_cpu(backend, tiny_onnx_classifier, tmp_path,
                                                                  monkeypatch):
    if backend == "torch":
        failing = FailingCalls(BertForSequenceClassification.forward, TORCH_OOM, 2, torch_rows)
        monkeypatch.setattr(BertForSequenceClassification, "forward", failing.method())
    else:
        export_classifier(tiny_onnx_classifier, quantize=False)
        failing = FailingCalls(onnxruntime.InferenceSession.run, ORT_OOM, 2, ort_rows)
        monkeypatch.setattr(onnxruntime.InferenceSession, "run", failing.method())
    source = write_texts(tmp_path / "in.csv", 40)
    events = []
    summary = classifier.classify_file(tiny_onnx_classifier, source, tmp_path / "out.csv", batch_size=32,
                                       backend=backend, progress=events.append)
    assert failing.failed_batches == [32, 16]   # the retry's batches really were half as large
    assert summary["rows"] == 40
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 40
    assert notes(events) == said(32)


def test_without_a_retry_left_the_user_reads_a_sentence(tiny_onnx_classifier, tmp_path, monkeypatch):
    failing = FailingCalls(BertForSequenceClassification.forward, TORCH_OOM, 1)
    monkeypatch.setattr(BertForSequenceClassification, "forward", failing.method())
    with pytest.raises(runtime.BackendUnavailable, match="GPU is out of memory"):
        classifier.classify_file(tiny_onnx_classifier, write_texts(tmp_path / "in.csv", 3), tmp_path / "out.csv",
                                 device="cpu")   # already on the CPU: nothing to retry
    assert not (tmp_path / "out.csv").exists()


def test_training_retries_at_half_the_batch_then_on_the_cpu(train_home, train_encoder, tmp_path, monkeypatch):
    data = write_rows(tmp_path / "train.csv", make_rows(12, seed=4, topics=("sports", "weather")))
    failing = FailingCalls(BertForSequenceClassification.forward, TORCH_OOM, 2, torch_rows)
    monkeypatch.setattr(BertForSequenceClassification, "forward", failing.method())
    events = []
    result = training.train_classifier(model=str(train_encoder), train=str(data), out_name="oom-model", epochs=1,
                                       batch_size=8, progress=events.append)
    first, retry = failing.failed_batches   # batches are shuffled: the first one seen may be a remainder
    assert first <= 8 and retry <= 4
    assert result.status == "completed" and result.model_path
    assert notes(events) == said(8)
    statuses = sorted(run.status for run in runs.list_runs())
    assert statuses == ["completed", "failed", "failed"]   # each failed attempt is recorded as failed


DOCUMENT = "".join(f"the cat sat on mat {n}\n" for n in range(6))   # sentences of one length: in order


@pytest.fixture(scope="module")
def exported_marian(tiny_marian, tmp_path_factory):
    folder = tmp_path_factory.mktemp("oom-mt") / "marian"
    shutil.copytree(tiny_marian, folder)
    export_translator(folder, quantize=False)
    return folder


@pytest.mark.parametrize("backend", ["torch", "onnx-fp32"])
def test_document_translation_restarts_its_stream_cleanly(backend, exported_marian, tmp_path, monkeypatch,
                                                          capsys):
    source = tmp_path / "doc.txt"
    source.write_text(DOCUMENT, encoding="utf-8")
    settings = dict(beam_size=1, backend=backend)
    clean = translator.translate_file(exported_marian, source, batch_size=1, **settings)["text"]
    SENTENCES.clear()   # the attempts below must reach the model, not the sentences just translated
    # the first attempt fails at its second batch, after its first lines were shown; the retry at once
    if backend == "torch":
        failing = FailingCalls(MarianEncoder.forward, TORCH_OOM, 2, torch_rows)
        real, owner, name = MarianEncoder.forward, MarianEncoder, "forward"
    else:
        failing = FailingCalls(onnxruntime.InferenceSession.run, ORT_OOM, 2, ort_rows, is_encoder_run)
        real, owner, name = onnxruntime.InferenceSession.run, onnxruntime.InferenceSession, "run"
    encoder_calls = []

    def second_batch_fails(*args, **kwargs):
        if failing.counts(*args, **kwargs):
            encoder_calls.append(1)
            if len(encoder_calls) == 1:
                return real(*args, **kwargs)
        return failing(*args, **kwargs)

    monkeypatch.setattr(owner, name, second_batch_fails)   # a function: binds like the real method
    events = []
    cli = DocumentStream()
    capsys.readouterr()

    def both(event):
        events.append(event)
        cli(event)

    result = translator.translate_file(exported_marian, source, batch_size=2, progress=both, **settings)
    assert result["text"] == clean
    assert failing.failed_batches == [2, 1]
    assert notes(events) == said(2)
    partials = [e for e in events if isinstance(e, Partial)]
    restarts = [i for i, e in enumerate(partials) if e.restart]
    assert len(restarts) == 2
    if backend == "torch":   # torch streams the first batch's lines before the second batch fails
        assert restarts[0] > 0
    assert "".join(e.text for e in partials[restarts[-1]:]) == clean   # after the restart: all of it, once
    assert capsys.readouterr().out == clean   # the CLI printed each line once

