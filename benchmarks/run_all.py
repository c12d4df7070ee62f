"""Run every benchmark in turn (`make bench`); each prints its own ratios against a same-run baseline.

Heavy runs are given short settings here; run a script by itself for its full figures.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = (
    ["text_tasks.py"],
    ["lm_backends.py", "--tokens", "32"],
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
)


def main() -> int:
    failed = []
    for args in RUNS:
        print(f"\n=== {' '.join(args)}", flush=True)
        if subprocess.run([sys.executable, str(HERE / args[0]), *args[1:]]).returncode != 0:
            failed.append(args[0])
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
