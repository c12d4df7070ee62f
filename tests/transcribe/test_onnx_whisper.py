"""Whisper on ONNX Runtime: the export of a tiny random Whisper, its token parity, and every path using it."""
from __future__ import annotations

import numpy as np
import onnx
import pytest

from models.core import store
from models.core.parity import format_parity
from models.core.events import ModelDeskError
from models.transcribe.audio import ArraySource
from models.transcribe.files import transcribe_file
from models.transcribe.live import run_live
from models.transcribe.onnx_export import export_recognizer, onnx_files
from models.transcribe.recognizer import Recognizer, read_audio

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def exported(tiny_whisper_en, tmp_path_factory):
    """A copy of the tiny English Whisper with its ONNX export (one export for the module: it is slow)."""
    import shutil

    folder = shutil.copytree(tiny_whisper_en, tmp_path_factory.mktemp("onnx") / "tiny-whisper-en")
    events: list = []
    parity = export_recognizer(str(folder), progress=events.append)
    return folder, parity, events


def clips() -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    return [(rng.standard_normal(int(16000 * s)) * level).astype(np.float32)
            for s, level in ((1.0, 0.05), (2.5, 0.2), (4.0, 0.1))]


def test_export_writes_fp32_and_int8_graphs_with_token_parity(exported):
    folder, parity, events = exported
    assert all(path.is_file() for int8 in (False, True) for path in onnx_files(folder, int8).values())
    fp32, int8 = onnx_files(folder, False), onnx_files(folder, True)
    assert int8["encoder"] == fp32["encoder"] and int8["decoder"] != fp32["decoder"]   # only the decoder is INT8
    assert "DynamicQuantizeLinear" in {node.op_type for node in onnx.load(str(int8["decoder"])).graph.node}
    assert sorted(p.name for p in fp32["encoder"].parent.glob("*.onnx") if ".optimized." not in p.name) == \
        ["whisper_decoder.onnx", "whisper_decoder_int8.onnx", "whisper_encoder.onnx"]
    assert parity["fp32"] == {"identical_windows_pct": 100.0, "token_agreement_pct": 100.0}
    assert parity["int8"]["token_agreement_pct"] >= 60.0
    assert parity["set"] and store.read_manifest(folder)["parity"] == parity
    assert events[-1].message == "Exported" and events[-1].fraction == 1.0
    assert format_parity(parity).startswith("ONNX fp32: identical windows 100.0%, token agreement 100.0%; ONNX INT8: ")


def test_onnx_decodes_the_same_tokens_timestamps_and_words_as_torch(exported):
    folder, _, _ = exported
    torch_rec = Recognizer.load(folder, device="cpu")
    ort_rec = Recognizer.load(folder, device="cpu", backend="onnx-fp32")
    assert ort_rec.model is None and ort_rec.backend.value == "onnx-fp32"
    for audio in clips():
        for window in (30.0, 5.0):   # the input fitted to the clip, and a cap below that
            ours = ort_rec.decode(audio, timestamps=True, words=True, window=window)
            reference = torch_rec.decode(audio, timestamps=True, words=True, window=window)
            assert ours.tokens == reference.tokens and ours.done == reference.done
            assert [(s.start, s.end, s.text) for s in ours.segments] == \
                [(s.start, s.end, s.text) for s in reference.segments] or not ours.segments
            for a, b in zip(ours.segments, reference.segments):
                assert [(w.text, w.start, w.end) for w in a.words] == [(w.text, w.start, w.end) for w in b.words]


def test_files_and_live_sessions_run_on_the_chosen_export(exported, espeak_wav):
    folder, _, _ = exported
    wav, _ = espeak_wav
    transcript = transcribe_file(str(folder), wav, device="cpu", backend="onnx-int8")
    assert transcript.language == "en"
    int8 = Recognizer.load(folder, device="cpu", backend="onnx-int8")
    assert Recognizer.load(str(folder), device="cpu", backend="onnx-int8") is int8   # loaded once
    audio = read_audio(wav)
    result = run_live(str(folder), source=ArraySource(audio, 16000, speed=None), autosave=False, device="cpu",
                      backend="onnx-int8")
    assert result.error is None and result.audio_seconds == pytest.approx(audio.size / 16000, abs=0.1)


def test_ctc_models_are_not_exported(tiny_ctc):
    with pytest.raises(ModelDeskError, match="is a CTC model: ONNX export covers Whisper models"):
        export_recognizer(str(tiny_ctc))
