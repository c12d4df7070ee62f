"""Run every benchmark in turn (`make bench`); each prints its own ratios against a same-run baseline.

Heavy runs are given short settings here; run a script by itself for its full figures. The
backend benchmarks also add rows to one table (benchmarks/table.py), printed at the end: every
task, every backend, the ratio against torch fp32 eager, the memory, the parity and the quality
on held-out data. It exits non-zero when a script fails or a row of the table FAILs (outside its
bound, or no held-out quality).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import table  # noqa: E402

HERE = Path(__file__).resolve().parent
RUNS = (
    ["text_tasks.py"],
    ["lm_backends.py", "--tokens", "32"],
    ["lm_quantized.py", "--tokens", "32"],
    ["translate_backends.py"],
    ["classify_backends.py"],
    ["train_bucketing.py"],
    ["minilm_vs_tfidf.py"],
    ["compress_classifier.py"],
    ["speech_backends.py", "--quick"],
    ["faces_backends.py"],
    ["ui_stall.py"],
    ["vad_compare.py"],
    ["live_transcribe.py", "--minutes", "10"],
    ["live_transcribe.py", "--heldout", "--quick", "--minutes", "0", "--no-baseline"],
    ["gpu_check.py"],
)


def main(runs: Sequence[Sequence[str]] = RUNS, folder: Path = HERE) -> int:
    """Run ``runs`` (script and arguments, in ``folder``), print the table; 1 if anything failed."""
    failed = []
    with tempfile.TemporaryDirectory(prefix="modeldesk-bench-") as tmp:
        rows = Path(tmp) / "table.jsonl"
        rows.touch()
        env = {**os.environ, table.ENV: str(rows)}
        for args in runs:
            print(f"\n=== {' '.join(args)}", flush=True)
            if subprocess.run([sys.executable, str(folder / args[0]), *args[1:]], env=env).returncode != 0:
                failed.append(" ".join(args))
        print("\n=== every task, every backend\n" + table.render(rows), flush=True)
        outside = table.failures(rows)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    for line in outside:
        print(f"FAIL {line}", file=sys.stderr)
    return 1 if failed or outside else 0


if __name__ == "__main__":
    sys.exit(main())
