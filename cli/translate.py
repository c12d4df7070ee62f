"""``translate``: translate a text or a .txt file with a Marian, NLLB, M2M100 or mBART-50 model."""
from __future__ import annotations

import argparse
from pathlib import Path

from . import CliError
from .options import add_model_options, event_printer, quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "translate", help="translate text with a seq2seq model",
        description="Translates TEXT or --file IN (to stdout, or --out OUT). Multilingual models need "
                    "--target (see --list-languages).")
    parser.add_argument("text", nargs="?", metavar="TEXT")
    add_model_options(parser)
    parser.add_argument("--file", metavar="IN", help="a UTF-8 text file to translate")
    parser.add_argument("--out", metavar="OUT", help="write the translation here instead of stdout")
    parser.add_argument("--source", metavar="CODE", help="source language code (multilingual models)")
    parser.add_argument("--target", metavar="CODE", help="target language code (multilingual models)")
    parser.add_argument("--list-languages", action="store_true", help="print the model's language codes")
    parser.add_argument("--beam-size", type=int, default=4, metavar="N")
    parser.add_argument("--batch-size", type=int, default=8, metavar="N", help="sentences per batch")
    parser.set_defaults(func=run)


def _read(path: str) -> str:
    file = Path(path).expanduser()
    if not file.is_file():
        raise CliError(f"{file} does not exist" if not file.exists() else f"{file} is not a file")
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(f"{file} is not UTF-8 text") from None


def run(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.core import fileio
    from models.translate.translator import languages, translate

    progress = event_printer()
    if args.list_languages:
        codes = languages(args.model, device=args.device, backend=args.backend, allow_pickle=args.allow_pickle,
                          progress=progress)
        print("\n".join(codes) if codes else "This model translates one fixed language pair; it takes no codes.")
        return 0
    if (args.text is None) == (args.file is None):
        raise CliError("give either a TEXT or --file IN")
    text = _read(args.file) if args.file else args.text
    result = translate(args.model, text, source=args.source, target=args.target, beam_size=args.beam_size,
                       batch_size=args.batch_size, device=args.device, backend=args.backend,
                       allow_pickle=args.allow_pickle, progress=progress)
    if args.out:
        fileio.write_text(args.out, result + "\n")
        print(f"Translated {len(text.splitlines())} lines -> {args.out}")
    else:
        print(result)
    return 0
