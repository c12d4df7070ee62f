"""Options and event printing shared by the model commands (classify, generate, translate, faces, transcribe)."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Callable

from models.core.events import Event, Log, Progress


def quiet_libraries() -> None:
    """No library progress bars or advice on stderr: the command prints its own notes and errors.

    transformers reads these at import time; when it is already loaded (main.main called from a
    script) it is told directly.
    """
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if "transformers" in sys.modules:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()


def add_backend_option(parser: argparse.ArgumentParser, extra: tuple[str, ...] = ()) -> None:
    """--backend: the engine that runs the model; an ONNX one needs the model's export (``extra``: more
    backends the command offers, as generate's onnx-int4)."""
    parser.add_argument("--backend", choices=("torch", "onnx-fp32", "onnx-int8", *extra), default="torch",
                        help="inference engine: torch, or ONNX Runtime fp32 / INT8, which need the model's export "
                             "(modeldesk models export-onnx, or the Models page)")


def add_model_options(parser: argparse.ArgumentParser, backend: bool = True) -> None:
    """--model, --device and --allow-pickle, and --backend unless the command trains (training is torch's)."""
    parser.add_argument("--model", required=True, metavar="PATH_OR_NAME",
                        help="a model folder, or the name of a model the app knows")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where to run (default: the GPU when there is one)")
    if backend:
        add_backend_option(parser)
    parser.add_argument("--allow-pickle", action="store_true",
                        help="load a pickle-only checkpoint (.bin/.pt), with weights_only=True")


def event_printer(show_progress: bool = True) -> Callable[[Event], None]:
    """A progress callback for the terminal: notes as stderr lines, progress as one live stderr line.

    The live line appears only on a terminal (never in a log file or a pipe).
    """
    live = show_progress and sys.stderr.isatty()
    state = {"open": False}

    def close_line() -> None:
        if state["open"]:
            sys.stderr.write("\n")
            state["open"] = False

    def on_event(event: Event) -> None:
        if isinstance(event, Log):
            close_line()
            print(f"modeldesk: {event.level}: {event.message}", file=sys.stderr, flush=True)
        elif isinstance(event, Progress) and live and event.message:
            sys.stderr.write(f"\r\033[K{event.message}")
            sys.stderr.flush()
            state["open"] = True
            if event.fraction == 1.0:
                close_line()

    return on_event
