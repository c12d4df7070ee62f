"""``train-classifier`` and ``evaluate-classifier``: fine-tune on a labelled file, or score a classifier on one."""
from __future__ import annotations

import argparse
from typing import Callable

from .options import add_model_options, event_printer, quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser(
        "train-classifier", help="fine-tune an encoder into a text classifier on a labelled file",
        description="Fine-tunes a Hugging Face encoder (BERT, MiniLM, RoBERTa…) on a labelled CSV, TSV or "
                    "JSON Lines file; prints one line per epoch and a final metrics table, and saves the best "
                    "checkpoint as a new classifier in the app's models folder. Started by torchrun or "
                    "accelerate launch, it trains in every process they start (one per GPU, on one or more "
                    "machines) with the same results; the first process prints and saves.")
    add_model_options(train, backend=False)
    train.add_argument("--train", required=True, metavar="FILE", help="labelled training file")
    train.add_argument("--eval", metavar="FILE", help="separate validation file (default: a stratified split)")
    train.add_argument("--out", required=True, metavar="NAME", help="name of the new classifier")
    add_loop_options(train, lr=5e-5)
    train.add_argument("--grad-accum", type=int, default=1, metavar="N",
                       help="batches per optimizer step (default 1)")
    train.add_argument("--metric", default="f1_macro",
                       choices=("f1_macro", "accuracy", "loss", "roc_auc", "precision_macro", "recall_macro"),
                       help="validation metric for early stopping and the best checkpoint (default f1_macro)")
    train.add_argument("--weight-decay", type=float, default=0.01, help="AdamW weight decay (default 0.01)")
    train.add_argument("--warmup", type=float, default=0.1,
                       help="warmup: a share of the steps below 1, else a number of steps (default 0.1)")
    train.add_argument("--schedule", choices=("linear", "cosine"), default="linear",
                       help="decay after warmup (default linear)")
    train.add_argument("--grad-clip", type=float, default=1.0, help="gradient norm clipping; 0 off (default 1)")
    train.add_argument("--kfold", type=int, default=0, metavar="K",
                       help="K-fold cross-validation, reporting mean ± std (default off)")
    train.add_argument("--val-fraction", type=float, default=0.2, help="validation share without --eval (0.2)")
    train.add_argument("--class-weights", action="store_true", help="weight the loss against class imbalance")
    train.set_defaults(func=run_train)

    evaluate = subparsers.add_parser(
        "evaluate-classifier", help="score a classifier on a labelled file",
        description="Prints accuracy, macro-F1, per-class precision/recall/F1 and ROC-AUC of a classifier "
                    "on a labelled CSV, TSV or JSON Lines file, and records the evaluation as a run.")
    add_model_options(evaluate)
    evaluate.add_argument("--data", required=True, metavar="FILE", help="labelled file")
    evaluate.add_argument("--text-column", metavar="C", help="column holding the text (default: detected)")
    evaluate.add_argument("--label-column", metavar="C", help="column holding the label (default: detected)")
    evaluate.add_argument("--batch-size", type=int, default=32, metavar="N", help="texts per batch (default 32)")
    evaluate.set_defaults(func=run_evaluate)


def add_loop_options(parser: argparse.ArgumentParser, lr: float) -> None:
    """The columns and the loop settings of every command that trains (train-classifier, compress-classifier)."""
    parser.add_argument("--text-column", metavar="C", help="column holding the text (default: detected)")
    parser.add_argument("--label-column", metavar="C", help="column holding the label (default: detected)")
    parser.add_argument("--epochs", type=int, default=3, metavar="N", help="maximum epochs (default 3)")
    parser.add_argument("--lr", type=float, default=lr, help="peak learning rate (default %(default)s)")
    parser.add_argument("--batch-size", type=int, default=16, metavar="N", help="examples per batch (default 16)")
    parser.add_argument("--max-length", type=int, default=128, metavar="N",
                        help="tokens per text; longer texts are truncated (default 128)")
    parser.add_argument("--patience", type=int, default=2, metavar="N",
                        help="epochs without improvement before stopping early; 0 never (default 2)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing model named --out")


def epoch_printer() -> Callable:
    """Epoch summaries on stdout; notes and the live progress line on stderr."""
    from models.core.events import Log
    from models.classify.training import EPOCH_LOG

    notes = event_printer()

    def on_event(event: object) -> None:
        if isinstance(event, Log) and event.level == EPOCH_LOG:
            print(event.message, flush=True)
        else:
            notes(event)

    return on_event


def run_train(args: argparse.Namespace) -> int:
    from models.classify.report import format_report
    from models.classify.training import train_classifier
    from models.core import distributed

    quiet_libraries()
    result = train_classifier(
        model=args.model, train=args.train, eval=args.eval, out_name=args.out, text_column=args.text_column,
        label_column=args.label_column, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
        grad_accum=args.grad_accum, max_length=args.max_length, patience=args.patience, metric=args.metric,
        weight_decay=args.weight_decay, warmup=args.warmup, schedule=args.schedule, grad_clip=args.grad_clip,
        kfold=args.kfold, val_fraction=args.val_fraction, class_weights=args.class_weights, seed=args.seed,
        overwrite=args.overwrite, device=args.device, allow_pickle=args.allow_pickle, progress=epoch_printer())
    if not distributed.from_env().main:   # the first process prints for all
        return 0 if result.status == "completed" else 130
    if result.evaluation is not None:
        print()
        print(format_report(result.evaluation, result.cv))
    print()
    if result.model_path:
        fold = f", fold {result.best_fold + 1}" if result.best_fold is not None else ""
        print(f"Best checkpoint (epoch {result.best_epoch}{fold}) saved as {result.model_path}")
    else:
        print("No checkpoint was saved.")
    print(f"Run: {result.run_id} · {result.samples_per_s:,.1f} training samples/s")
    return 0 if result.status == "completed" else 130


def run_evaluate(args: argparse.Namespace) -> int:
    from models.classify.evaluation import evaluate_classifier
    from models.classify.report import format_report

    quiet_libraries()
    evaluation = evaluate_classifier(args.model, args.data, text_column=args.text_column,
                                     label_column=args.label_column, batch_size=args.batch_size, device=args.device,
                                     backend=args.backend, allow_pickle=args.allow_pickle, progress=event_printer())
    print(format_report(evaluation))
    print()
    print(f"Run: {evaluation['run_id']}")
    return 0
