"""Run every benchmark in turn (`make bench`); each prints its own ratios against a same-run baseline.

Heavy runs are given short settings here; run a script by itself for its full figures. The
backend benchmarks also add rows to one table (benchmarks/table.py), printed at the end: every
task, every backend, the ratio against torch fp32 eager, the memory and the parity.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

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
    ["speech_decode.py"],
    ["speech_backends.py"],
    ["faces_backends.py"],
    ["ui_stall.py"],
    ["vad_compare.py"],
    ["live_transcribe.py", "--minutes", "10"],
    ["gpu_check.py"],
)


def main() -> int:
    failed = []
    with tempfile.TemporaryDirectory(prefix="modeldesk-bench-") as tmp:
        rows = Path(tmp) / "table.jsonl"
        rows.touch()
        env = {**os.environ, table.ENV: str(rows)}
        for args in RUNS:
            print(f"\n=== {' '.join(args)}", flush=True)
            if subprocess.run([sys.executable, str(HERE / args[0]), *args[1:]], env=env).returncode != 0:
                failed.append(args[0])
        print("\n=== every task, every backend\n" + table.render(rows))
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
