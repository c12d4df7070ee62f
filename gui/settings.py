"""Every setting the app keeps, in one table: its key in the INI file, its type and its default.

Pages read and write through ``Settings.get``/``Settings.set`` with a ``Key`` member, never with a
string, so a key is spelled once and its default lives in one place. The file is
``MODELDESK_HOME/settings.ini`` (QSettings' INI format), so tests and portable installs stay
self-contained.
"""
from __future__ import annotations

import json
from enum import Enum
from typing import Any, Optional

from PySide6.QtCore import QByteArray, QSettings

from models.core import paths

#: the backend of a model nobody chose one for: it needs no export, so it always runs
BACKEND_DEFAULT = "torch"


class Key(Enum):
    """(INI key, type, default)."""

    DEVICE = ("device", str, "auto")
    LANGUAGE = ("language", str, "system")                 # "system" or a locale of gui.i18n.LANGUAGES
    MODEL_BACKENDS = ("models/backends", str, "")          # JSON {model folder: backend}; absent: torch
    ALLOW_PICKLE = ("allow_pickle", bool, False)
    THREADS = ("threads", int, 0)                          # torch's thread count; 0: one per core
    CRASH_SEEN = ("crash/seen", float, 0.0)                # the newest crash log already reported (its mtime)
    WINDOW_GEOMETRY = ("window/geometry", QByteArray, None)
    WINDOW_PAGE = ("window/page", str, "classify")
    CLASSIFY_BATCH_SIZE = ("classify/batch_size", int, 32)
    CLASSIFY_DATA_DIR = ("classify/data_dir", str, "")
    GENERATE_MAX_NEW_TOKENS = ("generate/max_new_tokens", int, 64)
    GENERATE_TEMPERATURE = ("generate/temperature", float, 0.8)
    GENERATE_TOP_K = ("generate/top_k", int, 50)
    GENERATE_TOP_P = ("generate/top_p", float, 0.95)
    GENERATE_SEED = ("generate/seed", int, -1)
    GENERATE_MIN_P = ("generate/min_p", float, 0.0)
    GENERATE_REPETITION_PENALTY = ("generate/repetition_penalty", float, 1.0)
    GENERATE_STOP = ("generate/stop", str, "")              # stop strings, one per line (sampling.parse_stop)
    GENERATE_SYSTEM = ("generate/system", str, "")          # the chat's system prompt
    GENERATE_DIR = ("generate/dir", str, "")                # where conversations were last saved or opened
    GENERATE_CONTEXT_POLICY = ("generate/context_policy", str, "drop-oldest")   # prompts.POLICIES
    GENERATE_TEMPLATE = ("generate/template", str, "model")  # the model's chat template, or "plain"
    TRANSLATE_SOURCE = ("translate/source", str, "")
    TRANSLATE_TARGET = ("translate/target", str, "")
    TRANSLATE_DIR = ("translate/dir", str, "")
    TRANSLATE_BEAM_SIZE = ("translate/beam_size", int, 4)
    TRANSLATE_MAX_LENGTH = ("translate/max_length", int, 0)    # tokens per sentence; 0: about twice the source
    TRANSLATE_AS_YOU_TYPE = ("translate/as_you_type", bool, False)
    FACES_SEED = ("faces/seed", float, 0.0)
    FACES_ROWS = ("faces/rows", int, 2)
    FACES_COLS = ("faces/cols", int, 4)
    FACES_PSI = ("faces/psi", float, 1.0)
    FACES_PATH = ("faces/path", str, "3,7,12")
    FACES_FRAMES = ("faces/frames", int, 48)
    FACES_IMAGES = ("faces/images", str, "")
    FACES_IMAGE_SIZE = ("faces/image_size", int, 64)
    TRANSCRIBE_DEVICE = ("transcribe/device", str, "")
    TRANSCRIBE_CUE_SECONDS = ("transcribe/cue_seconds", float, 7.0)   # subtitle cues: longest
    TRANSCRIBE_CUE_LINES = ("transcribe/cue_lines", int, 2)           # lines per cue
    TRANSCRIBE_CUE_CHARS = ("transcribe/cue_chars", int, 42)          # characters per line
    TRANSCRIBE_EXPORT_FORMAT = ("transcribe/export_format", str, "srt")
    TRANSCRIBE_WINDOW = ("transcribe/window", float, 30.0)          # Whisper's encoder input for files (s)
    MODEL_CLASSIFY = ("models/classify", str, "")
    MODEL_ENCODER = ("models/encoder", str, "")
    MODEL_GENERATE = ("models/generate", str, "")
    MODEL_TRANSLATE = ("models/translate", str, "")
    MODEL_FACES = ("models/faces", str, "")
    MODEL_TRANSCRIBE = ("models/transcribe", str, "")

    @property
    def name_in_file(self) -> str:
        return self.value[0]

    @property
    def type(self) -> type:
        return self.value[1]

    @property
    def default(self) -> Any:
        return self.value[2]

    @classmethod
    def model(cls, task: str) -> "Key":
        """The key remembering the last model chosen for a task."""
        return cls[f"MODEL_{task.upper()}"]


class Settings:
    """Typed access to the settings file."""

    def __init__(self, store: Optional[QSettings] = None) -> None:
        self.store = store or QSettings(str(paths.home() / "settings.ini"), QSettings.Format.IniFormat)

    def get(self, key: Key) -> Any:
        if key.type in (int, float, bool, str):
            return self.store.value(key.name_in_file, key.default, type=key.type)
        return self.store.value(key.name_in_file, key.default)

    def set(self, key: Key, value: Any) -> None:
        self.store.setValue(key.name_in_file, value)

    def sync(self) -> None:
        self.store.sync()

    def _backends(self) -> dict[str, str]:
        try:
            chosen = json.loads(self.get(Key.MODEL_BACKENDS) or "{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in chosen.items()} if isinstance(chosen, dict) else {}

    def backend_for(self, model: str) -> str:
        """The backend chosen for a model folder; PyTorch for a model without a choice.

        A backend is chosen per model because exports are per model: a global ONNX default would
        make every model without an export fail (there is no silent fallback to torch).
        """
        return self._backends().get(str(model), BACKEND_DEFAULT) if model else BACKEND_DEFAULT

    def set_backend_for(self, model: str, backend: str) -> None:
        chosen = self._backends()
        if backend == BACKEND_DEFAULT:
            chosen.pop(str(model), None)
        else:
            chosen[str(model)] = backend
        self.set(Key.MODEL_BACKENDS, json.dumps(chosen, sort_keys=True))

    def runtime_options(self, kwargs: Optional[dict] = None) -> dict:
        """The device, backend and pickle consent a model job receives (see workers.runner); the backend
        is the one chosen for the job's ``model``."""
        return {"device": self.get(Key.DEVICE), "backend": self.backend_for(str((kwargs or {}).get("model") or "")),
                "allow_pickle": self.get(Key.ALLOW_PICKLE)}
