"""``translate``: translate a text or a document (.txt, .md, .srt, .vtt) with a Marian, NLLB, M2M100 or
mBART-50 model."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from models.core.events import Event, Partial

from . import CliError
from .options import add_model_options, event_printer, quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "translate", help="translate text or a document with a seq2seq model",
        description="Translates TEXT, or the document --file IN (.txt, .md, .srt, .vtt: lines, blank lines, "
                    "indentation, list markers, code blocks, cue numbers and timestamps are kept). The document "
                    "streams to stdout as it is translated, or is saved to --out OUT when it is done. "
                    "Multilingual models need --target (see --list-languages).")
    parser.add_argument("text", nargs="?", metavar="TEXT")
    add_model_options(parser, backend=True)
    parser.add_argument("--file", metavar="IN", help="a UTF-8 document to translate")
    parser.add_argument("--out", metavar="OUT", help="save the translated document here (written when complete)")
    parser.add_argument("--source", metavar="CODE", help="source language code (multilingual models)")
    parser.add_argument("--target", metavar="CODE", help="target language code (multilingual models)")
    parser.add_argument("--pivot", metavar="MODEL", help="a second pair model from English: translate through "
                                                         "English (MODEL after --model, e.g. de-en then en-fr)")
    parser.add_argument("--list-languages", action="store_true", help="print the model's language codes")
    parser.add_argument("--beam-size", type=int, default=4, metavar="N")
    parser.add_argument("--max-length", type=int, metavar="N",
                        help="most tokens per translated sentence (default: about twice the source)")
    parser.add_argument("--batch-size", type=int, default=8, metavar="N", help="sentences per batch")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.translate.translator import describe, translate, translate_file

    progress = event_printer()
    common = dict(device=args.device, backend=args.backend, allow_pickle=args.allow_pickle)
    if args.list_languages:
        facts = describe(args.model, progress=progress, **common)
        if facts["codes"]:
            print("\n".join(facts["codes"]))
        else:
            pair = " -> ".join(facts["pair"]) if facts["pair"] else "one fixed language pair"
            print(f"This model translates {pair} (a fixed pair); it takes no codes.")
            for pivot in facts["pivots"]:
                print(f"Through English with {pivot['name']}: -> {pivot['target']} (--pivot {pivot['model']})")
        return 0
    if (args.text is None) == (args.file is None):
        raise CliError("give either a TEXT or --file IN")
    if args.out and not args.file:
        raise CliError("--out needs --file IN")
    if args.file and not Path(args.file).expanduser().is_file():
        file = Path(args.file).expanduser()
        raise CliError(f"{file} does not exist" if not file.exists() else f"{file} is not a file")
    settings = dict(source=args.source, target=args.target, beam_size=args.beam_size, max_length=args.max_length,
                    batch_size=args.batch_size, pivot=args.pivot, **common)
    if args.text is not None:
        print(translate(args.model, args.text, progress=progress, **settings))
        return 0
    if args.out:
        result = translate_file(args.model, args.file, args.out, progress=progress, **settings)
        print(f"Translated {result['units']} passages of {args.file} -> {result['out']}")
        return 0

    translate_file(args.model, args.file, progress=DocumentStream(), **settings)
    return 0


class DocumentStream:
    """Write a streamed document to stdout and its notes to stderr. Printed lines cannot be taken back,
    so after a restart (a retry once the GPU ran out of memory) the text already printed is not
    printed again: the stream goes on from where stdout stands."""

    def __init__(self) -> None:
        self.notes = event_printer(show_progress=False)   # a live line would mix with the streamed document
        self.printed = 0   # characters of this stream on stdout
        self.skip = 0      # characters of the restarted stream that are on stdout already

    def __call__(self, event: Event) -> None:
        if not isinstance(event, Partial):
            self.notes(event)
            return
        if event.restart:
            self.skip = self.printed
            return
        text = event.text[self.skip:]
        self.skip = max(0, self.skip - len(event.text))
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()
            self.printed += len(text)
