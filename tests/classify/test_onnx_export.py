"""ONNX export, INT8 chosen on a calibration set, the parity report, on tiny random BERT classifiers."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.classify import onnx_export
from models.classify.calibration import builtin_texts, calibration_set
from models.classify.onnx_export import export_classifier
from models.classify.ort_runner import load_ort_classifier, onnx_paths
from models.core import export_dirs, runtime, store
from models.core.events import Cancelled, CancelToken, Log, ModelDeskError, Progress
from tests.fixtures.text_models import LABELS
from tests.fixtures.training_data import write_rows

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _torch_logits(folder, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    import torch
    from transformers import AutoModelForSequenceClassification

    net = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True).eval()
    with torch.no_grad():
        return net(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits.numpy()


def _ops(path: Path) -> list[str]:
    import onnx

    return [node.op_type for node in onnx.load(str(path)).graph.node]


def _weights(path: Path) -> dict[str, str]:
    """Weight matrices of a graph, by name: FLOAT or INT8."""
    import onnx

    return {init.name: onnx.TensorProto.DataType.Name(init.data_type) for init in onnx.load(str(path)).graph.initializer
            if len(init.dims) == 2 and init.data_type != onnx.TensorProto.INT64}


def two_blocks(folder: Path) -> Path:
    """The tiny classifier grown to two transformer blocks (random weights), so a sweep has a choice."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig.from_pretrained(folder)
    config.num_hidden_layers = 2
    torch.manual_seed(1)
    BertForSequenceClassification(config).eval().save_pretrained(folder)
    return folder


def test_export_keeps_embeddings_and_head_fp32_and_reports_parity(tiny_onnx_classifier):
    events = []
    parity = export_classifier(tiny_onnx_classifier, progress=events.append)
    fp32_file, int8_file = onnx_paths(tiny_onnx_classifier)
    for path in (fp32_file, int8_file, runtime.optimized_path(fp32_file), runtime.optimized_path(int8_file)):
        assert path.stat().st_size > 0, path
    assert not [p for p in fp32_file.parent.iterdir() if p.name.startswith(".")], "temp files left behind"
    # no rows of the user's (not fine-tuned here, no file given): the built-in set, split, and said plainly
    assert parity["source"] == "builtin" and not parity["labelled"]
    assert parity["rows"] + parity["chooser_rows"] == len(set(builtin_texts())) and parity["chooser_rows"] > 0
    assert parity["set"] == (f"built-in sentences only ({parity['rows']} held out, unlabelled), "
                             "not checked on your data")
    assert any("checked on built-in sentences only" in e.message for e in events if isinstance(e, Log))
    assert set(parity["fp32"]) == set(parity["int8"]) == {"agreement_pct", "max_prob_diff"}
    assert parity["fp32"]["agreement_pct"] == 100.0 and parity["fp32"]["max_prob_diff"] < 1e-5
    # measured on this fixture: INT8 agrees on all 42 sentences, max |Δp| 4e-5; a broken export fails these
    assert parity["int8"]["agreement_pct"] >= 95.0 and parity["int8"]["max_prob_diff"] < 1e-2
    manifest = store.read_manifest(tiny_onnx_classifier)   # the report is kept with the export
    assert manifest["parity"] == parity and not (tiny_onnx_classifier / store.MANIFEST).exists()
    assert manifest["quantization"]["fp32"] == ["embeddings", "classification head"]
    assert manifest["quantization"]["int8_blocks"] == manifest["quantization"]["blocks"] == 1
    assert manifest["quantization"]["met_targets"] and "sensitivity_kl" not in manifest["quantization"]  # no sweep
    # the six linear layers of the block run on int8; the embeddings are looked up in fp32, the head is fp32
    assert _ops(int8_file).count("MatMulInteger") == 6
    weights = _weights(int8_file)
    assert list(weights.values()).count("INT8") == 6
    assert {name: kind for name, kind in weights.items() if "embeddings" in name or "classifier" in name
            or "pooler" in name} == {"inner.bert.embeddings.word_embeddings.weight": "FLOAT",
                                     "inner.bert.embeddings.position_embeddings.weight": "FLOAT",
                                     "inner.bert.embeddings.token_type_embeddings.weight": "FLOAT",
                                     "inner.bert.pooler.dense.weight": "FLOAT", "inner.classifier.weight": "FLOAT"}
    assert store.inspect(tiny_onnx_classifier).has_onnx
    progress = [e for e in events if isinstance(e, Progress)]
    assert progress[-1].fraction == 1.0

    # dynamic axes: a batch size and length other than the export's example, with padding
    rng = np.random.default_rng(0)
    ids = rng.integers(5, 60, size=(5, 11)).astype(np.int64)
    mask = np.ones_like(ids)
    mask[2, 7:] = 0
    expected = _torch_logits(tiny_onnx_classifier, ids, mask)
    fp32 = load_ort_classifier(tiny_onnx_classifier, int8=False).logits(ids, mask)
    np.testing.assert_allclose(fp32, expected, atol=1e-4)
    int8 = load_ort_classifier(tiny_onnx_classifier, int8=True).logits(ids, mask)
    assert int8.shape == expected.shape
    assert np.abs(int8 - expected).max() < 0.1  # quantized, yet close on a tiny model
    assert load_ort_classifier(tiny_onnx_classifier, int8=True) is load_ort_classifier(tiny_onnx_classifier, int8=True)


def test_a_calibration_file_is_labelled_rows_in_the_models_label_order(tiny_text_classifier, tmp_path):
    rows = [{"text": text, "label": LABELS[(i * 2) % len(LABELS)]} for i, text in enumerate(builtin_texts())]
    info = store.inspect(tiny_text_classifier)
    calib = calibration_set(info, list(LABELS), str(write_rows(tmp_path / "calibration.csv", rows)))
    assert (calib.origin, calib.source) == ("calibration.csv", "user")
    assert calib.texts == builtin_texts() and calib.y.tolist() == [(i * 2) % len(LABELS) for i in range(len(rows))]
    # no label column (or one that holds none of the model's labels): unlabelled rows, agreement only
    bare = calibration_set(info, list(LABELS), str(write_rows(tmp_path / "bare.jsonl",
                                                               [{"text": t} for t in builtin_texts()])))
    assert bare.texts == builtin_texts() and bare.y is None and bare.source == "user"
    too_few = write_rows(tmp_path / "few.csv", [{"text": "the same text", "label": "positive"}] * 40)
    with pytest.raises(ModelDeskError, match="few.csv has 1 distinct text"):
        calibration_set(info, list(LABELS), str(too_few))
    # some of the model's labels and one it does not know: a mistake, said so
    unknown = write_rows(tmp_path / "other.csv", _varied_rows(11)[:10] + [{"text": "a text", "label": "elsewhere"}])
    with pytest.raises(ModelDeskError, match="other.csv has label\\(s\\) the model does not know: elsewhere"):
        calibration_set(info, list(LABELS), str(unknown))


def test_a_fine_tune_is_checked_on_its_own_validation_rows(train_home, train_encoder, topics_csv, tmp_path):
    import shutil

    from models.classify.training import train_classifier

    data = Path(shutil.copy(topics_csv, tmp_path / "topics.csv"))
    result = train_classifier(model=str(train_encoder), train=str(data), out_name="tuned", epochs=1,
                              batch_size=8, lr=0.01, device="cpu")
    parity = export_classifier(result.model_path)
    assert (parity["rows"], parity["chooser_rows"], parity["source"]) == (6, 4, "user")   # 10 rows, 60 % held out
    assert parity["set"] == (f"your data: 6 held-out rows of the validation rows of its fine-tune (run "
                             f"{result.run_id}), labelled; INT8 was chosen on 4 other rows")
    assert set(parity["int8"]) == set(parity["fp32"]) == {"agreement_pct", "max_prob_diff", "f1_macro_delta"}
    assert parity["fp32"]["f1_macro_delta"] == 0.0
    info = store.inspect(result.model_path)
    calib = calibration_set(info, result.labels)
    assert len(calib.texts) == 10 and len(set(calib.y.tolist())) == 3   # stratified: every class
    # the data is gone since: the built-in sentences instead, with a note saying why
    data.unlink()
    calib = calibration_set(info, result.labels)
    assert (calib.origin, calib.source, calib.y) == ("built-in sentences", "builtin", None)
    assert "validation rows cannot be read again" in calib.notes[0]


def test_blocks_that_miss_the_targets_stay_fp32_most_sensitive_first(tiny_onnx_classifier, monkeypatch):
    two_blocks(tiny_onnx_classifier)
    monkeypatch.setattr(onnx_export, "MIN_AGREEMENT_PCT", 101.0)   # unreachable: keep blocks fp32 while it can
    export_classifier(tiny_onnx_classifier)
    record = store.read_manifest(tiny_onnx_classifier)["quantization"]
    kl = record["sensitivity_kl"]   # a JSON object: saved with sorted keys, so rank by value
    ranked = sorted(kl, key=lambda block: -kl[block])
    assert sorted(ranked) == ["bert.encoder.layer.0", "bert.encoder.layer.1"]
    assert record["fp32"] == ["embeddings", "classification head", ranked[0]]   # the least sensitive stays int8
    assert (record["int8_blocks"], record["blocks"], record["met_targets"]) == (1, 2, False)
    int8_file = onnx_paths(tiny_onnx_classifier)[1]
    assert _ops(int8_file).count("MatMulInteger") == 6
    assert list(_weights(int8_file).values()).count("INT8") == 6


def test_ort_classifier_without_export_is_a_clear_error(tiny_onnx_classifier):
    with pytest.raises(runtime.BackendUnavailable, match="has no ONNX fp32 export yet"):
        load_ort_classifier(tiny_onnx_classifier, int8=False)
    with pytest.raises(runtime.BackendUnavailable, match="has no ONNX INT8 export yet"):
        load_ort_classifier(tiny_onnx_classifier, int8=True)


def test_cuda_asked_of_onnx_runtime_without_it_says_why(tmp_path, monkeypatch):
    """On a machine without a usable CUDA provider the session never runs on the CPU instead."""
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper

    fp32_file = tmp_path / "identity.onnx"
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9), str(fp32_file))
    assert runtime.ort_session(fp32_file, device="cpu").get_providers() == ["CPUExecutionProvider"]
    with monkeypatch.context() as patched:
        patched.setattr(onnxruntime, "get_available_providers", lambda: ["CPUExecutionProvider"])
        with pytest.raises(runtime.BackendUnavailable, match="has no CUDA execution provider here"):
            runtime.ort_session(fp32_file, device="cuda")
    if runtime.CUDA_PROVIDER in onnxruntime.get_available_providers() and not _has_gpu():
        # onnxruntime-gpu lists the provider; without a GPU it cannot start it, and that is said too
        with pytest.raises(runtime.BackendUnavailable, match="could not start its CUDA execution provider"):
            runtime.ort_session(fp32_file, device="cuda")


def _has_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


def test_export_refuses_a_model_of_another_task(tmp_path):
    folder = tmp_path / "gpt"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}))
    (folder / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelDeskError, match="is a text generator, not a text classifier"):
        export_classifier(folder)


def test_cancelled_export_writes_nothing(tiny_onnx_classifier):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        export_classifier(tiny_onnx_classifier, cancel=token)
    assert not export_dirs.onnx_dir(tiny_onnx_classifier).exists()
    assert "parity" not in store.read_manifest(tiny_onnx_classifier)


def _varied_rows(count: int) -> list[dict]:
    """Distinct labelled texts (the built-in sentences with numbers), labels in the model's set."""
    base = builtin_texts()
    return [{"text": f"{base[i % len(base)]} Case {i}.", "label": LABELS[i % len(LABELS)]} for i in range(count)]


def test_parity_is_measured_on_rows_the_chooser_never_saw(tiny_onnx_classifier, tmp_path, monkeypatch):
    """The chooser's rows and the parity rows are recorded where the export hands them over, not re-derived."""
    rows = _varied_rows(50) + _varied_rows(50)[:10]   # ten duplicates: one text never lands on both sides
    calibration = write_rows(tmp_path / "mine.csv", rows)
    tokenised: dict[int, tuple[list, list[str]]] = {}
    seen: dict[str, list[str]] = {}
    real_rows, real_choose, real_parity = onnx_export._rows, onnx_export.choose_int8, onnx_export.held_out_parity

    def recording_rows(tokenizer, texts, limit):
        out = real_rows(tokenizer, texts, limit)
        tokenised[id(out)] = (out, list(texts))
        return out

    def recording_choose(fp32_path, int8_path, rows, *args, **kwargs):
        seen["chooser"] = tokenised[id(rows)][1]
        return real_choose(fp32_path, int8_path, rows, *args, **kwargs)

    def recording_parity(net, tokenizer, limit, calib, heldout, *args, **kwargs):
        seen["parity"] = list(heldout.texts)
        return real_parity(net, tokenizer, limit, calib, heldout, *args, **kwargs)

    monkeypatch.setattr(onnx_export, "_rows", recording_rows)
    monkeypatch.setattr(onnx_export, "choose_int8", recording_choose)
    monkeypatch.setattr(onnx_export, "held_out_parity", recording_parity)
    parity = export_classifier(tiny_onnx_classifier, calibration=str(calibration))

    assert seen["chooser"] and seen["parity"]
    assert not set(seen["chooser"]) & set(seen["parity"])
    assert set(seen["chooser"]) | set(seen["parity"]) == {r["text"] for r in rows}
    assert (parity["rows"], parity["chooser_rows"]) == (len(seen["parity"]), len(seen["chooser"])) == (30, 20)
    assert parity["source"] == "user" and parity["labelled"]
    assert parity["set"] == "your data: 30 held-out rows of mine.csv, labelled; INT8 was chosen on 20 other rows"
    assert set(parity["int8"]) == {"agreement_pct", "max_prob_diff", "f1_macro_delta"}

    # the stored figures are the held-out ones: recomputed here from torch and the INT8 file, row by row
    manifest = store.read_manifest(tiny_onnx_classifier)
    assert manifest["parity"] == parity
    assert "agreement_pct" in manifest["quantization"]["on_chooser_rows"]
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_onnx_classifier)
    int8 = load_ort_classifier(tiny_onnx_classifier, int8=True)
    agree = []
    for text in seen["parity"]:
        ids = np.asarray([tokenizer(text, truncation=True)["input_ids"]], dtype=np.int64)
        mask = np.ones_like(ids)
        agree.append(_torch_logits(tiny_onnx_classifier, ids, mask).argmax() == int8.logits(ids, mask).argmax())
    assert parity["int8"]["agreement_pct"] == pytest.approx(100.0 * np.mean(agree), abs=1e-3)
