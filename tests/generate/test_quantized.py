"""The quantized path: every family, as a folder and as a GGUF file, converted once to MatMulNBits blocks."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

from models.core import store
from models.core.events import CancelToken, Cancelled, ModelDeskError, Progress
from models.generate import generator, nbits, quantized
from models.generate import lm as lm_tokens
from models.generate.generator import generate
from tests.fixtures.gguf_models import write_gguf

pytestmark = pytest.mark.usefixtures("one_torch_thread")
PROMPTS = ([5, 17, 33, 60, 2, 9], [40, 41, 42], [100, 7, 250, 3, 3, 12, 80])
STEPS = 16


def _tokens(lm) -> list[list[int]]:
    return [generator.greedy_tokens(lm.net.start, prompt, STEPS) for prompt in PROMPTS]


def _agreement(lm, reference: list[list[int]]) -> float:
    """Share of the reference's greedy tokens ``lm`` predicts when fed the reference (teacher forcing)."""
    pairs = [(x, y) for prompt, tokens in zip(PROMPTS, reference)
             for x, y in zip(lm_tokens.forced_tokens(lm.net.start, prompt, tokens), tokens)]
    return sum(x == y for x, y in pairs) / len(pairs)


def test_blocks_round_trip_and_q4_0_q8_0_repack_without_loss():
    import gguf

    rng = np.random.default_rng(0)
    weight = rng.standard_normal((8, 96)).astype(np.float32)
    for bits, tolerance in ((4, 0.6), (8, 0.03)):
        packed = nbits.quantize(weight, bits)
        assert packed.data.shape == (8, 3, 32 * bits // 8)
        assert np.abs(nbits.dequantize(packed) - weight).max() < tolerance * np.abs(weight).max() / 4
    raw = gguf.quants.quantize(weight, gguf.GGMLQuantizationType.Q4_0)
    exact = gguf.quants.dequantize(raw, gguf.GGMLQuantizationType.Q4_0)
    assert np.array_equal(nbits.dequantize(nbits.from_q4_0(raw, 8, 96)), exact)
    raw = gguf.quants.quantize(weight, gguf.GGMLQuantizationType.Q8_0)
    exact = gguf.quants.dequantize(raw, gguf.GGMLQuantizationType.Q8_0)
    assert np.array_equal(nbits.dequantize(nbits.from_q8_0(raw, 8, 96)), exact)


@pytest.mark.parametrize("family", ["llama", "qwen2", "gemma", "gpt2"])
def test_every_family_from_its_folder_keeps_the_greedy_tokens(tiny_causal, family):
    folder = tiny_causal[family]
    reference = _tokens(generator.load(folder, device="cpu"))
    info = store.open_model(folder, task="generate")
    eight = quantized.load_quantized(info, "cpu", bits=8)
    assert _tokens(eight) == reference
    four = quantized.load_quantized(info, "cpu", bits=4)
    assert _agreement(four, reference) >= 0.7   # random weights: thin margins; a broken graph scores near 0


@pytest.mark.parametrize("family", ["llama", "qwen2", "gpt2"])
def test_gguf_files_run_quantized_with_the_same_tokens(tiny_causal, tmp_path, family):
    folder = tiny_causal[family]
    reference = _tokens(generator.load(folder, device="cpu"))
    for qtype in ("F32", "Q8_0"):
        path = write_gguf(folder, tmp_path / f"{family}-{qtype}.gguf", qtype)
        lm = generator.load(path, device="cpu", backend="onnx-int4")
        assert lm.backend == "onnx-int4" and lm.max_positions == generator.load(folder).max_positions
        assert _tokens(lm) == reference, qtype
    # a Q4_0 file keeps its own 4-bit blocks: the same tokens as the file dequantised by transformers
    path = write_gguf(folder, tmp_path / f"{family}-Q4_0.gguf", "Q4_0")
    assert _tokens(generator.load(path, device="cpu", backend="onnx-int4")) == \
        _tokens(generator.load(path, device="cpu"))



def test_a_q4_k_m_file_as_people_download_it_runs_quantized(tmp_path):
    """Q4_K_M, the preset most GGUF files on the hub use: Q4_K and Q6_K blocks of 256 values."""
    import gguf
    from safetensors.numpy import load_file

    from tests.fixtures.causal_models import build_causal

    folder = build_causal(tmp_path / "llama-256", "llama", hidden=256, layers=1)
    path = write_gguf(folder, tmp_path / "llama-Q4_K_M.gguf", "Q4_K_M")
    tensors = {t.name: t for t in gguf.GGUFReader(str(path)).tensors}
    assert tensors["blk.0.attn_q.weight"].tensor_type.name == "Q4_K"
    pairs = (("output.weight", "lm_head.weight"), ("blk.0.ffn_up.weight", "model.layers.0.mlp.up_proj.weight"))
    for name, key in pairs:
        original = load_file(str(folder / "model.safetensors"))[key]
        read = gguf.quants.dequantize(tensors[name].data, tensors[name].tensor_type).reshape(original.shape)
        bits = 6 if tensors[name].tensor_type.name == "Q6_K" else 4   # the test's own encoder, read by gguf
        assert np.abs(read - original).max() <= np.ptp(original) / (2 ** bits - 1)
    reference = _tokens(generator.load(path, device="cpu"))   # what the file holds, dequantised by transformers
    lm = generator.load(path, device="cpu", backend="onnx-int4")
    # Q4_K's offsets are no whole steps, so its blocks are re-cut (85 % here; a misread layout scores near 0)
    assert _agreement(lm, reference) >= 0.8

def test_a_long_prompt_in_chunks_gives_the_same_logits(tiny_causal):
    from models.generate.ort_lm import QuantLM

    lm = quantized.load_quantized(store.open_model(tiny_causal["llama"], task="generate"), "cpu", bits=4)
    chunked = QuantLM(lm.net.path, lm.net.layout, "cpu", chunk=5)
    prompt = list(range(40, 63))
    assert lm.net.chunk > len(prompt) and lm.net.start()(prompt).allclose(chunked.start()(prompt), atol=1e-5)
    assert generator.greedy_tokens(chunked.start, prompt, STEPS) == generator.greedy_tokens(lm.net.start, prompt, STEPS)


@pytest.mark.parametrize("family", ["llama", "gpt2"])
def test_the_cache_written_in_place_gives_the_logits_of_the_fed_back_one(tiny_causal, family):
    from models.generate.ort_lm import QuantLM

    lm = quantized.load_quantized(store.open_model(tiny_causal[family], task="generate"), "cpu", bits=4)
    assert lm.net.in_place
    fed_back = QuantLM(lm.net.path, lm.net.layout, "cpu", chunk=4, in_place=False)
    in_place = QuantLM(lm.net.path, lm.net.layout, "cpu", chunk=4)
    steps = [in_place.start(), fed_back.start()]
    for ids in ([5, 17, 33, 60, 2, 9], [40], [41, 42], [7]):   # a prompt in chunks, then one token at a time
        first, second = (step(ids) for step in steps)
        assert first.allclose(second, atol=1e-5)


def test_conversion_happens_once_keyed_by_hash_and_leaves_the_file_alone(tiny_causal, tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))   # no conversion of an equal file from before
    path = write_gguf(tiny_causal["llama"], tmp_path / "once.gguf", "Q4_0")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    events = []
    folder = quantized.convert(path, progress=events.append)
    assert folder.parent == tmp_path / "home" / "quantized" and folder.name.startswith(before[:32])
    assert (folder / quantized.GRAPH).is_file()
    assert any(isinstance(e, Progress) and "layer 2 of 2" in e.message for e in events)
    again = []
    assert quantized.convert(path, progress=again.append) == folder and again == []
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    text = generate(path, "the film", backend="onnx-int4", max_new_tokens=8, temperature=0)
    assert text == generate(path, "the film", max_new_tokens=8, temperature=0)


def test_stop_during_conversion_leaves_nothing_behind(tiny_causal, tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    path = write_gguf(tiny_causal["qwen2"], tmp_path / "stopped.gguf")
    cancel = CancelToken()

    def stop_after_first_layer(event):
        if isinstance(event, Progress) and event.done == 1:
            cancel.cancel()

    with pytest.raises(Cancelled):
        quantized.convert(path, progress=stop_after_first_layer, cancel=cancel)
    target = quantized.converted_dir(store.open_model(path, task="generate"))
    assert not target.exists() and not list(target.parent.glob(f".{target.name}*"))


def test_an_architecture_the_graph_does_not_know_is_one_clear_error(tiny_causal, tmp_path):
    import json

    folder = tmp_path / "phi"
    folder.mkdir()
    config = json.loads((tiny_causal["llama"] / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "model_type": "phi"}))
    from models.generate.quant_sources import FolderSource

    with pytest.raises(ModelDeskError, match="'phi' model; the quantized ONNX path is written for llama"):
        FolderSource(folder, 4)


def test_cli_runs_a_gguf_file_on_the_4_bit_backend(capsys, tiny_causal, tmp_path, monkeypatch):
    from tests.cli.test_cli_text import run_cli

    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    path = write_gguf(tiny_causal["qwen2"], tmp_path / "cli.gguf", "Q8_0")
    args = ["generate", "--model", str(path), "the film", "--temperature", "0", "--max-new-tokens", "6"]
    code, out, err = run_cli(capsys, *args, "--backend", "onnx-int4")
    assert code == 0, err
    assert out == run_cli(capsys, *args)[1]   # Q8_0 repacked without loss: the torch path's text
    assert list((tmp_path / "home" / "quantized").glob("*-asfile/model.onnx"))


def _resident_kib(path) -> int:
    """Resident KiB of this process's mappings of ``path`` (from /proc/self/smaps)."""
    total, inside = 0, False
    for line in open("/proc/self/smaps", encoding="utf-8"):
        head = line.split(maxsplit=5)
        if "-" in head[0] and len(head) >= 5:
            inside = len(head) == 6 and head[5].strip() == str(path.resolve())
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


def test_the_weights_file_pages_read_while_packing_are_handed_back(tiny_causal):
    import onnxruntime as ort

    from models.generate.ort_lm import release_mapped

    lm = quantized.load_quantized(store.open_model(tiny_causal["llama"], task="generate"), "cpu", bits=4)
    data = lm.net.path.with_name(lm.net.path.name + ".data")
    before = _tokens(lm)
    other = ort.InferenceSession(str(lm.net.path), providers=["CPUExecutionProvider"])   # maps and reads the file
    assert other.get_inputs() and _resident_kib(data) > 0
    release_mapped(data)
    assert _resident_kib(data) == 0
    assert _tokens(lm) == before   # what the runtime still reads comes back from the file
