"""The desktop entry and icon that let people start ModelDesk from their menu or dock (Linux, XDG).

``install`` writes ``$XDG_DATA_HOME/applications/modeldesk.desktop`` (default ``~/.local/share``),
whose Exec and TryExec are the absolute path of this environment's ``modeldesk`` launcher (a
menu has no virtual environment on its PATH), and the icon into the hicolor theme, so that
``Icon=modeldesk`` resolves. ``StartupWMClass`` is the X11 class Qt gives the window
(gui.app.APP_NAME), so the dock groups the window with its launcher. No Qt here.
"""
from __future__ import annotations

import os
import sysconfig
from pathlib import Path

from models.core import fileio
from models.core.events import ModelDeskError

from .app import APP_ID, APP_NAME, resource

#: characters that make the desktop entry spec quote an Exec argument
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def entry_path() -> Path:
    return data_home() / "applications" / f"{APP_ID}.desktop"


def icon_path() -> Path:
    return data_home() / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"


def launcher() -> Path:
    """The ``modeldesk`` script pip installed beside this Python (the virtual environment's bin)."""
    path = Path(sysconfig.get_path("scripts")) / APP_ID
    if not path.is_file() or not os.access(path, os.X_OK):
        raise ModelDeskError(f"There is no {APP_ID} launcher at {path}: set the app up first (make setup).")
    return path


def _escape(value: str) -> str:
    """A desktop entry string value: backslashes and line breaks escaped."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def exec_value(program: Path) -> str:
    """``program`` as an Exec key's command line: quoted where the spec requires, % doubled."""
    text = str(program).replace("%", "%%")
    if any(c in _RESERVED for c in text):
        text = '"' + "".join("\\" + c if c in '"`$\\' else c for c in text) + '"'
    return _escape(text)


def entry_text(program: Path) -> str:
    """The template in resources/, with Exec and TryExec pointing at ``program``."""
    lines = []
    for line in resource(f"{APP_ID}.desktop").read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = f"Exec={exec_value(program)}"
        elif line.startswith("TryExec="):
            line = f"TryExec={_escape(str(program))}"
        elif line.startswith("StartupWMClass="):
            line = f"StartupWMClass={APP_NAME}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def install() -> tuple[Path, Path]:
    """Write the desktop entry and the icon (replacing earlier ones); returns their paths."""
    program = launcher()
    entry, icon = entry_path(), icon_path()
    fileio.write_bytes(icon, resource("icon.svg").read_bytes())
    fileio.write_text(entry, entry_text(program))
    return entry, icon


def uninstall() -> list[Path]:
    """Remove the desktop entry and the icon; returns those that were there."""
    removed = []
    for path in (entry_path(), icon_path()):
        if path.is_file():
            path.unlink()
            removed.append(path)
    return removed
