"""The command line: thin clients of models/, one module per subcommand group."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from models.core.events import Cancelled, ModelDeskError, describe_error

#: modules that each define ``register(subparsers)``; every parser sets ``func``
COMMAND_MODULES = ("cli.classify", "cli.generate", "cli.translate", "cli.faces", "cli.transcribe",
                   "cli.models_cmd", "cli.train")

log = logging.getLogger("modeldesk.cli")


class CliError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


def add_subcommands(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)


def run(args: argparse.Namespace) -> int:
    """Run a parsed subcommand; every failure becomes one line on stderr."""
    try:
        return int(args.func(args) or 0)
    except (ModelDeskError, CliError) as exc:
        print(f"modeldesk: error: {exc}", file=sys.stderr)
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
