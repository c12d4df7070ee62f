"""kill -9 in the middle of training: the last saved checkpoint still loads and predicts, and the run
folder still reads as a run on the dashboard (interrupted, with its curves so far)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from models.classify.classifier import Classifier
from models.core import runs
from tests.fixtures.training_data import make_rows, write_rows

ROOT = Path(__file__).resolve().parents[2]


def test_kill_9_mid_epoch_keeps_a_loadable_checkpoint_and_a_readable_run(train_home, train_encoder, tmp_path):
    data = write_rows(tmp_path / "train.csv", make_rows(20, seed=5))
    env = {**os.environ, "MODELDESK_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "train-classifier", "--model", str(train_encoder), "--train",
         str(data), "--out", "killed", "--epochs", "50", "--patience", "0", "--batch-size", "4", "--device", "cpu"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        saved = 0
        for line in process.stdout:
            if "saved (best so far)" in line:
                saved += 1
            if line.startswith("epoch 2/50"):
                break
        # killed at once: inside epoch 2's save or early in epoch 3, where a crash must lose nothing saved
        assert process.poll() is None, process.stderr.read()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    assert process.returncode == -signal.SIGKILL and saved >= 1

    model = train_home / "models" / "killed"
    predictions = Classifier.load(model).predict(["a goal in the match", "rain and a storm"])
    assert {p.label for p in predictions} <= {"cooking", "sports", "weather"}

    (run_id, title), = runs.run_titles()
    assert title.startswith("killed · train · interrupted")
    replay = runs.replay(run_id)
    assert [x for x, _ in replay["epochs"]["train_loss"]][:2] == [1.0, 2.0]
    assert len(replay["steps"]["train_loss"]) >= 2 * 12   # every step of the two finished epochs (48 rows / 4)
    assert replay["id"] == run_id and replay["title"] == title
