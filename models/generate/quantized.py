"""Causal LMs at their quantized size: converted once to a 4/8-bit ONNX graph, kept under the data folder.

A GGUF file or a model folder is converted on first use (``convert``, with progress and Stop) into
``<data>/quantized/<sha256 of the source>-<bits>/``: the graph, its weights file, the tokenizer and
``layout.json``. The GGUF file is only read. Later loads find the folder by the source's hash
(remembered per path, size and modification time, so a 4 GB file is hashed once) and only open the
session: the weights are read from the data file, not converted again.

Why this path: llama.cpp's bindings publish no wheel (building them from the source package took
over 30 minutes on this project's shared two cores, so they serve only as the benchmark's anchor,
benchmarks/lm_quantized.py); ONNX Runtime GenAI 0.18.0 installs onnxruntime 1.32.0 with it while the
app runs 1.31.1, so it would replace the app's own runtime (its builder was not benchmarked here). Our
builder needs only onnx and onnxruntime, already dependencies, and emits the contrib kernels the GenAI
builder uses (MatMulNBits, GroupQueryAttention, SkipSimplifiedLayerNormalization).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Optional

from models.core import fileio, paths, store
from models.core.events import CancelToken, ModelDeskError, Progress, ProgressFn, check, emit
from models.generate.lm import LanguageModel, stop_ids

GRAPH = "model.onnx"
LAYOUT = "layout.json"
_INDEX = "hashes.json"


def _folder() -> Path:
    return paths.subdir("quantized")


def _file_hash(path: Path, index: dict) -> str:
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    if key not in index:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 22), b""):
                digest.update(chunk)
        index[key] = digest.hexdigest()
    return index[key]


def source_hash(info: store.ModelInfo) -> str:
    """The sha256 of a GGUF file, or of a folder's config and safetensors files together."""
    index_path = _folder() / _INDEX
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        index = {}
    if info.weights == "gguf":
        value = _file_hash(info.path, index)
    else:
        files = [info.path / "config.json", *sorted(info.path.glob("*.safetensors"))]
        value = hashlib.sha256("".join(_file_hash(f, index) for f in files).encode()).hexdigest()
    fileio.write_json(index_path, index)
    return value


def converted_dir(info: store.ModelInfo, bits: Optional[int] = None) -> Path:
    """Where the conversion of ``info`` with ``bits`` (None: as a GGUF file has it, 4 for a folder) lives."""
    tag = "asfile" if info.weights == "gguf" and bits is None else f"{bits or 4}bit"
    return _folder() / f"{source_hash(info)[:32]}-{tag}"


def _tokenizer(info: store.ModelInfo) -> Any:
    from transformers import AutoTokenizer

    where = {"local_files_only": True, "trust_remote_code": False}
    if info.weights == "gguf":
        try:
            return AutoTokenizer.from_pretrained(info.path.parent, gguf_file=info.path.name, **where)
        except ValueError as exc:   # transformers reads the vocabularies of its own GGUF architectures only
            raise ModelDeskError(f"The tokenizer of {info.name} cannot be read ({exc}).") from None
    return AutoTokenizer.from_pretrained(info.path, **where)


def _folder_stops(info: store.ModelInfo) -> list[int]:
    from transformers import AutoConfig, GenerationConfig

    config = AutoConfig.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
    try:
        generation = GenerationConfig.from_pretrained(info.path, local_files_only=True)
    except OSError:
        generation = None
    return sorted(stop_ids(config, generation))


def convert(model: os.PathLike | str, bits: Optional[int] = None, allow_pickle: bool = False,
            progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> Path:
    """The converted folder of ``model`` (a GGUF file or a model folder), made now if it is not there yet."""
    from models.generate import quant_graph
    from models.generate.quant_sources import open_source

    info = store.open_model(model, task="generate", allow_pickle=allow_pickle)
    target = converted_dir(info, bits)
    if (target / LAYOUT).is_file():
        return target
    if info.weights not in ("gguf", "safetensors"):
        raise ModelDeskError(f"{info.name} has {info.weights} weights; the quantized path reads GGUF files and "
                             "safetensors folders.")
    emit(progress, Progress(0, None, f"Reading {info.name}"))
    source = open_source(info.path, info.weights, bits)
    layout = source.layout
    tokenizer = _tokenizer(info)
    with fileio.atomic_dir(target) as tmp:
        def tick(layer: int) -> None:
            check(cancel)
            emit(progress, Progress(layer + 1, layout.layers + 1,
                                    f"Converting {info.name} to {bits or '4/8'}-bit blocks: layer {layer + 1} "
                                    f"of {layout.layers}"))

        quant_graph.build(layout, source, tmp / GRAPH, tick)
        tokenizer.save_pretrained(tmp)
        stops = stop_ids(tokenizer) if info.weights == "gguf" else set(_folder_stops(info)) | stop_ids(tokenizer)
        fileio.write_json(tmp / LAYOUT, {"source": info.name, "bits": bits, "layout": layout.to_dict(),
                                         "stop_ids": sorted(stops)})
    emit(progress, Progress(layout.layers + 1, layout.layers + 1, "Converted"))
    return target


def load_quantized(info: store.ModelInfo, device: str, threads: Optional[int] = None, bits: Optional[int] = None,
                   progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> LanguageModel:
    """The quantized model of ``info`` on ONNX Runtime, converting it first when needed."""
    from transformers import AutoTokenizer

    from models.generate.ort_lm import QuantLM
    from models.generate.quant_graph import Layout

    folder = convert(info.path, bits, progress=progress, cancel=cancel)
    meta = fileio.read_json(folder / LAYOUT)
    layout = Layout(**meta["layout"])
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
    net = QuantLM(folder / GRAPH, layout, device, threads)
    return LanguageModel(info, tokenizer, net, device, layout.positions, frozenset(meta["stop_ids"]), "onnx-int4")
