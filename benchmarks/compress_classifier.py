"""Distilled and pruned MiniLM-L6 against the fine-tuned teacher, on held-out data (through the CLI).

The teacher is MiniLM-L6 (the installed all-MiniLM-L6-v2) fine-tuned with ``train-classifier`` on
the four-topic corpus of topic_corpus.py. ``compress-classifier`` then makes, from the same
training file, a 2-layer distilled student and a 40 %-head-pruned model with a short recovery
fine-tune; each run exports its result to ONNX + INT8 and measures it beside the teacher on the
held-out rows: macro-F1, latency at batch size 1 (median, interleaved with the teacher's) and size.
Every ratio is against the torch fp32 teacher measured in the same run; the script checks the
issue's targets (and that the pruned model has fewer parameters) and exits 1 if one is missed.

Threads: every command runs with ``--threads`` (default 1), which sizes torch and ONNX Runtime
alike. On a loaded machine two torch threads distort the comparison against torch: each of its
parallel regions waits for the thread that was descheduled.

    .venv/bin/python benchmarks/compress_classifier.py [--rows 2400] [--held-out 0.5] [--threads 1]
        [--distill-epochs 4] [--prune-epochs 2] [--latency-rows 200] [--workdir DIR [--reuse-teacher]]
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from minilm_vs_tfidf import minilm_path, run_cli  # noqa: E402
from topic_corpus import make_rows, split, write_csv  # noqa: E402

#: the issue's targets: (share of the teacher's macro-F1 kept, speed-up at batch size 1)
DISTILL_F1, DISTILL_SPEEDUP, DISTILL_INT8_SPEEDUP = 0.97, 2.5, 8.0
PRUNE_F1 = 0.98


def tradeoff(home: Path, output: str) -> list[dict]:
    """The points a compress-classifier run recorded (its run id is on its last lines)."""
    os.environ["MODELDESK_HOME"] = str(home)
    from models.core import runs

    run_id = re.search(r"^Run: (\S+)$", output, flags=re.M).group(1)
    return runs.load_run(run_id).tradeoff()


def point(points: list[dict], role: str, backend: str) -> dict:
    return next(p for p in points if p["role"] == role and p["backend"] == backend)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2400)
    parser.add_argument("--held-out", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch and ONNX Runtime threads of every command (default 1)")
    parser.add_argument("--teacher-epochs", type=int, default=2)
    parser.add_argument("--distill-epochs", type=int, default=4)
    parser.add_argument("--prune-epochs", type=int, default=2)
    parser.add_argument("--latency-rows", type=int, default=200)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, help="keep the data and the models here (default: a temp folder)")
    parser.add_argument("--reuse-teacher", action="store_true",
                        help="with --workdir: keep a teacher fine-tuned there by an earlier run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="compress-classifier-") as tmp:
        workdir = args.workdir or Path(tmp)
        home = workdir / "home"
        train, test = split(make_rows(args.rows, seed=args.seed), args.held_out, seed=args.seed)
        train_csv = write_csv(workdir / "topics-train.csv", train)
        test_csv = write_csv(workdir / "topics-heldout.csv", test)
        common = ["--max-length", str(args.max_length), "--device", args.device, "--seed", str(args.seed),
                  "--overwrite"]
        threads = ["--threads", str(args.threads)]
        teacher_cmd = threads + ["train-classifier", "--model", str(minilm_path()), "--train", str(train_csv),
                                 "--out", "minilm-topics", "--epochs", str(args.teacher_epochs), "--lr", "1e-4",
                                 *common]
        compress = threads + ["compress-classifier", "--model", "minilm-topics", "--train", str(train_csv),
                              "--eval", str(test_csv), "--latency-rows", str(args.latency_rows), *common]
        distill_cmd = compress + ["--method", "distill", "--layers", "2", "--out", "minilm-topics-2l",
                                  "--epochs", str(args.distill_epochs), "--lr", "2e-4", "--alpha", "0.5",
                                  "--hidden-weight", "1"]
        prune_cmd = compress + ["--method", "prune", "--sparsity", "0.4", "--out", "minilm-topics-pruned",
                                "--epochs", str(args.prune_epochs), "--lr", "5e-5"]
        outputs, seconds = {"teacher": ""}, {"teacher": 0.0}
        reuse = args.reuse_teacher and (home / "models" / "minilm-topics" / "model.safetensors").is_file()
        steps = [("distill", distill_cmd), ("prune", prune_cmd)]
        if not reuse:  # the same --rows and --seed make the same files, so an earlier teacher still fits
            steps.insert(0, ("teacher", teacher_cmd))
        for name, command in steps:
            started = time.perf_counter()
            outputs[name] = run_cli(command, home)
            seconds[name] = time.perf_counter() - started
        distilled, pruned = tradeoff(home, outputs["distill"]), tradeoff(home, outputs["prune"])

    for name in ("distill", "prune"):
        command = distill_cmd if name == "distill" else prune_cmd
        print(f"$ modeldesk {' '.join(command)}    ({seconds[name]:.0f} s)")
        print(outputs[name])
        print()
    print(f"{len(train)} training rows, {len(test)} held-out rows; teacher fine-tuned in {seconds['teacher']:.0f} s "
          f"{'(earlier run) ' if reuse else ''}({args.threads} thread(s), device {args.device})")
    teacher, student = point(distilled, "teacher", "torch"), point(distilled, "student", "torch")
    student_int8 = point(distilled, "student", "onnx-int8")
    checks = [
        ("2-layer student keeps macro-F1", student["f1_macro"] / teacher["f1_macro"], DISTILL_F1, "{:.1%}"),
        ("2-layer student speed-up at batch size 1 (torch fp32 both)",
         teacher["latency_ms"] / student["latency_ms"], DISTILL_SPEEDUP, "{:.2f}x"),
        ("2-layer student INT8 speed-up over the torch fp32 teacher",
         teacher["latency_ms"] / student_int8["latency_ms"], DISTILL_INT8_SPEEDUP, "{:.2f}x"),
    ]
    teacher_p, cut = point(pruned, "teacher", "torch"), point(pruned, "pruned", "torch")
    checks.append(("40 % head-pruned + recovery keeps macro-F1", cut["f1_macro"] / teacher_p["f1_macro"], PRUNE_F1,
                   "{:.1%}"))
    assert cut["params"] < teacher_p["params"], (cut["params"], teacher_p["params"])
    print(f"pruned model parameters {cut['params']:,} < teacher {teacher_p['params']:,} "
          f"({1 - cut['params'] / teacher_p['params']:.1%} fewer; {cut['size_mb']:.1f} MB vs "
          f"{teacher_p['size_mb']:.1f} MB)")
    missed = 0
    for label, value, target, style in checks:
        ok = value >= target
        missed += not ok
        print(f"{'met ' if ok else 'MISS'}  {label}: {style.format(value)} (target >= {style.format(target)})")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
