"""Where ModelDesk keeps its data: MODELDESK_HOME or a per-user folder."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def home() -> Path:
    """The data folder (models, runs, transcripts, settings, logs), created on demand."""
    env = os.environ.get("MODELDESK_HOME")
    if env:
        root = Path(env).expanduser()
    elif sys.platform == "win32":
        root = Path(os.environ.get("APPDATA", Path.home())) / "ModelDesk"
    elif sys.platform == "darwin":
        root = Path.home() / "Library" / "Application Support" / "ModelDesk"
    else:
        root = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "ModelDesk"
    root.mkdir(parents=True, exist_ok=True)
    return root


def subdir(name: str) -> Path:
    path = home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_dir() -> Path:
    return subdir("models")


def runs_dir() -> Path:
    return subdir("runs")


def transcripts_dir() -> Path:
    return subdir("transcripts")


def logs_dir() -> Path:
    return subdir("logs")
