"""ONNX export, INT8 quantization and the parity check, on a tiny random BERT classifier."""
from __future__ import annotations

import json

import numpy as np
import pytest

from models.core import store
from models.core.events import Cancelled, CancelToken, ModelDeskError, Progress
from models.classify.onnx_export import export_classifier, load_ort_classifier, onnx_paths, parity_texts


def _torch_logits(folder, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    import torch
    from transformers import AutoModelForSequenceClassification

    net = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True).eval()
    with torch.no_grad():
        return net(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits.numpy()


def test_export_quantize_and_parity(tiny_onnx_classifier):
    events = []
    parity = export_classifier(tiny_onnx_classifier, progress=events.append)
    fp32_file, int8_file = onnx_paths(tiny_onnx_classifier)
    assert fp32_file.stat().st_size > 0 and int8_file.stat().st_size > 0
    assert not [p for p in fp32_file.parent.iterdir() if p.name.startswith(".")], "temp files left behind"
    assert parity["fp32"]["max_abs_diff"] < 1e-4
    assert parity["fp32"]["argmax_agreement_pct"] == 100.0
    # measured on this fixture: INT8 agrees with torch on all 42 sentences, max |Δlogit| 1.0e-4; the bounds
    # leave room for two flipped near-ties (95.2 %) and other CPUs' kernels, and still fail a broken export
    assert parity["int8"]["argmax_agreement_pct"] >= 95.0
    assert parity["int8"]["max_abs_diff"] < 1e-2
    assert parity["texts"] == len(parity_texts()) == 42
    manifest = json.loads((tiny_onnx_classifier / store.MANIFEST).read_text())
    assert manifest["parity"] == parity
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


def test_ort_classifier_without_export_is_a_clear_error(tiny_onnx_classifier):
    with pytest.raises(ModelDeskError, match="no ONNX export"):
        load_ort_classifier(tiny_onnx_classifier, int8=False)
    with pytest.raises(ModelDeskError, match="no INT8 export"):
        load_ort_classifier(tiny_onnx_classifier, int8=True)


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
    assert not (tiny_onnx_classifier / "onnx").exists()
    assert "parity" not in store.read_manifest(tiny_onnx_classifier)
