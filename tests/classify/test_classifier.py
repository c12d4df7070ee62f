"""The classifier: probabilities that match the network, batching, files, ONNX fallback, bad input."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from models.classify import classifier
from models.classify.classifier import Classifier, classify_file, classify_texts
from models.core.events import Cancelled, CancelToken, Log, ModelDeskError, Progress
from tests.fixtures.text_models import CLASSIFIER_MAX_LENGTH, LABELS

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXTS = ["the film was good", "bad", "the plot was bad and very slow " * 6, "hello world how are you today",
         "a cat"]


def reference_probs(folder: Path, texts: list[str]) -> np.ndarray:
    """One text at a time straight through transformers: no batching, no padding, no sorting."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    net = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True).eval()
    rows = []
    with torch.no_grad():
        for text in texts:
            enc = tok(text, truncation=True, max_length=CLASSIFIER_MAX_LENGTH, return_tensors="pt")
            rows.append(torch.softmax(net(**enc).logits[0], -1).numpy())
    return np.stack(rows)


def test_batched_probabilities_match_the_network_in_input_order(tiny_text_classifier, monkeypatch):
    monkeypatch.setattr(classifier, "PROGRESS_EVERY", 0.0)   # every batch reports
    events = []
    clf = Classifier.load(tiny_text_classifier)
    probs = clf.predict_proba(TEXTS, batch_size=2, progress=events.append)
    assert clf.labels == list(LABELS)
    assert probs.shape == (len(TEXTS), len(LABELS))
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(probs, reference_probs(tiny_text_classifier, TEXTS), atol=1e-5)
    logs = [e.message for e in events if isinstance(e, Log)]
    assert logs == [f"1 text was longer than {CLASSIFIER_MAX_LENGTH} tokens and was truncated."]
    progress = [e for e in events if isinstance(e, Progress)]
    assert [p.done for p in progress] == [2, 4, 5]
    assert all("texts/s" in p.message for p in progress)


def test_predictions_name_the_most_likely_label(tiny_text_classifier):
    clf = Classifier.load(tiny_text_classifier)
    probs = clf.predict_proba(TEXTS)
    predictions = clf.predict(TEXTS, batch_size=3)
    for row, prediction in zip(probs, predictions):
        assert prediction.label == LABELS[int(row.argmax())]
        assert prediction.score == pytest.approx(float(row.max()))
        assert list(prediction.probs) == list(LABELS)
        assert list(prediction.probs.values()) == pytest.approx(row.tolist())
    assert Classifier.load(tiny_text_classifier) is clf  # cached: a second Run does not reload


def test_classify_texts_returns_plain_records(tiny_text_classifier):
    records = classify_texts(tiny_text_classifier, ["the film was good", "bad"], device="cpu")
    assert [r["text"] for r in records] == ["the film was good", "bad"]
    assert {r["label"] for r in records} <= set(LABELS)
    json.dumps(records)  # plain data: crosses threads and prints as JSON


def test_cancel_between_batches(tiny_text_classifier):
    token = CancelToken()
    seen = []

    def on_event(event):
        if isinstance(event, Progress):
            seen.append(event.done)
            token.cancel()

    clf = Classifier.load(tiny_text_classifier)
    with pytest.raises(Cancelled):
        clf.predict_proba(TEXTS, batch_size=2, progress=on_event, cancel=token)
    assert seen == [2]


@pytest.mark.parametrize("fixture, message", [("tiny_encoder", "is an encoder .* not a classifier"),
                                              ("tiny_gpt2", "is a text generator, not a text classifier")])
def test_models_that_are_not_classifiers_are_refused(request, fixture, message):
    with pytest.raises(ModelDeskError, match=message):
        Classifier.load(request.getfixturevalue(fixture))


def test_bad_inputs_are_one_sentence(tmp_path, tiny_text_classifier):
    with pytest.raises(ModelDeskError, match="does not exist"):
        Classifier.load(tmp_path / "missing")
    with pytest.raises(ModelDeskError, match="Type a text"):
        classify_texts(tiny_text_classifier, ["  "])
    with pytest.raises(ModelDeskError, match="batch size"):
        Classifier.load(tiny_text_classifier).predict_proba(["a"], batch_size=0)
    with pytest.raises(ModelDeskError, match="Unknown backend"):
        Classifier.load(tiny_text_classifier, backend="tensorrt")


def test_pickle_checkpoint_needs_consent(tiny_text_classifier, pickle_only):
    folder = pickle_only(tiny_text_classifier)
    with pytest.raises(ModelDeskError, match="pickle"):
        Classifier.load(folder)
    clf = Classifier.load(folder, allow_pickle=True)
    np.testing.assert_allclose(clf.predict_proba(TEXTS), Classifier.load(tiny_text_classifier).predict_proba(TEXTS),
                               atol=1e-6)


def test_progress_is_reported_a_few_times_a_second_not_per_row(tiny_text_classifier):
    import time

    events = []
    started = time.perf_counter()
    Classifier.load(tiny_text_classifier).predict_proba(TEXTS * 40, batch_size=1, progress=events.append)
    elapsed = time.perf_counter() - started
    done = [e.done for e in events if isinstance(e, Progress)]
    assert done[0] == 1 and done[-1] == len(TEXTS) * 40 and done == sorted(done)
    assert len(done) <= elapsed / classifier.PROGRESS_EVERY + 2 < len(TEXTS) * 40


@pytest.mark.parametrize("backend, label", [("onnx-int8", "ONNX INT8"), ("onnx-fp32", "ONNX fp32")])
def test_onnx_backend_without_export_is_an_error_not_torch(tiny_text_classifier, backend, label):
    from models.core.runtime import BackendUnavailable

    with pytest.raises(BackendUnavailable, match=f"has no {label} export yet: export it on the Models page, "
                                                 "or choose PyTorch"):
        Classifier.load(tiny_text_classifier, backend=backend)
    with pytest.raises(BackendUnavailable):
        classify_texts(tiny_text_classifier, ["the film was good"], backend=backend)


def test_onnx_backend_feeds_ids_and_mask_to_the_export(tiny_text_classifier, tmp_path, monkeypatch):
    """The ORT session (replaced here by the torch network) gets int64 ids and mask, no token types."""
    import shutil

    import torch
    from transformers import AutoModelForSequenceClassification

    from models.classify import ort_runner

    folder = Path(shutil.copytree(tiny_text_classifier, tmp_path / "with-onnx"))
    fp32_file, _ = ort_runner.onnx_paths(folder)
    fp32_file.parent.mkdir(parents=True)
    fp32_file.write_bytes(b"stand-in")
    net = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True).eval()
    feeds = []

    class Session:
        def logits(self, input_ids, attention_mask):
            feeds.append((input_ids.dtype, attention_mask.dtype, input_ids.shape))
            with torch.no_grad():
                return net(input_ids=torch.from_numpy(input_ids),
                           attention_mask=torch.from_numpy(attention_mask)).logits.numpy()

    calls = []
    monkeypatch.setattr(ort_runner, "load_ort_classifier",
                        lambda path, int8, device, allow_pickle: calls.append((Path(path), int8)) or Session())
    clf = Classifier.load(folder, backend="onnx-fp32")
    probs = clf.predict_proba(TEXTS, batch_size=2)
    assert clf.backend == "onnx-fp32" and calls == [(folder, False)]
    assert len(feeds) == 3 and all(d1 == np.int64 and d2 == np.int64 for d1, d2, _ in feeds)
    np.testing.assert_allclose(probs, reference_probs(tiny_text_classifier, TEXTS), atol=1e-5)


def write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_classify_file_adds_label_and_probability_columns(tiny_text_classifier, tmp_path):
    rows = [{"id": "1", "text": "the film was good"}, {"id": "2", "text": ""},
            {"id": "3", "text": "bad, very bad"}, {"id": "4", "text": "hello world"}]
    source = write_csv(tmp_path / "reviews.csv", rows)
    events = []
    summary = classify_file(tiny_text_classifier, source, tmp_path / "out.csv", batch_size=2,
                            progress=events.append)
    assert summary["rows"] == 3 and summary["skipped"] == 1 and summary["text_column"] == "text"
    assert summary["rows_per_s"] > 0 and sum(summary["labels"].values()) == 3
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as fh:
        out = list(csv.DictReader(fh))
    assert list(out[0]) == ["id", "text", "label"] + [f"p_{label}" for label in LABELS]
    assert [r["id"] for r in out] == ["1", "2", "3", "4"]
    assert out[1]["label"] == "" and out[1]["p_neutral"] == ""
    texts = [r["text"] for r in rows if r["text"]]
    expected = reference_probs(tiny_text_classifier, texts)
    written = np.array([[float(r[f"p_{label}"]) for label in LABELS] for r in out if r["text"]])
    np.testing.assert_allclose(written, expected, atol=2e-6)
    assert [r["label"] for r in out if r["text"]] == [LABELS[i] for i in expected.argmax(1)]
    assert any(isinstance(e, Progress) and "rows/s" in e.message for e in events)


def test_classify_file_reads_json_lines_and_checks_the_column(tiny_text_classifier, tmp_path):
    source = tmp_path / "data.jsonl"
    source.write_text('{"review": "the film was good", "stars": 5}\n{"review": "bad", "stars": 1}\n', encoding="utf-8")
    summary = classify_file(tiny_text_classifier, source, tmp_path / "out.csv")
    assert summary["text_column"] == "review" and summary["rows"] == 2
    with pytest.raises(ModelDeskError, match="no column named 'body'"):
        classify_file(tiny_text_classifier, source, tmp_path / "other.csv", text_column="body")
    with pytest.raises(ModelDeskError, match="other than the input"):
        classify_file(tiny_text_classifier, source, source)


def test_stopping_a_file_leaves_no_output(tiny_text_classifier, tmp_path):
    source = write_csv(tmp_path / "in.csv", [{"text": f"text number {i}"} for i in range(6)])
    token = CancelToken()
    with pytest.raises(Cancelled):
        classify_file(tiny_text_classifier, source, tmp_path / "out.csv", batch_size=2, cancel=token,
                      progress=lambda e: isinstance(e, Progress) and e.done >= 2 and token.cancel())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_file_columns_for_the_gui(tmp_path):
    source = write_csv(tmp_path / "in.csv", [{"id": "1", "comment": "a fairly long comment here", "x": "b"}])
    assert classifier.file_columns(source) == {"columns": ["id", "comment", "x"], "text_column": "comment",
                                               "rows": 1}


def test_jobs_sharing_one_cached_classifier_each_get_their_own_answer(tiny_text_classifier):
    """Eight jobs at once through one cached Classifier (and one fast tokenizer), each with its own texts
    and truncation length, get exactly what each gets alone."""
    import threading

    from tests.fixtures.text_models import CORPUS

    jobs = [([f"{CORPUS[i]} {CORPUS[(i + 3) % len(CORPUS)]}", CORPUS[i]], 6 + i) for i in range(8)]
    clf = Classifier.load(tiny_text_classifier)
    alone = [clf.predict_proba(texts, max_length=limit) for texts, limit in jobs]
    assert len({row.tobytes() for row in alone}) == len(jobs)  # the lengths and texts really differ
    start = threading.Barrier(len(jobs))
    got: dict[int, list] = {i: [] for i in range(len(jobs))}

    def job(i: int) -> None:
        texts, limit = jobs[i]
        start.wait()
        for _ in range(30):
            try:
                got[i].append(Classifier.load(tiny_text_classifier).predict_proba(texts, max_length=limit))
            except Exception as exc:  # noqa: BLE001  ("Already borrowed" from the shared tokenizer)
                got[i].append(exc)

    threads = [threading.Thread(target=job, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for i, results in got.items():
        assert len(results) == 30
        for result in results:
            assert isinstance(result, np.ndarray), result
            np.testing.assert_array_equal(result, alone[i])
