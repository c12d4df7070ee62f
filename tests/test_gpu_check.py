"""benchmarks/gpu_check.py: without a GPU it says so in one line and succeeds; its CPU dry run runs everywhere."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is here: the script would run its checks on it")
def test_without_a_gpu_it_says_so_and_exits_0() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_check.py")], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gpu_check: no CUDA GPU here"), run.stdout


def test_the_cpu_dry_run_runs_the_same_code_on_every_machine() -> None:
    """``--device cpu --quick`` on one task (the fastest, faces: the whole dry run takes minutes on two
    cores): every variant gets a row, and the INT8 graph's node placement is printed."""
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--device", "cpu", "--quick",
                          "--tasks", "faces", "--repeats", "1", "--threads", "1"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = {line.split()[1]: line for line in run.stdout.splitlines() if line.startswith("faces ")}
    assert set(rows) == {"torch", "onnx-fp32", "onnx-int8"}, run.stdout   # "torch fp32" and "torch bf16"
    assert "images/s" in rows["onnx-int8"] and "x" in rows["onnx-fp32"]
    placement = [line for line in run.stdout.splitlines() if "generator_int8.onnx placement:" in line]
    assert len(placement) == 1 and "CPU " in placement[0] and "nodes" in placement[0], run.stdout
