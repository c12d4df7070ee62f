"""``models``: list, catalogue, import, download, remove, cache and export-onnx — the Models page on
the command line."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from models.core import catalogue, downloads, export_dirs, hfcache, store
from models.core.events import Event, Progress
from models.core.units import format_size

from . import CliError
from .options import event_printer, quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="list, import, download, remove or export models",
                                   description="Manage the models ModelDesk knows.")
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="a table of the known models")
    listing.add_argument("--task", choices=store.TASKS + (store.ENCODER,), help="only this task's models")
    listing.set_defaults(func=run_list)

    shelf = sub.add_parser("catalogue", help="the recommended models, with size, licence and what they need")
    shelf.add_argument("--task", choices=store.TASKS, help="only this task's models")
    shelf.set_defaults(func=run_catalogue)

    add = sub.add_parser("import", help="make a model folder known (by reference, or --copy it)")
    add.add_argument("folder", metavar="FOLDER")
    add.add_argument("--name", help="the name to list it under (default: the folder's name)")
    add.add_argument("--copy", action="store_true", help="copy it into the app's models folder")
    add.set_defaults(func=run_import)

    download = sub.add_parser("download", help="download a model from the Hugging Face hub (resumes a stopped one)")
    download.add_argument("repo_id", metavar="REPO_OR_NAME",
                          help="a hub repository id (e.g. openai/whisper-tiny) or a catalogue name (e.g. whisper-tiny)")
    download.add_argument("--name", help="the local name (default: the repository's name)")
    download.add_argument("--force", action="store_true", help="replace an app model of the same name")
    download.add_argument("--allow-pickle", action="store_true",
                          help="download pickle weights (pytorch_model.bin) when the repository has no safetensors")
    download.set_defaults(func=run_download)

    remove = sub.add_parser("remove", help="forget an imported model, or delete one of the app's own")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(func=run_remove)

    cached = sub.add_parser("cache", help="the Hugging Face cache (shared with other apps): list or delete")
    cache_sub = cached.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    cache_list = cache_sub.add_parser("list", help="the model repositories in the cache, with their size")
    cache_list.set_defaults(func=run_cache_list)
    cache_delete = cache_sub.add_parser("delete", help="delete one repository from the cache")
    cache_delete.add_argument("repo_id", metavar="REPO_ID")
    cache_delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    cache_delete.set_defaults(func=run_cache_delete)

    export = sub.add_parser("export-onnx", help="export a model to ONNX (+ INT8) and check it against torch",
                            description="Writes the model folder's onnx/ files (fp32, and INT8 unless --no-int8), "
                                        "measures them against torch and records the parity in its manifest.")
    export.add_argument("model", metavar="NAME_OR_PATH")
    export.add_argument("--no-int8", action="store_true", help="skip the INT8 quantized copy")
    export.add_argument("--calibration", metavar="FILE",
                        help="classifiers: your rows (CSV/TSV/JSON Lines, labelled or not); INT8 is chosen on "
                             "part of them and checked on the rest (default: the fine-tune's own validation rows, "
                             "else built-in sentences only)")
    export.add_argument("--allow-pickle", action="store_true",
                        help="accept a model folder whose torch weights are a pickle (.bin/.pt), weights only")
    export.set_defaults(func=run_export)


def print_table(rows: Sequence[Sequence[str]]) -> None:
    """Columns padded to their widest cell; the last column (a path) is left as it is."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])


def run_list(args: argparse.Namespace) -> int:
    found = store.list_models(args.task)
    for partial in downloads.partial_downloads():
        print(f"Stopped download: {partial.name} ({partial.repo_id}, {partial.fraction:.0%} here); run "
              f"models download {partial.repo_id} to resume it.", file=sys.stderr)
    if not found:
        print("No models yet: import a folder or download one (modeldesk models --help).", file=sys.stderr)
        return 0
    rows = [("NAME", "TASK", "SOURCE", "WEIGHTS", "ONNX", "PATH")]
    rows += [(m.name, m.task, m.source, m.weights, "yes" if m.has_onnx else "no", str(m.path)) for m in found]
    print_table(rows)
    return 0


def run_catalogue(args: argparse.Namespace) -> int:
    here = catalogue.machine()
    rows = [("NAME", "TASK", "SIZE", "LICENCE", "LANGUAGES", "NEEDS", "FITS", "REPOSITORY")]
    for entry in catalogue.for_task(args.task):
        fits, why = catalogue.fits(entry, here)
        rows.append((entry.name, entry.task, entry.download_text, entry.licence, entry.languages_text,
                     entry.needs_text, why if fits else f"no: {why}", entry.repo_id))
    print_table(rows)
    return 0


def run_import(args: argparse.Namespace) -> int:
    info = store.import_folder(args.folder, name=args.name, copy=args.copy, progress=event_printer())
    how = "copied to" if info.source == "app" else "imported from"
    print(f"{info.name}: {info.task} model, {how} {info.path}")
    return 0


class ByteBar:
    """Download progress as a tqdm bar (bytes, speed, time left) on a terminal; nothing when piped."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar = None

    def __call__(self, event: Event) -> None:
        if not isinstance(event, Progress) or not event.total:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=int(event.total), initial=int(event.done), desc=self.label, unit="B",
                            unit_scale=True, file=sys.stderr, disable=None, dynamic_ncols=True)
        self.bar.update(int(event.done) - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_download(args: argparse.Namespace) -> int:
    entry = catalogue.find(args.repo_id)
    repo_id = entry.repo_id if entry is not None else args.repo_id.strip()
    bar = ByteBar(repo_id)
    try:
        info = downloads.download(repo_id, name=args.name, overwrite=args.force, allow_pickle=args.allow_pickle,
                                  progress=bar)
    except KeyboardInterrupt:
        bar.close()
        print("modeldesk: what arrived is kept; run the same command again to resume.", file=sys.stderr)
        raise
    bar.close()
    print(f"{info.name}: {info.task} model downloaded to {info.path}")
    return 0


def run_cache_list(args: argparse.Namespace) -> int:
    found = hfcache.cached_models()
    if not found:
        print(f"The Hugging Face cache ({hfcache.cache_dir()}) holds no models.", file=sys.stderr)
        return 0
    rows = [("REPOSITORY", "SIZE", "FILES", "REVISIONS", "PATH")]
    rows += [(m.repo_id, format_size(m.size_bytes), str(m.files), str(m.revisions), str(m.path)) for m in found]
    print_table(rows)
    return 0


def run_cache_delete(args: argparse.Namespace) -> int:
    found = {m.repo_id: m for m in hfcache.cached_models()}
    target = found.get(args.repo_id)
    if target is None:
        raise CliError(f"'{args.repo_id}' is not in the Hugging Face cache ({hfcache.cache_dir()})")
    if not args.yes and not _confirm(f"Delete {args.repo_id} ({format_size(target.size_bytes)}) from the Hugging "
                                     "Face cache, which other apps share?"):
        print("Nothing deleted.", file=sys.stderr)
        return 1
    freed = hfcache.delete_cached(args.repo_id)
    print(f"Deleted {args.repo_id} from the Hugging Face cache ({format_size(freed)} freed)")
    return 0


def _confirm(question: str) -> bool:
    """Ask on a terminal; without one, only --yes may delete."""
    if not sys.stdin.isatty():
        raise CliError("stdin is not a terminal, so nothing can be confirmed; add --yes to delete")
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def run_remove(args: argparse.Namespace) -> int:
    store.remove(args.name)
    print(f"Removed {args.name}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.core.exports import export_model
    from models.core.parity import format_parity

    parity = export_model(args.model, quantize=not args.no_int8, allow_pickle=args.allow_pickle,
                          calibration=args.calibration, progress=event_printer())
    info = store.open_model(args.model, allow_pickle=args.allow_pickle)
    folder = export_dirs.onnx_dir(info.path)
    print(f"Wrote {', '.join(sorted(p.name for p in folder.glob('*.onnx')))} in {folder}")
    print(f"Parity: {format_parity(parity)}")
    for name, note in ((info.manifest.get("placement") or {}).get("int8_on_cpu") or {}).items():
        print(f"On this machine's GPU, {name}: {note}")
    return 0
