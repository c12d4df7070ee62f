"""ModelDesk entry point: the GUI with no arguments, a subcommand for scripting."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from typing import Optional, Sequence

from models import __version__
PANELS = ("classify", "generate", "translate", "faces", "transcribe", "dashboard", "models")


def _setup_logging() -> None:
    from models.core import paths

    log_file = str(paths.logs_dir() / "modeldesk.log")
    root = logging.getLogger()
    if any(getattr(h, "baseFilename", None) == log_file for h in root.handlers):
        return  # main() called again in the same process (scripts, tests)
    handler = RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _offline_defaults() -> None:
    """Nothing reaches the network unless the user presses Download."""
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _desktop(install: bool) -> int:
    from gui import desktop_entry
    from models.core.events import ModelDeskError

    try:
        if install:
            entry, icon = desktop_entry.install()
            print(f"Installed {entry} and {icon}; ModelDesk is in the desktop's menu.")
        else:
            removed = desktop_entry.uninstall()
            print("Removed " + " and ".join(map(str, removed)) if removed else "No desktop entry was installed.")
    except (ModelDeskError, OSError) as exc:
        print(f"modeldesk: error: {exc}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    from cli import add_subcommands

    parser = argparse.ArgumentParser(prog="modeldesk", description="ModelDesk: an offline AI workbench.")
    parser.add_argument("--version", action="version", version=f"ModelDesk {__version__}")
    parser.add_argument("--screenshot", metavar="PATH", help="render the main window to a PNG and exit")
    parser.add_argument("--panel", choices=PANELS, help="the page to show (with --screenshot, or at start)")
    desktop = parser.add_mutually_exclusive_group()
    desktop.add_argument("--install-desktop", action="store_true",
                         help="add ModelDesk to the desktop's menu and dock (a desktop entry and its icon) and exit")
    desktop.add_argument("--uninstall-desktop", action="store_true",
                         help="remove the desktop entry and icon that --install-desktop wrote, and exit")
    add_subcommands(parser)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    _offline_defaults()
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging()
    if getattr(args, "command", None):
        from cli import run

        return run(args)
    if args.install_desktop or args.uninstall_desktop:
        return _desktop(args.install_desktop)
    from gui.app import run_gui

    return run_gui(panel=args.panel, screenshot=args.screenshot)


if __name__ == "__main__":
    sys.exit(main())
