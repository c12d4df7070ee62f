"""``generate``: continue a prompt with a causal language model, streamed to stdout."""
from __future__ import annotations

import argparse
import sys

from models.core.events import Event, Partial

from .options import add_model_options, event_printer, quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate", help="continue a prompt with a GPT-style model",
        description="Streams the continuation of PROMPT to stdout as the tokens come.")
    parser.add_argument("prompt", metavar="PROMPT")
    add_model_options(parser)
    parser.add_argument("--max-new-tokens", type=int, default=64, metavar="N")
    parser.add_argument("--temperature", type=float, default=0.8, help="0 always takes the most likely token")
    parser.add_argument("--top-k", type=int, default=50, metavar="K", help="0 turns it off")
    parser.add_argument("--top-p", type=float, default=0.95, metavar="P", help="1 turns it off")
    parser.add_argument("--seed", type=int, help="the same seed gives the same text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.generate.generator import generate

    notes = event_printer(show_progress=False)  # a live line would mix with the streamed text

    def on_event(event: Event) -> None:
        if isinstance(event, Partial):
            sys.stdout.write(event.text)
            sys.stdout.flush()
        else:
            notes(event)

    generate(args.model, args.prompt, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
             top_k=args.top_k, top_p=args.top_p, seed=args.seed, device=args.device, backend=args.backend,
             allow_pickle=args.allow_pickle, progress=on_event)
    sys.stdout.write("\n")
    return 0
