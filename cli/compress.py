"""``compress-classifier``: distil or prune a fine-tuned classifier, and measure it beside its teacher."""
from __future__ import annotations

import argparse

from .options import add_model_options, quiet_libraries
from .train import add_loop_options, epoch_printer


def _share(text: str) -> float:
    """A sparsity: 0.4 or 40%."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a share (e.g. 0.4 or 40%)") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a share from 0 up to (not including) 1")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compress-classifier", help="distil or prune a fine-tuned classifier into a smaller, faster one",
        description="Trains a smaller classifier from a fine-tuned one (the teacher) on a labelled file: a student "
                    "with fewer layers (distill) or the teacher without its least important attention heads and "
                    "FFN neurons (prune, then a short recovery fine-tune). The result is saved in the app's models "
                    "folder, exported to ONNX + INT8, and measured beside the teacher on --eval: macro-F1, "
                    "latency at batch size 1 and size on disk.")
    add_model_options(parser)
    parser.add_argument("--train", required=True, metavar="FILE", help="labelled training file")
    parser.add_argument("--eval", required=True, metavar="FILE",
                        help="held-out labelled file that the teacher and the result are measured on")
    parser.add_argument("--method", required=True, choices=("distill", "prune"), help="how to compress")
    parser.add_argument("--out", required=True, metavar="NAME", help="name of the compressed classifier")
    parser.add_argument("--layers", type=int, default=2, metavar="N", help="distill: the student's layers (default 2)")
    parser.add_argument("--layer-choice", choices=("spread", "first"), default="spread",
                        help="distill: start from evenly spread teacher layers (the last included) or the first N "
                             "(default spread)")
    parser.add_argument("--sparsity", type=_share, default=0.4, metavar="S",
                        help="prune: share of all attention heads to remove (default 0.4)")
    parser.add_argument("--ffn-sparsity", type=_share, default=0.0, metavar="S",
                        help="prune: share of all FFN neurons to remove (default 0)")
    parser.add_argument("--temperature", type=float, default=2.0, help="softmax temperature of the soft targets (2)")
    parser.add_argument("--alpha", type=float, default=0.5,
                        help="weight of the teacher's soft targets; 1 - alpha weighs the labels (default 0.5)")
    parser.add_argument("--hidden-weight", type=float, default=0.0,
                        help="weight of matching the teacher's hidden states; 0 turns it off (default 0)")
    parser.add_argument("--validation", metavar="FILE",
                        help="labelled file that picks the best epoch (default: a stratified split of --train)")
    add_loop_options(parser, lr=1e-4)
    parser.add_argument("--latency-rows", type=int, default=100, metavar="N",
                        help="texts of --eval timed one at a time per model (default 100)")
    parser.add_argument("--no-export", action="store_true", help="do not export the result to ONNX + INT8")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    quiet_libraries()
    from models.classify.compress import compress_classifier
    from models.classify.report import format_tradeoff

    outcome = compress_classifier(
        model=args.model, train=args.train, test=args.eval, eval=args.validation, out_name=args.out,
        method=args.method, layers=args.layers, layer_choice=args.layer_choice, sparsity=args.sparsity,
        ffn_sparsity=args.ffn_sparsity, temperature=args.temperature, alpha=args.alpha,
        hidden_weight=args.hidden_weight, text_column=args.text_column, label_column=args.label_column,
        epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, max_length=args.max_length,
        patience=args.patience, seed=args.seed, latency_rows=args.latency_rows, export=not args.no_export,
        overwrite=args.overwrite, device=args.device, allow_pickle=args.allow_pickle, progress=epoch_printer())
    result = outcome.training
    print()
    if result.model_path is None:
        print("Stopped before the first epoch ended: no model was saved.")
        return 130
    print(f"Best checkpoint (epoch {result.best_epoch}) saved as {result.model_path}")
    print(f"Run: {result.run_id}")
    if outcome.points:
        print()
        print(format_tradeoff(outcome.points))
    return 0 if result.status == "completed" else 130
