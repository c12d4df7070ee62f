"""Fine-tuning under torchrun: two CPU processes (gloo) train the model one process trains.

The command is the user's own (``torchrun ... main.py train-classifier ...``); the tiny encoder
has no dropout, so the two runs can agree to rounding: the same epoch lines, metrics and weights.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import main
from models.core import store

ROOT = Path(__file__).resolve().parents[2]
ARGS = ("--epochs", "2", "--lr", "0.01", "--batch-size", "8", "--grad-accum", "2", "--patience", "0",
        "--device", "cpu", "--class-weights", "--max-length", "32")


def weights(folder: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(str(folder / "model.safetensors"))


def test_two_gloo_processes_train_like_one(tmp_path, train_home, train_encoder, topics_csv, capsys,
                                           one_torch_thread):
    argv = ["train-classifier", "--model", str(train_encoder), "--train", str(topics_csv), "--out", "same", *ARGS]
    assert main.main(["--threads", "1", *argv]) == 0
    alone = capsys.readouterr().out

    home = tmp_path / "two-processes"
    env = {**os.environ, "MODELDESK_HOME": str(home), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                           str(ROOT / "main.py"), "--threads", "1", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]

    epochs = [line for line in alone.splitlines() if line.startswith("epoch ")]
    assert len(epochs) == 2
    together = [line for line in done.stdout.splitlines() if line.startswith("epoch ")]
    assert len(together) == 2, done.stdout   # printed once, by the first process
    for one, two in zip(epochs, together):   # train loss and every validation metric, to 4 decimals
        assert [float(w) for w in one.split()[2::2] if w[0].isdigit()] == \
            pytest.approx([float(w) for w in two.split()[2::2] if w[0].isdigit()], abs=2e-4), (one, two)
    first = store.read_manifest(train_home / "models" / "same")
    second = store.read_manifest(home / "models" / "same")
    assert first["metrics"] == pytest.approx(second["metrics"], abs=1e-4)
    assert first["epoch"] == second["epoch"]
    a, b = weights(train_home / "models" / "same"), weights(home / "models" / "same")
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_allclose(a[name], b[name], atol=2e-4, err_msg=name)
    runs = list((home / "runs").iterdir())
    assert len(runs) == 1   # only the first process wrote a run
    assert '"processes": 2' in (runs[0] / "config.json").read_text()
