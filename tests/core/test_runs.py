"""Run folders: written as training goes, read back after a restart, tolerant of a crash mid-line."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from models.core import runs
from models.core.events import Metric, ModelDeskError

ROOT = Path(__file__).resolve().parents[2]


def test_a_run_records_config_metrics_evaluation_and_status(train_home):
    run = runs.create_run({"kind": "train", "out_name": "demo", "lr": 0.001}, name="demo")
    assert run.folder.parent == train_home / "runs"
    run.log_metric(Metric("train_loss", 0.9, step=1, epoch=0.5, extra={"scope": "step"}))
    run.log_metric(Metric("val_f1_macro", 0.6, step=2, epoch=1, extra={"scope": "epoch"}))
    run.save_evaluation({"n": 4, "accuracy": 0.75})
    run.set_status("completed", model="/somewhere")
    again = runs.load_run(run.id)
    assert again.config["lr"] == 0.001 and again.kind == "train"
    assert again.series("train_loss") == [(1.0, 0.9)]
    assert again.series("val_f1_macro") == [(1.0, 0.6)]
    assert again.evaluation() == {"n": 4, "accuracy": 0.75}
    assert again.status == "completed" and again.info["model"] == "/somewhere"
    assert "demo" in again.title and "completed" in again.title


def test_runs_are_listed_newest_first_and_names_never_collide(train_home):
    first = runs.create_run({"kind": "train"}, name="same")
    second = runs.create_run({"kind": "train"}, name="same")
    assert first.folder != second.folder
    assert [r.id for r in runs.list_runs()] == [second.id, first.id]


def test_a_line_cut_short_by_a_crash_is_ignored(train_home):
    run = runs.create_run({"kind": "train"})
    run.log({"name": "train_loss", "value": 1.0, "step": 1})
    with open(run.folder / "metrics.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"name": "train_loss", "val')
    assert [r["value"] for r in run.metrics()] == [1.0]


def test_a_run_whose_process_died_reads_as_interrupted(train_home):
    run = runs.create_run({"kind": "train"})
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    info = json.loads((run.folder / "status.json").read_text())
    info["pid"] = int(dead.stdout)
    (run.folder / "status.json").write_text(json.dumps(info))
    assert run.status == "interrupted"


def test_unknown_run_is_a_clear_error(train_home):
    with pytest.raises(ModelDeskError, match="No training run 'nope'"):
        runs.load_run("nope")


def test_a_run_survives_a_restart(train_home, train_encoder, topics_csv):
    """Train in another process (a separate app start), then read the run back here."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(train_home), "MODELDESK_HOME": str(train_home),
           "MODELDESK_DEVICE": "cpu", "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "main.py", "train-classifier", "--model", str(train_encoder),
                             "--train", str(topics_csv), "--out", "restart", "--epochs", "2", "--lr", "0.01",
                             "--batch-size", "8"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    [run] = runs.list_runs()
    assert run.status == "completed"
    assert run.config["out_name"] == "restart" and run.config["epochs"] == 2
    assert [x for x, _ in run.series("val_f1_macro")] == [1.0, 2.0]
    assert len(run.series("train_loss", "step")) == 2 * 5  # 38 training rows in batches of 8, two epochs
    evaluation = run.evaluation()
    assert sum(map(sum, evaluation["confusion"])) == evaluation["n"] == run.config["sizes"]["validation"]
    assert run.info["model"] == str(train_home / "models" / "restart")
