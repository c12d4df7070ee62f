"""``generate``: continue a prompt, or chat through the model's template, streamed to stdout."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, Optional

from models.core.events import Data, Event, Partial, Progress

from . import CliError
from .options import add_backend_option, add_model_options, event_printer, quiet_libraries

#: the sampling options; None means "not given" (the preset's or the default value applies)
_SAMPLING = ("temperature", "top_k", "top_p", "min_p", "repetition_penalty", "max_new_tokens", "seed")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate", help="continue a prompt or chat with a GPT-style model (a folder or a .gguf file)",
        description="Streams the continuation of PROMPT to stdout as the tokens come. With --chat, reads "
                    "the user's turns from stdin, one per line, and streams each reply through the model's "
                    "chat template.")
    parser.add_argument("prompt", nargs="?", metavar="PROMPT")
    add_model_options(parser, backend=False)
    add_backend_option(parser, extra=("onnx-int4",))
    parser.add_argument("--chat", action="store_true", help="chat: one user turn per line of stdin")
    parser.add_argument("--system", metavar="TEXT", default="", help="the system prompt (with --chat)")
    parser.add_argument("--preset", choices=("precise", "balanced", "creative"),
                        help="sampling settings to start from (options given beside it win)")
    parser.add_argument("--max-new-tokens", type=int, metavar="N", help="default 64")
    parser.add_argument("--temperature", type=float, help="0 always takes the most likely token (default 0.8)")
    parser.add_argument("--top-k", type=int, metavar="K", help="0 turns it off (default 50)")
    parser.add_argument("--top-p", type=float, metavar="P", help="1 turns it off (default 0.95)")
    parser.add_argument("--min-p", type=float, metavar="P", help="drop tokens below P x the top probability "
                                                                  "(0 turns it off, the default)")
    parser.add_argument("--repetition-penalty", type=float, metavar="X", help="above 1 discourages repeating "
                                                                             "(1 turns it off, the default)")
    parser.add_argument("--seed", type=int, help="the same seed gives the same text")
    parser.add_argument("--stop", action="append", default=[], metavar="TEXT",
                        help="end the text before TEXT (repeatable; \\n stands for a line break)")
    parser.add_argument("--context-policy", choices=("drop-oldest", "stop"), default="drop-oldest",
                        help="when the chat outgrows the model's context: drop the oldest turns (the system prompt "
                             "stays; the default), or stop and say so")
    parser.add_argument("--template", choices=("model", "plain"), default="model",
                        help="chat through the model's own template (default), or as plain 'Role: text' lines "
                             "(for a model whose template is missing or broken)")
    parser.add_argument("--show-prompt", action="store_true",
                        help="print the exact text the model receives to stderr before each reply")
    parser.add_argument("--json", action="store_true",
                        help="print the prompt or conversation, the text and the settings as JSON at the end "
                             "(instead of streaming)")
    parser.set_defaults(func=run)


def _sampling(args: argparse.Namespace) -> Any:
    from models.generate.sampling import Sampling, parse_stop

    sampling = Sampling(max_new_tokens=64)
    if args.preset:
        sampling = sampling.with_preset(args.preset)
    given = {name: getattr(args, name) for name in _SAMPLING if getattr(args, name) is not None}
    stops = tuple(s for text in args.stop for s in parse_stop(text))
    return Sampling(**{**sampling.to_dict(), **given, "stop": stops}).check()


def _printer(stream: bool, show_prompt: bool, facts: dict) -> Callable[[Event], None]:
    """Streamed pieces to stdout (unless --json); notes to stderr; the speed readout on a terminal; the
    prompt's facts (tokens, context, dropped turns) kept in ``facts`` for --json."""
    notes = event_printer(show_progress=False)  # a live line would mix with the streamed text

    def on_event(event: Event) -> None:
        if isinstance(event, Partial):
            if stream:
                sys.stdout.write(event.text)
                sys.stdout.flush()
        elif isinstance(event, Progress) and event.message.startswith(("Converting", "Reading")):
            if sys.stderr.isatty():   # the one-time 4-bit conversion: a live line until the text starts
                print(f"\r{event.message}\033[K", file=sys.stderr, end="", flush=True)
        elif isinstance(event, Data):
            if event.kind == "prompt":
                if sys.stderr.isatty():
                    print("\r\033[K", file=sys.stderr, end="", flush=True)
                facts.clear()
                facts.update(event.payload)
                if show_prompt:
                    print(f"--- prompt ({event.payload['tokens']} tokens) ---\n{event.payload['text']}\n---",
                          file=sys.stderr, flush=True)
            elif event.kind == "generation" and sys.stderr.isatty() and event.payload["readout"]:
                print(f"\n[{event.payload['readout']}]", file=sys.stderr, end="", flush=True)
        else:
            notes(event)

    return on_event


def _context(facts: dict) -> dict:
    """What --json and the saved conversation record of how the prompt was fitted."""
    return {k: facts[k] for k in ("policy", "dropped_turns", "tokens", "context") if k in facts}


def _turns() -> Any:
    """The user's turns from stdin: one per non-empty line; a prompt on stderr when a person types."""
    while True:
        if sys.stdin.isatty():
            print("you> ", file=sys.stderr, end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            return
        if line.strip():
            yield line.rstrip("\n")


def run(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.generate.chat import Conversation
    from models.generate.generator import describe, generate
    from models.generate.prompts import ContextFull

    sampling = _sampling(args)
    facts: dict = {}
    on_event = _printer(stream=not args.json, show_prompt=args.show_prompt, facts=facts)
    settings = dict(device=args.device, backend=args.backend, allow_pickle=args.allow_pickle, progress=on_event,
                    context_policy=args.context_policy, chat_template=args.template, **sampling.to_dict())
    if not args.chat:
        if args.prompt is None:
            raise CliError("give a PROMPT, or --chat to read turns from stdin")
        text = generate(args.model, args.prompt, **settings)
        result: Optional[dict] = {"model": args.model, "prompt": args.prompt, "text": text,
                                  "sampling": sampling.to_dict(), "context": _context(facts)}
        sys.stdout.write("\n" if not args.json else "")
    else:
        if args.prompt is not None:
            raise CliError("with --chat the turns come from stdin, not from PROMPT")
        facts_of_model = describe(args.model, device=args.device, backend=args.backend,
                                  allow_pickle=args.allow_pickle, progress=on_event)
        if not facts_of_model["chat"] and args.template == "model":
            raise CliError(f"{args.model} has no chat template, so it cannot chat with it; add --template plain, "
                           "or leave out --chat to continue a prompt instead")
        conversation = Conversation(system=args.system, sampling=sampling, model=args.model)
        for turn in _turns():
            conversation.add("user", turn)
            try:
                reply = generate(args.model, messages=conversation.for_model(), **settings)
            except ContextFull:
                conversation.messages.pop()   # the turn that did not fit is not part of the conversation
                if args.json:
                    print(json.dumps(conversation.to_dict(), indent=2, ensure_ascii=False))
                raise
            conversation.add("assistant", reply)
            conversation.context = _context(facts)
            if not args.json:
                sys.stdout.write("\n")
                sys.stdout.flush()
        result = conversation.to_dict()
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0
