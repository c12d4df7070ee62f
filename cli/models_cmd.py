"""``models``: list, import, download, remove and export-onnx — the Models page on the command line."""
from __future__ import annotations

import argparse
import sys

from models.core import store
from models.core.events import Event, Progress

from . import CliError
from .options import event_printer, quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="list, import, download, remove or export models",
                                   description="Manage the models ModelDesk knows.")
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="a table of the known models")
    listing.add_argument("--task", choices=store.TASKS + (store.ENCODER,), help="only this task's models")
    listing.set_defaults(func=run_list)

    add = sub.add_parser("import", help="make a model folder known (by reference, or --copy it)")
    add.add_argument("folder", metavar="FOLDER")
    add.add_argument("--name", help="the name to list it under (default: the folder's name)")
    add.add_argument("--copy", action="store_true", help="copy it into the app's models folder")
    add.set_defaults(func=run_import)

    download = sub.add_parser("download", help="download a model from the Hugging Face hub (safetensors only)")
    download.add_argument("repo_id", metavar="REPO_ID", help="e.g. Helsinki-NLP/opus-mt-en-de")
    download.add_argument("--name", help="the local name (default: the repository's name)")
    download.add_argument("--force", action="store_true", help="replace an app model of the same name")
    download.set_defaults(func=run_download)

    remove = sub.add_parser("remove", help="forget an imported model, or delete one of the app's own")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(func=run_remove)

    export = sub.add_parser("export-onnx", help="export a model (a classifier, a face generator) to ONNX (+ INT8) "
                                                "and check parity")
    export.add_argument("model", metavar="NAME_OR_PATH")
    export.add_argument("--no-int8", action="store_true", help="skip the INT8 quantized copy")
    export.set_defaults(func=run_export)


def run_list(args: argparse.Namespace) -> int:
    found = store.list_models(args.task)
    if not found:
        print("No models yet: import a folder or download one (modeldesk models --help).", file=sys.stderr)
        return 0
    rows = [("NAME", "TASK", "SOURCE", "WEIGHTS", "ONNX", "PATH")]
    rows += [(m.name, m.task, m.source, m.weights, "yes" if m.has_onnx else "no", str(m.path)) for m in found]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])
    return 0


def run_import(args: argparse.Namespace) -> int:
    info = store.import_folder(args.folder, name=args.name, copy=args.copy, progress=event_printer())
    how = "copied to" if info.source == "app" else "imported from"
    print(f"{info.name}: {info.task} model, {how} {info.path}")
    return 0


def _progress_lines(event: Event) -> None:
    """Download progress as plain stderr lines (one per file), readable in a log as on a terminal."""
    if isinstance(event, Progress) and event.message:
        share = f" ({event.fraction:.0%})" if event.fraction is not None else ""
        print(f"{event.message}{share}", file=sys.stderr, flush=True)


def run_download(args: argparse.Namespace) -> int:
    if args.repo_id.count("/") > 1 or not args.repo_id.strip("/ "):
        raise CliError(f"'{args.repo_id}' is not a hub repository id (like owner/name)")
    info = store.download(args.repo_id, name=args.name, overwrite=args.force, progress=_progress_lines)
    print(f"{info.name}: {info.task} model downloaded to {info.path}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    store.remove(args.name)
    print(f"Removed {args.name}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.core.exports import export_model
    from models.core.parity import format_parity

    parity = export_model(args.model, quantize=not args.no_int8, progress=event_printer())
    written = sorted((store.open_model(args.model).path / "onnx").glob("*.onnx"))
    print("Wrote " + " and ".join(str(path) for path in written))
    print(f"Parity: {format_parity(parity)}")
    return 0
