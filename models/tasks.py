"""What each task package lends to core, registered here so that core never names a task.

The store reads layouts that only a task understands (an ONNX-only face generator, a CTranslate2
Whisper folder, a model class ModelDesk defines itself), and every task has an ONNX exporter. Core
keeps empty tables for them (``store.BARE_FOLDERS`` ...; ``exports.EXPORTERS``); ``models/__init__.py``
imports this module, so they are filled before any core function can run. Only light modules are
imported here: whatever needs torch or onnx is imported when it is called.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from models.core import exports, store
from models.core.events import CancelToken, ProgressFn
from models.faces import onnx_generator


def _onnx_generator_folder(folder: Path) -> Optional[tuple[str, str, str]]:
    return ("faces", "onnx", onnx_generator.MODEL_TYPE) if onnx_generator.is_onnx_generator_folder(folder) else None


def _check_onnx_generator(folder: Path, shown: str) -> None:
    onnx_generator.read_signature(onnx_generator.top_level_onnx(folder), shown)


def _convert_ctranslate2(source: Path, target: Path, progress: ProgressFn, cancel: Optional[CancelToken]) -> None:
    from models.transcribe.ct2_import import convert_whisper   # imported only when a folder is converted

    convert_whisper(source, target, progress=progress, cancel=cancel)
    store.write_manifest(target, task="transcribe", source=f"converted from CTranslate2 folder {source}")


store.LOCAL_ARCHITECTURES["modeldesk_pruned_bert"] = "models.classify.pruned_bert"
store.BARE_FOLDERS.append(_onnx_generator_folder)
store.IMPORT_CHECKS["onnx"] = _check_onnx_generator
store.FILE_IMPORTERS[".onnx"] = onnx_generator.import_onnx_file
store.CONVERTERS["ctranslate2"] = _convert_ctranslate2
exports.EXPORTERS.update({
    "classify": "models.classify.onnx_export:export_classifier",
    "generate": "models.generate.onnx_export:export_generator",
    "translate": "models.translate.onnx_export:export_translator",
    "faces": "models.faces.onnx_export:export_generator",
    "transcribe": "models.transcribe.onnx_export:export_recognizer",
})
