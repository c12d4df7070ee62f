"""What ``transcribe`` and its live half share: the model to use and the subtitle cue rules.

Its own module so that cli/transcribe (files) and cli/live (the microphone) both import it
and neither imports the other's back.
"""
from __future__ import annotations

import argparse
from typing import Optional

from models.transcribe.cues import CueRules

from . import CliError


def choose_model(name: Optional[str]) -> str:
    """The model asked for, else the first transcription model the store knows."""
    if name:
        return name
    from models.core import store

    installed = store.list_models("transcribe")
    if not installed:
        raise CliError("no transcription model is installed: import or download one (a Whisper or "
                       "faster-whisper folder) on the Models page, or pass --model PATH")
    return str(installed[0].path)


def cue_rules(args: argparse.Namespace) -> CueRules:
    """The --cue-* options, checked."""
    if args.cue_seconds <= 0 or args.cue_lines < 1 or args.cue_chars < 10:
        raise CliError("--cue-seconds must be positive, --cue-lines at least 1 and --cue-chars at least 10")
    return CueRules(max_seconds=args.cue_seconds, max_lines=args.cue_lines, line_chars=args.cue_chars)
