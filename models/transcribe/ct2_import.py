"""Import a CTranslate2 Whisper folder (the format faster-whisper uses) as a Hugging Face model.

Many Whisper models are shared only as CTranslate2 exports. ModelDesk runs
torch/transformers, so this module reads CTranslate2's ``model.bin`` itself (no
ctranslate2 package needed), undoes its layer fusions and writes the standard
Hugging Face Whisper layout that ``WhisperForConditionalGeneration`` and
``WhisperProcessor`` load.

model.bin layout (little endian): uint32 format version; string spec name;
uint32 spec revision; uint32 variable count; per variable: string name, uint8
rank, rank x uint32 dims, uint8 dtype id, uint32 byte count, raw data; then
uint32 alias count and (alias, target) string pairs. A string is a uint16
length (terminating NUL included) followed by the bytes.
"""
from __future__ import annotations

import json
import mmap
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from models.core import fileio
from models.transcribe import alignment
from models.core.events import CancelToken, ModelDeskError, Progress, ProgressFn, check, emit

#: format versions whose variable records carry a dtype id and a byte count (all Whisper exports)
SUPPORTED_VERSIONS = range(4, 7)
#: CTranslate2's own rule: the English-only Whisper vocabulary has 51864 entries, multilingual ones more
MULTILINGUAL_VOCAB = 51865
#: CTranslate2's DataType enum order; bfloat16 is read as raw 16-bit words
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: np.uint16}
_BF16 = 5


@dataclass
class Ct2Model:
    """The parsed content of a model.bin: named arrays (views on the mapped file) and aliases."""
    version: int
    spec: str
    revision: int
    variables: dict[str, np.ndarray] = field(default_factory=dict)
    bfloat16: set[str] = field(default_factory=set)
    aliases: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> np.ndarray:
        real = self.aliases.get(name, name)
        if real not in self.variables:
            raise ModelDeskError(f"The CTranslate2 model has no tensor '{name}': it is not a complete Whisper model.")
        return self.variables[real]

    def has(self, name: str) -> bool:
        return self.aliases.get(name, name) in self.variables

    def scalar(self, name: str, default: int) -> int:
        return int(self.get(name).reshape(-1)[0]) if self.has(name) else default


class _Reader:
    def __init__(self, buffer: mmap.mmap, path: Path) -> None:
        self.buf, self.pos, self.path = buffer, 0, path

    def take(self, fmt: str) -> int:
        size = struct.calcsize("<" + fmt)
        if self.pos + size > len(self.buf):
            raise ModelDeskError(f"{self.path} is cut short: the CTranslate2 model file is incomplete.")
        (value,) = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += size
        return value

    def string(self) -> str:
        length = self.take("H")
        raw = self.buf[self.pos:self.pos + length]
        self.pos += length
        return bytes(raw).rstrip(b"\0").decode("utf-8", errors="replace")

    def array(self, dtype: type, shape: list[int], nbytes: int) -> np.ndarray:
        if self.pos + nbytes > len(self.buf):
            raise ModelDeskError(f"{self.path} is cut short: the CTranslate2 model file is incomplete.")
        count = nbytes // np.dtype(dtype).itemsize
        if count != int(np.prod(shape, dtype=np.int64)):
            raise ModelDeskError(f"{self.path} is damaged: a tensor's size does not match its shape.")
        arr = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos).reshape(shape)
        self.pos += nbytes
        return arr


def read_model_bin(path: os.PathLike | str) -> Ct2Model:
    """Parse a CTranslate2 model.bin; the arrays stay backed by the memory-mapped file."""
    path = Path(path)
    with open(path, "rb") as fh:
        buffer = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
    reader = _Reader(buffer, path)
    version = reader.take("I")
    if version not in SUPPORTED_VERSIONS:
        raise ModelDeskError(f"{path} uses CTranslate2 model format version {version}, which ModelDesk cannot read.")
    model = Ct2Model(version=version, spec=reader.string(), revision=reader.take("I"))
    for _ in range(reader.take("I")):
        name = reader.string()
        shape = [reader.take("I") for _ in range(reader.take("B"))]
        type_id = reader.take("B")
        nbytes = reader.take("I")
        if type_id not in _DTYPES:
            raise ModelDeskError(f"{path} holds a tensor type ModelDesk does not know (id {type_id}).")
        model.variables[name] = reader.array(_DTYPES[type_id], shape, nbytes)
        if type_id == _BF16:
            model.bfloat16.add(name)
    for _ in range(reader.take("I")):
        alias = reader.string()
        model.aliases[alias] = reader.string()
    if reader.pos != len(buffer):
        raise ModelDeskError(f"{path} is damaged: unexpected data after the last tensor.")
    return model


# --- tensors -----------------------------------------------------------------

def _tensor(model: Ct2Model, name: str):
    """A float torch tensor for a CT2 variable, dequantizing int8/int16 weights with their scales."""
    import torch

    arr = model.get(name)
    real = model.aliases.get(name, name)
    if real in model.bfloat16:
        return torch.from_numpy(arr.view(np.int16).copy()).view(torch.bfloat16)
    tensor = torch.from_numpy(arr.copy())
    scale_name = real + "_scale"
    if arr.dtype in (np.int8, np.int16) and scale_name in model.variables:
        scale = torch.from_numpy(model.variables[scale_name].astype(np.float32))
        scale = scale.reshape(-1, *([1] * (tensor.dim() - 1))) if scale.numel() > 1 else scale.reshape(())
        return tensor.to(torch.float32) / scale
    if not tensor.is_floating_point():
        raise ModelDeskError(f"The CTranslate2 tensor {name} is quantized in a way ModelDesk cannot convert.")
    return tensor


def _layer_count(model: Ct2Model, prefix: str) -> int:
    pattern = re.compile(re.escape(prefix) + r"/layer_(\d+)/")
    found = {int(m.group(1)) for name in model.variables if (m := pattern.match(name))}
    return max(found) + 1 if found else 0


def _linear(state: dict, model: Ct2Model, src: str, dst: str, bias: bool = True) -> None:
    state[f"{dst}.weight"] = _tensor(model, f"{src}/weight")
    if bias and model.has(f"{src}/bias"):
        state[f"{dst}.bias"] = _tensor(model, f"{src}/bias")


def _norm(state: dict, model: Ct2Model, src: str, dst: str) -> None:
    state[f"{dst}.weight"] = _tensor(model, f"{src}/gamma")
    state[f"{dst}.bias"] = _tensor(model, f"{src}/beta")


def _split(state: dict, model: Ct2Model, src: str, dsts: list[str]) -> None:
    """Undo CTranslate2's fused projections (q|k|v or k|v stacked along the output rows).

    Whisper's key projection has no bias; CTranslate2 stores zeros there, and a
    constant key bias would not change attention anyway, so it is dropped.
    """
    weights = _tensor(model, f"{src}/weight").chunk(len(dsts), dim=0)
    biases = _tensor(model, f"{src}/bias").chunk(len(dsts), dim=0) if model.has(f"{src}/bias") else None
    for i, dst in enumerate(dsts):
        state[f"{dst}.weight"] = weights[i].contiguous()
        if biases is not None and not dst.endswith("k_proj"):
            state[f"{dst}.bias"] = biases[i].contiguous()


def _layer(state: dict, model: Ct2Model, side: str, i: int) -> None:
    src, dst = f"{side}/layer_{i}", f"model.{side}.layers.{i}"
    _split(state, model, f"{src}/self_attention/linear_0",
           [f"{dst}.self_attn.q_proj", f"{dst}.self_attn.k_proj", f"{dst}.self_attn.v_proj"])
    _linear(state, model, f"{src}/self_attention/linear_1", f"{dst}.self_attn.out_proj")
    _norm(state, model, f"{src}/self_attention/layer_norm", f"{dst}.self_attn_layer_norm")
    if side == "decoder":
        _linear(state, model, f"{src}/attention/linear_0", f"{dst}.encoder_attn.q_proj")
        _split(state, model, f"{src}/attention/linear_1", [f"{dst}.encoder_attn.k_proj", f"{dst}.encoder_attn.v_proj"])
        _linear(state, model, f"{src}/attention/linear_2", f"{dst}.encoder_attn.out_proj")
        _norm(state, model, f"{src}/attention/layer_norm", f"{dst}.encoder_attn_layer_norm")
    _linear(state, model, f"{src}/ffn/linear_0", f"{dst}.fc1")
    _linear(state, model, f"{src}/ffn/linear_1", f"{dst}.fc2")
    _norm(state, model, f"{src}/ffn/layer_norm", f"{dst}.final_layer_norm")


# --- configuration ---------------------------------------------------------

def _hf_config(model: Ct2Model, ct2_config: dict, tokens: dict[str, int]) -> dict:
    """A WhisperConfig dict whose dimensions come from the tensor shapes."""
    vocab, d_model = model.get("decoder/embeddings/weight").shape
    heads = {side: model.scalar(f"{side}/num_heads", max(1, d_model // 64)) for side in ("encoder", "decoder")}
    eot = tokens.get("<|endoftext|>", 50256)
    sot = tokens.get("<|startoftranscript|>", eot + 1)
    return {
        "architectures": ["WhisperForConditionalGeneration"],
        "model_type": "whisper",
        "vocab_size": int(vocab),
        "num_mel_bins": int(model.get("encoder/conv1/weight").shape[1]),
        "d_model": int(d_model),
        "encoder_layers": _layer_count(model, "encoder"),
        "decoder_layers": _layer_count(model, "decoder"),
        "encoder_attention_heads": heads["encoder"],
        "decoder_attention_heads": heads["decoder"],
        "encoder_ffn_dim": int(model.get("encoder/layer_0/ffn/linear_0/weight").shape[0]),
        "decoder_ffn_dim": int(model.get("decoder/layer_0/ffn/linear_0/weight").shape[0]),
        "max_source_positions": int(model.get("encoder/position_encodings/encodings").shape[0]),
        "max_target_positions": int(model.get("decoder/position_encodings/encodings").shape[0]),
        "activation_function": "gelu",
        "scale_embedding": False,
        "tie_word_embeddings": True,
        "bos_token_id": eot,
        "eos_token_id": eot,
        "pad_token_id": eot,
        "decoder_start_token_id": sot,
        "use_cache": True,
    }


def _generation_config(config: dict, ct2_config: dict, tokens: dict[str, int], hint: str = "") -> dict:
    """generation_config.json: special ids, suppression lists, alignment heads, languages."""
    eot = config["eos_token_id"]
    multilingual = config["vocab_size"] >= MULTILINGUAL_VOCAB
    # the heads word timings read: the folder's own, else those published for its checkpoint's shape
    alignment_heads = ct2_config.get("alignment_heads") or alignment.alignment_heads_for(
        config["decoder_layers"], config["decoder_attention_heads"], config["d_model"], config["num_mel_bins"],
        multilingual, hint)
    gen = {
        "bos_token_id": eot,
        "eos_token_id": eot,
        "pad_token_id": eot,
        "decoder_start_token_id": config["decoder_start_token_id"],
        "max_length": config["max_target_positions"],
        "suppress_tokens": [int(i) for i in ct2_config.get("suppress_ids", [])],
        "begin_suppress_tokens": [int(i) for i in ct2_config.get("suppress_ids_begin", [220, eot])],
        "alignment_heads": [list(pair) for pair in alignment_heads],
        "is_multilingual": multilingual,
        "return_timestamps": False,
    }
    for key, token in (("no_timestamps_token_id", "<|notimestamps|>"), ("prev_sot_token_id", "<|startofprev|>")):
        if token in tokens:
            gen[key] = tokens[token]
    if multilingual:
        names = {i: t for t, i in tokens.items()}
        lang_ids = ct2_config.get("lang_ids") or [i for t, i in tokens.items() if re.fullmatch(r"<\|[a-z]{2,3}\|>", t)]
        gen["lang_to_id"] = {names[i]: i for i in lang_ids if i in names}
        gen["task_to_id"] = {task: tokens[f"<|{task}|>"] for task in ("transcribe", "translate") if f"<|{task}|>" in tokens}
    return gen


def _tokens(tokenizer_json: Path) -> dict[str, int]:
    """The added (special) tokens of a tokenizer.json, by text."""
    with open(tokenizer_json, encoding="utf-8") as fh:
        data = json.load(fh)
    return {t["content"]: int(t["id"]) for t in data.get("added_tokens", [])}


def _read_ct2_config(src: Path) -> dict:
    try:
        with open(src / "config.json", encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# --- the conversion ------------------------------------------------------------

def convert_whisper(src_folder: os.PathLike | str, dst_folder: os.PathLike | str,
                    progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> Path:
    """Convert a CTranslate2 Whisper folder into a Hugging Face Whisper folder at ``dst_folder``.

    ``dst_folder`` is replaced as a whole only when the conversion succeeds, so
    a cancelled or failed import leaves nothing half-written.
    """
    import torch
    from safetensors.torch import save_file
    from transformers import WhisperFeatureExtractor, WhisperTokenizer

    src, dst = Path(src_folder), Path(dst_folder)
    if not (src / "model.bin").is_file():
        raise ModelDeskError(f"{src} is not a CTranslate2 model folder: it has no model.bin.")
    if not (src / "tokenizer.json").is_file():
        raise ModelDeskError(f"{src} has no tokenizer.json, which ModelDesk needs to import a Whisper model.")
    emit(progress, Progress(0, 4, "Reading the CTranslate2 weights"))
    model = read_model_bin(src / "model.bin")
    if not model.spec.startswith("Whisper"):
        raise ModelDeskError(f"{src} holds a CTranslate2 '{model.spec}' model; only Whisper models can be imported.")
    ct2_config = _read_ct2_config(src)
    tokens = _tokens(src / "tokenizer.json")
    config = _hf_config(model, ct2_config, tokens)
    check(cancel)

    emit(progress, Progress(1, 4, "Converting the layers"))
    state: dict = {}
    state["model.encoder.conv1.weight"] = _tensor(model, "encoder/conv1/weight")
    state["model.encoder.conv1.bias"] = _tensor(model, "encoder/conv1/bias")
    state["model.encoder.conv2.weight"] = _tensor(model, "encoder/conv2/weight")
    state["model.encoder.conv2.bias"] = _tensor(model, "encoder/conv2/bias")
    state["model.encoder.embed_positions.weight"] = _tensor(model, "encoder/position_encodings/encodings")
    _norm(state, model, "encoder/layer_norm", "model.encoder.layer_norm")
    state["model.decoder.embed_tokens.weight"] = _tensor(model, "decoder/embeddings/weight")
    state["model.decoder.embed_positions.weight"] = _tensor(model, "decoder/position_encodings/encodings")
    _norm(state, model, "decoder/layer_norm", "model.decoder.layer_norm")
    for side in ("encoder", "decoder"):
        for i in range(config[f"{side}_layers"]):
            check(cancel)
            _layer(state, model, side, i)
    dtypes = {t.dtype for t in state.values()}
    dtype = dtypes.pop() if len(dtypes) == 1 else torch.float32
    state = {k: v.to(dtype).contiguous() for k, v in state.items()}
    config["dtype"] = str(dtype).removeprefix("torch.")

    with fileio.atomic_dir(dst) as tmp:
        emit(progress, Progress(2, 4, "Writing the weights"))
        with fileio.atomic_path(tmp / "model.safetensors") as path:
            save_file(state, str(path), metadata={"format": "pt"})
        check(cancel)
        fileio.write_json(tmp / "config.json", config)
        fileio.write_json(tmp / "generation_config.json", _generation_config(config, ct2_config, tokens, src.name))

        emit(progress, Progress(3, 4, "Writing the tokenizer and feature extractor"))
        special = "<|endoftext|>"
        tokenizer = WhisperTokenizer(tokenizer_file=str(src / "tokenizer.json"), bos_token=special, eos_token=special,
                                     unk_token=special, pad_token=special,
                                     model_max_length=config["max_target_positions"])
        tokenizer.save_pretrained(tmp)
        if (src / "preprocessor_config.json").is_file():
            fileio.write_bytes(tmp / "preprocessor_config.json", (src / "preprocessor_config.json").read_bytes())
        else:
            WhisperFeatureExtractor(feature_size=config["num_mel_bins"]).save_pretrained(tmp)
        check(cancel)
    emit(progress, Progress(4, 4, "Converted"))
    return dst
