"""``classify``: label texts, or every row of a CSV/TSV/JSON Lines file."""
from __future__ import annotations

import argparse
import sys

from . import CliError
from .options import add_model_options, event_printer, quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "classify", help="classify texts or a file with a sequence classifier",
        description="Prints label<TAB>probability per text, or classifies every row of --file into --out.")
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="texts to classify")
    add_model_options(parser)
    parser.add_argument("--file", metavar="IN", help="a CSV, TSV or JSON Lines file to classify")
    parser.add_argument("--out", metavar="OUT", help="the CSV to write (with --file)")
    parser.add_argument("--text-column", metavar="C", help="the column holding the text (default: detected)")
    parser.add_argument("--batch-size", type=int, default=32, metavar="N", help="texts per batch (default 32)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.classify.classifier import classify_file, classify_texts

    common = dict(device=args.device, backend=args.backend, batch_size=args.batch_size,
                  allow_pickle=args.allow_pickle, progress=event_printer())
    if args.file:
        if args.texts:
            raise CliError("give either texts or --file, not both")
        if not args.out:
            raise CliError("--file needs --out (the CSV to write)")
        summary = classify_file(args.model, args.file, args.out, text_column=args.text_column, **common)
        print(f"Classified {summary['rows']:,} rows ({summary['skipped']:,} skipped) in {summary['seconds']:.2f} s, "
              f"{summary['rows_per_s']:,.1f} rows/s -> {summary['output']}")
        if summary["parity"]:
            print(summary["parity"])
        return 0
    if not args.texts:
        raise CliError("give a text to classify, or --file IN --out OUT")
    predictions = classify_texts(args.model, args.texts, **common)
    for prediction in predictions:
        print(f"{prediction['label']}\t{prediction['score']:.4f}", flush=True)
    if predictions[0]["parity"]:   # stderr: stdout stays one label<TAB>probability line per text
        print(predictions[0]["parity"], file=sys.stderr)
    return 0
