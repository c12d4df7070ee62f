"""Where models come from and what they are.

A model is a folder in Hugging Face layout (``config.json`` plus weights and
tokenizer files), optionally with an ``onnx/`` subfolder and a ``modeldesk.json``
manifest (task, source, created, parity, metrics), or a single ``.gguf`` file (a text
generator from another local-LLM app, dequantised on load). The store knows the app's own
models folder, folders the user imported (by reference) and the Hugging Face cache.

This module never imports torch or Qt, so the GUI can list models instantly.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from models.core import cache, export_dirs, fileio, hfcache, in_use, paths
from models.core.events import CancelToken, ModelDeskError, ProgressFn

TASKS = ("classify", "generate", "translate", "faces", "transcribe")
#: a bare encoder (no classification head): a base for fine-tuning, not a classifier
ENCODER = "encoder"
MANIFEST = "modeldesk.json"
#: a single-file model (llama.cpp's format), loaded through transformers' GGUF support
GGUF_SUFFIX = ".gguf"
#: how messages name each kind of model
KINDS = {"classify": "a text classifier", "generate": "a text generator", "translate": "a translation model",
         "faces": "a face generator", "transcribe": "a speech recognition model",
         ENCODER: "a bare encoder (a base for fine-tuning)"}
SAFE_WEIGHTS = ("*.safetensors",)
#: a text or speech model needs one of these beside its weights (a tokenizer, or a vocabulary)
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "merges.txt", "spiece.model",
                   "sentencepiece.bpe.model", "tokenizer.model", "source.spm")
PICKLE_WEIGHTS = ("pytorch_model*.bin", "*.pt", "*.pth", "*.ckpt")

_SEQ2SEQ_TRANSLATE = {"marian", "m2m_100", "nllb", "nllb_moe", "mbart", "t5", "mt5", "bart", "fsmt", "pegasus"}
_SPEECH = {"whisper", "wav2vec2", "wav2vec2-conformer", "hubert", "wavlm", "data2vec-audio", "sew", "sew-d", "unispeech", "unispeech-sat", "mctct"}
_CAUSAL = {"gpt2", "gpt_neo", "gpt_neox", "gptj", "llama", "mistral", "qwen2", "qwen3", "phi", "phi3", "opt", "bloom", "falcon", "gemma", "gemma2", "gemma3_text", "smollm3", "olmo", "codegen", "stablelm", "mixtral", "starcoder2"}
_ENCODERS = {"bert", "roberta", "xlm-roberta", "distilbert", "albert", "electra", "deberta", "deberta-v2", "mpnet", "camembert", "modernbert", "xlm", "flaubert", "ernie", "nomic_bert", "megatron-bert", "funnel", "longformer", "big_bird", "mobilebert", "squeezebert", "layoutlm"}
#: model types transformers runs with its own code (an auto_map in their config is ignored)
_NATIVE = _SEQ2SEQ_TRANSLATE | _SPEECH | _CAUSAL | _ENCODERS

# What the task packages lend the store, registered by models/tasks.py so that core names no task.
#: model types whose classes ModelDesk defines itself (plain code in this repository, never remote code):
#: the module whose import registers them with transformers' Auto classes
LOCAL_ARCHITECTURES: dict[str, str] = {}
#: folders without config.json that a task reads itself: a cheap look (no file parsed) giving
#: (task, weights, model_type), or None
BARE_FOLDERS: list[Callable[[Path], Optional[tuple[str, str, str]]]] = []
#: weights format -> check(folder, shown) that refuses, before it is listed, a folder that cannot run
IMPORT_CHECKS: dict[str, Callable[[Path, str], None]] = {}
#: weights format -> convert(source, target, progress, cancel): writes a foreign layout into ``target``
#: as a model folder, manifest included
CONVERTERS: dict[str, Callable[[Path, Path, ProgressFn, Optional[CancelToken]], None]] = {}
#: file suffix -> import(file, target) -> the new model folder ``target`` made of one file
FILE_IMPORTERS: dict[str, Callable[[Path, Path], Path]] = {}


@dataclass
class ModelInfo:
    """A model folder the store knows, with what it is for."""
    name: str
    path: Path
    task: str
    source: str = "app"            # app | imported | hf-cache | folder
    weights: str = "safetensors"   # safetensors | pickle | ctranslate2 | gguf | onnx (an ONNX-only generator) | none
    model_type: str = ""
    manifest: dict = field(default_factory=dict)

    @property
    def has_onnx(self) -> bool:
        exported = export_dirs.onnx_dir(self.path)
        return self.weights == "onnx" or exported.is_dir() and any(exported.glob("*.onnx"))


# --- reading a folder -------------------------------------------------------

def read_manifest(folder: os.PathLike | str) -> dict:
    """The folder's manifest with its current export's report (kept apart, see ``export_dirs``)."""
    return {**fileio.read_json(Path(folder) / MANIFEST), **export_dirs.read_record(folder)}


def write_manifest(folder: os.PathLike | str, **updates) -> dict:
    """Merge ``updates`` into the folder's manifest and save it atomically. What describes an export
    goes to the export's own report, so exporting writes nothing into the model's folder."""
    folder = Path(folder)
    record = {k: updates.pop(k) for k in list(updates) if k in export_dirs.EXPORT_KEYS}
    if record:
        export_dirs.write_record(folder, **record)
    data = fileio.read_json(folder / MANIFEST)
    if updates:
        data.update(updates)
        data.setdefault("created", time.strftime("%Y-%m-%dT%H:%M:%S"))
        fileio.write_json(folder / MANIFEST, data)
    return {**data, **export_dirs.read_record(folder)}


def weights_format(folder: Path) -> str:
    if any(folder.glob("*.safetensors")):
        return "safetensors"
    if _is_ctranslate2(folder):
        return "ctranslate2"
    if any(any(folder.glob(p)) for p in PICKLE_WEIGHTS):
        return "pickle"
    return "none"


def _is_ctranslate2(folder: Path) -> bool:
    """A CTranslate2 export (as faster-whisper uses): model.bin with a binary header, no HF model_type."""
    cfg = fileio.read_json(folder / "config.json")
    return (folder / "model.bin").is_file() and "model_type" not in cfg and "architectures" not in cfg


def detect_task(config: dict) -> Optional[str]:
    """Task from a config.json: architectures first, then model_type. None if unknown."""
    explicit = config.get("modeldesk_task")
    if explicit in TASKS:
        return explicit
    model_type = str(config.get("model_type", "")).lower()
    for arch in config.get("architectures") or []:
        if arch.endswith("ForSequenceClassification"):
            return "classify"
        if arch.endswith("ForCTC") or arch.startswith("Whisper") or arch.endswith("ForSpeechSeq2Seq"):
            return "transcribe"
        if arch.endswith("ForCausalLM") or arch.endswith("LMHeadModel"):
            return "generate"
        if arch.endswith("ForConditionalGeneration") or arch.endswith("MTModel"):
            return "transcribe" if model_type in _SPEECH else "translate"
    if model_type in _SPEECH:
        return "transcribe"
    if model_type in _SEQ2SEQ_TRANSLATE:
        return "translate"
    if model_type in _CAUSAL:
        return "generate"
    if model_type in _ENCODERS:
        return ENCODER
    return None


def inspect(folder: os.PathLike | str, source: str = "folder", name: Optional[str] = None) -> ModelInfo:
    """Describe a model folder, or raise ModelDeskError saying why it is not one."""
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise ModelDeskError(f"Model folder {folder} does not exist.")
    if folder.is_file() and folder.suffix.lower() == GGUF_SUFFIX:
        return ModelInfo(name=name or folder.stem, path=folder, task="generate", source=source, weights="gguf",
                         model_type="gguf")
    if not folder.is_dir():
        if folder.suffix.lower() == ".onnx":
            raise ModelDeskError(f"{folder} is an ONNX file: import it first (Models page, or models import).")
        raise ModelDeskError(f"{folder} is a file, not a model folder.")
    config_path = folder / "config.json"
    if not config_path.is_file():
        for detect in BARE_FOLDERS:
            found = detect(folder)
            if found is not None:
                task, weights, model_type = found
                return ModelInfo(name=name or folder.name, path=folder, task=task, source=source, weights=weights,
                                 model_type=model_type, manifest=read_manifest(folder))
        raise ModelDeskError(f"{folder} is not a model folder: it has no config.json.")
    config = fileio.read_json(config_path)
    manifest = read_manifest(folder)
    weights = weights_format(folder)
    if weights == "ctranslate2":
        task: Optional[str] = "transcribe" if _looks_like_ct2_whisper(folder, config) else None
    else:
        task = manifest.get("task") if manifest.get("task") in TASKS else detect_task(config)
    if task is None:
        raise ModelDeskError(f"{folder} is not a model ModelDesk can use: its config.json names no known task.")
    return ModelInfo(name=name or folder.name, path=folder, task=task, source=source, weights=weights,
                     model_type=str(config.get("model_type", "")), manifest=manifest)


def _looks_like_ct2_whisper(folder: Path, config: dict) -> bool:
    return "suppress_ids" in config or "alignment_heads" in config or "lang_ids" in config or (folder / "preprocessor_config.json").exists()


def open_model(name_or_path: os.PathLike | str, task: Optional[str] = None, allow_pickle: bool = False) -> ModelInfo:
    """Resolve a model for loading and enforce the safety rules.

    Raises ModelDeskError (one clear sentence) for a missing folder, a non-model,
    a model for another task, or a pickle-only checkpoint without consent.
    """
    info = resolve(name_or_path)
    if task is not None and info.task != task and not (task == ENCODER and info.task == "classify"):
        wanted = "an encoder or a text classifier" if task == ENCODER else KINDS[task]
        raise ModelDeskError(f"{_shown(info)} is {KINDS[info.task]}, not {wanted}.")
    if info.weights == "none":
        raise ModelDeskError(f"{info.path} has no weights (no .safetensors file).")
    if info.weights == "pickle" and not allow_pickle:
        raise ModelDeskError(
            f"{_shown(info)} has only a pickle checkpoint, which can run code when loaded; allow pickle "
            "checkpoints (Settings menu, or --allow-pickle) to load its weights only (weights_only=True).")
    if info.weights == "ctranslate2":
        raise ModelDeskError(f"{info.name} is a CTranslate2 (faster-whisper) folder; import it first to convert it.")
    _check_files(info)
    if info.model_type in LOCAL_ARCHITECTURES:
        importlib.import_module(LOCAL_ARCHITECTURES[info.model_type])  # before anything loads it
    return info


def _check_files(info: ModelInfo) -> None:
    """Refuse, before any library reads them, files that would fail deep inside a load or run code:
    a config that maps to the model's own Python code, damaged safetensors, a missing tokenizer.
    A GGUF file holds its own config and tokenizer, which transformers reads."""
    if info.weights == "gguf":
        return
    config = fileio.read_json(info.path / "config.json")
    if config.get("auto_map") and info.model_type not in _NATIVE:
        raise ModelDeskError(f"{_shown(info)} needs Python code of its own to load (auto_map in its config.json), "
                             "and ModelDesk never runs code that comes with a model.")
    for file in sorted(info.path.glob("*.safetensors")):
        problem = _safetensors_problem(file)
        if problem:
            raise ModelDeskError(f"{_shown(info)}'s {file.name} is damaged or incomplete ({problem}); "
                                 "copy or download it again.")
    if info.task != "faces" and not any((info.path / name).is_file() for name in TOKENIZER_FILES):
        raise ModelDeskError(f"{_shown(info)} has no tokenizer (no tokenizer.json, vocabulary or sentencepiece file "
                             "beside its weights); copy it from where the model came from.")


def _safetensors_problem(path: Path) -> Optional[str]:
    """What is wrong with a safetensors file's layout (an 8-byte header size, a JSON header, then exactly
    the bytes its tensors claim), or None; only the header is read."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(8)
        length = int.from_bytes(head, "little") if len(head) == 8 else -1
        if not 0 < length <= size - 8:
            return "its header is cut short"
        try:
            header = json.loads(fh.read(length))
        except ValueError:
            return "its header is not readable"
    try:
        end = max((int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"), default=0)
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        return "its header is not readable"
    if 8 + length + end != size:
        return f"it holds {size:,} bytes where its header says {8 + length + end:,}"
    return None


def speech_options(folder: os.PathLike | str) -> tuple[str, list[str]]:
    """(kind, languages) of a speech model from its JSON files alone, so the GUI needs no torch.

    kind is "whisper-multilingual", "whisper-en" or "ctc"; languages are Whisper codes.
    """
    config = fileio.read_json(Path(folder) / "config.json")
    if config.get("model_type") != "whisper":
        return "ctc", []
    generation = fileio.read_json(Path(folder) / "generation_config.json")
    multilingual = generation.get("is_multilingual")
    if multilingual is None:
        multilingual = int(config.get("vocab_size", 0)) >= 51865
    if not multilingual:
        return "whisper-en", ["en"]
    return "whisper-multilingual", sorted(t.strip("<|>") for t in (generation.get("lang_to_id") or {}))


def _shown(info: ModelInfo) -> str:
    """The name a message uses: the store's name, or the folder the user gave."""
    return str(info.path) if info.source == "folder" else info.name


def hf_kwargs(info: ModelInfo) -> dict:
    """from_pretrained keyword arguments that follow the safety rules."""
    return {"trust_remote_code": False, "local_files_only": True,
            "use_safetensors": info.weights == "safetensors"}


# --- the models the store knows ---------------------------------------------

def _imports_file() -> Path:
    return paths.home() / "imported.json"


def _imported() -> dict[str, str]:
    data = fileio.read_json(_imports_file())
    return {k: v for k, v in data.items() if isinstance(v, str)}


def list_models(task: Optional[str] = None) -> list[ModelInfo]:
    """Every usable model the store knows, optionally only one task's (ENCODER includes classifiers)."""
    found: list[ModelInfo] = []
    seen: set[Path] = set()
    fileio.finish_replacements(paths.models_dir())   # a replacement a crash cut in two is finished first

    def add(folder: Path, source: str, name: str) -> None:
        try:
            real = folder.resolve()
            if real in seen:
                return
            info = inspect(folder, source=source, name=name)
        except (ModelDeskError, OSError):
            return
        seen.add(real)
        found.append(info)

    for folder in sorted(paths.models_dir().iterdir()):
        if not folder.name.startswith(".") and (folder.is_dir() or folder.suffix.lower() == GGUF_SUFFIX):
            add(folder, "app", folder.stem if folder.is_file() else folder.name)
    for name, folder in _imported().items():
        add(Path(folder), "imported", name)
    for cached in hfcache.cached_models():
        if cached.snapshot is not None:
            add(cached.snapshot, "hf-cache", cached.repo_id)
    if task is None:
        return found
    wanted = {ENCODER, "classify"} if task == ENCODER else {task}
    return [m for m in found if m.task in wanted]


def resolve(name_or_path: os.PathLike | str) -> ModelInfo:
    """A model by folder path or by a name the store knows."""
    text = str(name_or_path)
    candidate = Path(text).expanduser()
    if candidate.exists():
        return inspect(candidate)
    for info in list_models():
        if info.name == text:
            return info
    if os.sep in text or text.startswith((".", "~")):
        return inspect(candidate)  # raises: the folder does not exist
    raise ModelDeskError(f"No model named '{text}': give a model folder, or import or download it first.")


def safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return cleaned or "model"


def import_folder(folder: os.PathLike | str, name: Optional[str] = None, copy: bool = False,
                  progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> ModelInfo:
    """Make a folder known to the app.

    By default it is referenced where it lies; ``copy`` copies it into the app's
    models folder. A CTranslate2 (faster-whisper) folder is converted to Hugging
    Face layout in the models folder. An ONNX face generator (a folder holding one, or the
    ``.onnx`` file itself, which is copied) is checked against the documented signature first.
    """
    single = Path(folder).expanduser()
    importer = FILE_IMPORTERS.get(single.suffix.lower()) if single.is_file() else None
    if importer is not None:
        return inspect(importer(single, paths.models_dir() / safe_name(name or single.stem)), source="app")
    info = inspect(folder, source="imported", name=name)
    name = safe_name(name or info.name)
    if info.weights in IMPORT_CHECKS:
        IMPORT_CHECKS[info.weights](info.path, info.name)  # refuse what cannot run before listing it
    if info.weights in CONVERTERS:
        target = paths.models_dir() / name
        with fileio.atomic_dir(target) as tmp:
            CONVERTERS[info.weights](info.path, tmp, progress, cancel)
        return inspect(target, source="app", name=name)
    if copy:
        target = paths.models_dir() / (name + GGUF_SUFFIX if info.weights == "gguf" else name)
        if target.exists():
            raise ModelDeskError(f"A model named '{name}' already exists; choose another name.")
        if info.weights == "gguf":
            with fileio.atomic_path(target) as tmp:
                shutil.copyfile(info.path, tmp)
        else:
            with fileio.atomic_dir(target) as tmp:
                shutil.copytree(info.path, tmp, dirs_exist_ok=True)
        return inspect(target, source="app", name=name)
    imports = _imported()
    imports[name] = str(info.path.resolve())
    fileio.write_json(_imports_file(), imports)
    return inspect(info.path, source="imported", name=name)


def remove(name: str) -> None:
    """Forget an imported model, or delete the app's own copy of one; nothing else is ever deleted.

    ``name`` must be a name ``list_models`` shows for an imported or app model. An imported
    folder is only forgotten (it is the user's); an app model is deleted only when it is a real
    folder (not a link) directly inside the models folder, so no name can reach anything else.
    """
    imports = _imported()
    if name in imports:
        folder = imports.pop(name)
        fileio.write_json(_imports_file(), imports)
        export_dirs.forget(folder)   # the folder is the user's; its exports are the app's
        return
    known = {m.name: m for m in list_models()}
    info = known.get(name)
    if info is not None and info.source == "hf-cache":
        raise ModelDeskError(f"{name} is in the Hugging Face cache, which other apps share; delete it there "
                             "(Models page, Hugging Face cache, or models cache delete).")
    if info is None or info.source != "app":
        raise ModelDeskError(f"No removable model named '{name}'.")
    if in_use.users(info.path):
        raise ModelDeskError(f"{name} is in use by a running job; stop that job first, then remove the model.")
    root = paths.models_dir().resolve()
    target = root / (name + GGUF_SUFFIX if info.weights == "gguf" else name)
    if target.is_symlink() or target.resolve().parent != root:
        raise ModelDeskError(f"{name} in the models folder is a link to {target.resolve()}, not the app's own "
                             "copy, so ModelDesk leaves it alone.")
    if info.weights == "gguf":
        target.unlink()
    else:
        shutil.rmtree(target)
    export_dirs.forget(info.path)
    cache.forget(lambda key: isinstance(key, tuple) and str(info.path) in key)
