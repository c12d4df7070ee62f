"""The command line: thin clients of models/, one module per subcommand group."""
from __future__ import annotations

import argparse
import importlib
import logging
import pickle
import sys

from models.core.events import Cancelled, ModelDeskError, describe_error

#: modules that each define ``register(subparsers)``; every parser sets ``func``
COMMAND_MODULES = ("cli.classify", "cli.generate", "cli.translate", "cli.faces", "cli.transcribe",
                   "cli.models_cmd", "cli.train", "cli.compress")

log = logging.getLogger("modeldesk.cli")


class CliError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


def _thread_count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of threads (a whole number from 1)")
    return int(text)


def add_subcommands(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=_thread_count, metavar="N",
                        help="torch and ONNX Runtime threads for this run (default: MODELDESK_THREADS, else every "
                             "core for torch and ONNX Runtime's own choice)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)


def run(args: argparse.Namespace) -> int:
    """Run a parsed subcommand; every failure becomes one line on stderr.

    torch's thread count is set here, once, before any model loads (models/ never changes it).
    """
    try:
        from models.core import runtime

        runtime.set_threads(args.threads)
        return int(args.func(args) or 0)
    except (ModelDeskError, CliError) as exc:
        print(f"modeldesk: error: {exc}", file=sys.stderr)
        return 2
    except pickle.UnpicklingError as exc:   # a checkpoint weights_only refused: the user's file, not a bug
        print(f"modeldesk: error: {describe_error(exc)}", file=sys.stderr)
        return 2
    except Cancelled:
        print("modeldesk: stopped", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("modeldesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last resort: still one line, details in the log
        log.exception("command failed")
        print(f"modeldesk: error: {describe_error(exc)}", file=sys.stderr)
        return 1
