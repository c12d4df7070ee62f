"""``transcribe``: speech to text from sound files, printed or saved as text, SRT or WebVTT.

Several files are transcribed one after the other with the model loaded once; with ``--out``
they are saved into that folder as ``<name>.<format>``. Subtitles (and timestamped text) are
the cues of ``models.transcribe.cues``, cut by the --cue-* rules.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Iterable, Optional

from models.transcribe.cues import CueRules, build_cues
from models.transcribe.transcript import Segment, export, render, to_txt

from . import CliError, live
from .speech_options import choose_model, cue_rules
from .options import add_backend_option, event_printer, quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "transcribe", help="transcribe (or translate to English) sound files",
        description="Prints the transcript of each FILE; --format txt adds timestamps, srt and vtt make subtitles.")
    parser.add_argument("files", nargs="*", metavar="FILE", help="sound files (wav, flac, ogg, mp3, ...)")
    parser.add_argument("--model", metavar="PATH_OR_NAME",
                        help="a Whisper or CTC model folder or name (default: the first one installed)")
    parser.add_argument("--format", choices=("txt", "srt", "vtt"),
                        help="txt (timestamped lines), srt or vtt (default: plain text, or --out's suffix)")
    parser.add_argument("--language", metavar="L", help="the spoken language, e.g. en or German (default: detected)")
    parser.add_argument("--task", choices=("transcribe", "translate"), default="transcribe",
                        help="translate: English text from speech in another language (multilingual Whisper)")
    parser.add_argument("--out", metavar="PATH",
                        help="save the transcript here instead of printing it (several files: a folder)")
    parser.add_argument("--compute-device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where the model runs (default: the GPU when there is one)")
    parser.add_argument("--window", type=float, default=30.0, metavar="SECONDS",
                        help="how much audio Whisper's encoder hears at once, 1-30 s (default 30, as Whisper "
                             "was trained); a shorter window is faster and less accurate")
    rules = CueRules()
    parser.add_argument("--cue-seconds", type=float, default=rules.max_seconds, metavar="S",
                        help=f"longest subtitle cue (default {rules.max_seconds:g} s)")
    parser.add_argument("--cue-lines", type=int, default=rules.max_lines, metavar="N",
                        help=f"lines per cue (default {rules.max_lines})")
    parser.add_argument("--cue-chars", type=int, default=rules.line_chars, metavar="N",
                        help=f"line width in columns, a Chinese or Japanese character counting two (default "
                             f"{rules.line_chars}; mostly-CJK cues use {rules.wide_line_chars} full-width characters)")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="load a pickle-only checkpoint (.bin/.pt), with weights_only=True")
    add_backend_option(parser)
    live.add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def write_transcript(segments: Iterable[Segment], fmt: Optional[str], out: Optional[str],
                     rules: CueRules = CueRules()) -> None:
    """Save to ``out`` (format from --format or its suffix) or print (plain text unless --format);
    timed formats are written as subtitle cues."""
    segments = list(segments)
    cues = build_cues(segments, rules)
    if out:
        path = export(cues, out, fmt)
        print(f"Saved {path}", file=sys.stderr)
    elif fmt:
        sys.stdout.write(render(cues, fmt))
    else:
        sys.stdout.write(to_txt(segments, timestamps=False))
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    if live.wanted(args):
        quiet_libraries()
        return live.run(args)
    if not args.files:
        raise CliError("give a sound file to transcribe")
    rules = cue_rules(args)
    if not 1.0 <= args.window <= 30.0:
        raise CliError("--window must be between 1 and 30 seconds")
    missing = [name for name in args.files if not Path(name).is_file()]
    if missing:
        raise CliError(f"the sound file {missing[0]} does not exist")
    several = len(args.files) > 1
    if several and args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        raise CliError(f"with several files --out names a folder, and {args.out} is a file")
    quiet_libraries()
    from models.transcribe.files import transcribe_file
    from models.transcribe.recognizer import Recognizer

    recognizer = Recognizer.load(choose_model(args.model), device=args.compute_device,
                                 allow_pickle=args.allow_pickle, backend=args.backend)
    for name in args.files:
        transcript = transcribe_file(recognizer, name, language=args.language, task=args.task,
                                     window=args.window, progress=event_printer())
        out = args.out
        if several:
            if out:
                out = str(Path(out) / f"{Path(name).stem}.{args.format or 'txt'}")
            else:
                print(f"==> {name} <==", flush=True)
        write_transcript(transcript.segments, args.format, out, rules)
    return 0
