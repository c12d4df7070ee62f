"""Every setting the app keeps, in one table: its key in the INI file, its type and its default.

Pages read and write through ``Settings.get``/``Settings.set`` with a ``Key`` member, never with a
string, so a key is spelled once and its default lives in one place. The file is
``MODELDESK_HOME/settings.ini`` (QSettings' INI format), so tests and portable installs stay
self-contained.
"""
from __future__ import annotations

from enum import Enum
from typing import Any, Optional

from PySide6.QtCore import QByteArray, QSettings

from models.core import paths


class Key(Enum):
    """(INI key, type, default)."""

    DEVICE = ("device", str, "auto")
    BACKEND = ("backend", str, "torch")
    ALLOW_PICKLE = ("allow_pickle", bool, False)
    THREADS = ("threads", int, 0)                          # torch's thread count; 0: one per core
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
    TRANSLATE_SOURCE = ("translate/source", str, "")
    TRANSLATE_TARGET = ("translate/target", str, "")
    TRANSLATE_DIR = ("translate/dir", str, "")
    TRANSLATE_BEAM_SIZE = ("translate/beam_size", int, 4)
    TRANSLATE_MAX_LENGTH = ("translate/max_length", int, 0)    # tokens per sentence; 0: about twice the source
    TRANSLATE_AS_YOU_TYPE = ("translate/as_you_type", bool, False)
    FACES_SEEDS = ("faces/seeds", str, "0-15")
    FACES_IMAGES = ("faces/images", str, "")
    TRANSCRIBE_DEVICE = ("transcribe/device", str, "")
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

    def runtime_options(self, _kwargs: Optional[dict] = None) -> dict:
        """The device, backend and pickle consent every model job receives (see workers.runner)."""
        return {"device": self.get(Key.DEVICE), "backend": self.get(Key.BACKEND),
                "allow_pickle": self.get(Key.ALLOW_PICKLE)}
