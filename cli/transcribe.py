"""``transcribe``: speech to text from a sound file, printed or saved as text, SRT or WebVTT."""
from __future__ import annotations

import argparse
import sys
from typing import Iterable, Optional

from models.transcribe.transcript import Segment, export, render, to_txt

from . import CliError, live
from .options import add_backend_option, event_printer, quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "transcribe", help="transcribe (or translate to English) a sound file",
        description="Prints the transcript of FILE; --format txt adds timestamps, srt and vtt make subtitles.")
    parser.add_argument("file", nargs="?", metavar="FILE", help="a sound file (wav, flac, ogg, mp3, ...)")
    parser.add_argument("--model", metavar="PATH_OR_NAME",
                        help="a Whisper or CTC model folder or name (default: the first one installed)")
    parser.add_argument("--format", choices=("txt", "srt", "vtt"),
                        help="txt (timestamped lines), srt or vtt (default: plain text, or --out's suffix)")
    parser.add_argument("--language", metavar="L", help="the spoken language, e.g. en or German (default: detected)")
    parser.add_argument("--task", choices=("transcribe", "translate"), default="transcribe",
                        help="translate: English text from speech in another language (multilingual Whisper)")
    parser.add_argument("--out", metavar="PATH", help="save the transcript here instead of printing it")
    parser.add_argument("--compute-device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where the model runs (default: the GPU when there is one)")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="load a pickle-only checkpoint (.bin/.pt), with weights_only=True")
    add_backend_option(parser)
    live.add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


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


def write_transcript(segments: Iterable[Segment], fmt: Optional[str], out: Optional[str]) -> None:
    """Save to ``out`` (format from --format or its suffix) or print (plain text unless --format)."""
    if out:
        path = export(segments, out, fmt)
        print(f"Saved {path}", file=sys.stderr)
    elif fmt:
        sys.stdout.write(render(segments, fmt))
    else:
        sys.stdout.write(to_txt(segments, timestamps=False))
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    if live.wanted(args):
        quiet_libraries()
        return live.run(args)
    if not args.file:
        raise CliError("give a sound file to transcribe")
    quiet_libraries()
    from models.transcribe.recognizer import Recognizer, transcribe_file

    recognizer = Recognizer.load(choose_model(args.model), device=args.compute_device, allow_pickle=args.allow_pickle)
    transcript = transcribe_file(recognizer, args.file, language=args.language, task=args.task, backend=args.backend,
                                 progress=event_printer())
    write_transcript(transcript.segments, args.format, args.out)
    return 0
