"""The live half of ``transcribe`` (--live, --device, --duration, --list-devices); not a subcommand.

Each committed segment is printed to stdout, with its timestamps, the moment it is committed
(and autosaved); notes go to stderr, starting with ``listening on <device>`` once the stream
is open. Ctrl-C stops the session cleanly: the utterance in progress is finished first.
"""
from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from models.core.events import CancelToken, Event, Final, Log
from models.transcribe.cues import build_cues
from models.transcribe.transcript import Segment, export, to_txt

from . import CliError
from .speech_options import choose_model, cue_rules


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("live microphone")
    group.add_argument("--live", action="store_true", help="transcribe the microphone as you speak (no FILE)")
    group.add_argument("--device", metavar="NAME_OR_INDEX",
                       help="the input device, by name (or part of it) or number (default: the system's)")
    group.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this much audio")
    group.add_argument("--list-devices", action="store_true", help="list the input devices and exit")


def wanted(args: argparse.Namespace) -> bool:
    """True when the command line asks for the live mode (or the device list)."""
    return bool(args.live or args.list_devices)


def list_devices() -> int:
    from models.transcribe.audio import list_input_devices

    devices = list_input_devices()
    if not devices:
        raise CliError("no audio input device was found: connect a microphone (or check the sound server)")
    for dev in devices:
        mark = "*" if dev.is_default else " "
        print(f"{mark}{dev.index:3d}  {dev.name}  ({dev.hostapi}, {dev.channels} ch, {dev.default_rate:g} Hz)")
    return 0


def _printer(event: Event) -> None:
    if isinstance(event, Final):
        sys.stdout.write(to_txt([Segment(event.start, event.end, event.text)]))
        sys.stdout.flush()
    elif isinstance(event, Log):
        line = event.message if event.level == "info" else f"modeldesk: {event.level}: {event.message}"
        print(line, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    if args.list_devices:
        return list_devices()
    if args.files:
        raise CliError("--live records the microphone: give either FILE or --live, not both")
    from models.transcribe.live import run_live

    rules = cue_rules(args)

    token = CancelToken()
    previous: Any = signal.signal(signal.SIGINT, lambda *_: token.cancel())
    try:
        result = run_live(choose_model(args.model), microphone=args.device, language=args.language, task=args.task,
                          device=args.compute_device, backend=args.backend, duration=args.duration,
                          allow_pickle=args.allow_pickle, progress=_printer, cancel=token)
    finally:
        signal.signal(signal.SIGINT, previous)
    if args.out:
        export(build_cues(result.segments, rules), args.out, args.format)
    if result.session_file:
        print(f"transcript autosaved in {result.session_file}", file=sys.stderr)
    return 1 if result.error else 0
