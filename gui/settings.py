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
    TRANSLATE_SOURCE = ("translate/source", str, "")
    TRANSLATE_TARGET = ("translate/target", str, "")
    TRANSLATE_DIR = ("translate/dir", str, "")
    FACES_SEED = ("faces/seed", float, 0.0)
    FACES_ROWS = ("faces/rows", int, 2)
    FACES_COLS = ("faces/cols", int, 4)
    FACES_PSI = ("faces/psi", float, 1.0)
    FACES_PATH = ("faces/path", str, "3,7,12")
    FACES_FRAMES = ("faces/frames", int, 48)
    FACES_IMAGES = ("faces/images", str, "")
    FACES_IMAGE_SIZE = ("faces/image_size", int, 64)
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
