"""Training and evaluation runs on disk, so past runs can be listed, reloaded and compared.

One folder per run under ``MODELDESK_HOME/runs/``:

- ``config.json``   what was asked (model, files, hyper-parameters), written once;
- ``metrics.jsonl`` one JSON object per measurement, appended as training goes
  (a line cut short by a crash is ignored when reading);
- ``evaluation.json`` the final evaluation (metrics, curves, confusion matrix);
- ``tradeoff.json``  speed/accuracy points of the models measured (compression and measure runs);
- ``status.json``   running / completed / stopped / failed, with the saved model.

Every file except the metrics log is written atomically. No torch, no Qt.
"""
from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from models.core import fileio, paths
from models.core.events import Metric, ModelDeskError

STATUSES = ("running", "completed", "stopped", "failed", "interrupted")


def _alive(pid: object) -> bool:
    import psutil

    return isinstance(pid, int) and psutil.pid_exists(pid)


@dataclass
class Run:
    """A run folder; reads what is on disk each time so a live run can be followed."""
    folder: Path

    @property
    def id(self) -> str:
        return self.folder.name

    @property
    def config(self) -> dict:
        return fileio.read_json(self.folder / "config.json")

    @property
    def kind(self) -> str:
        return str(self.config.get("kind", "train"))

    @property
    def info(self) -> dict:
        return fileio.read_json(self.folder / "status.json")

    @property
    def status(self) -> str:
        """The recorded status; a 'running' run whose process is gone was interrupted."""
        info = self.info
        status = str(info.get("status", "interrupted"))
        if status == "running" and info.get("pid") != os.getpid() and not _alive(info.get("pid")):
            return "interrupted"
        return status

    @property
    def title(self) -> str:
        config = self.config
        name = config.get("out_name") or Path(str(config.get("model", ""))).name or self.id
        return f"{name} · {self.kind} · {self.status} · {config.get('created', '')}"

    def log(self, record: dict) -> None:
        """Append one measurement (flushed at once so a crash keeps everything before it)."""
        with open(self.folder / "metrics.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, sort_keys=True, default=float) + "\n")
            fh.flush()

    def log_metric(self, metric: Metric) -> None:
        self.log({"name": metric.name, "value": metric.value, "step": metric.step, "epoch": metric.epoch,
                  **metric.extra})

    def metrics(self) -> list[dict]:
        records: list[dict] = []
        try:
            with open(self.folder / "metrics.jsonl", encoding="utf-8") as fh:
                for line in fh:
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue  # a line cut short by a crash
                    if isinstance(record, dict):
                        records.append(record)
        except OSError:
            pass
        return records

    def series(self, name: str, scope: Optional[str] = None) -> list[tuple[float, float]]:
        """(x, value) points of one metric (optionally only its "step" or "epoch" records):
        by epoch for epoch records, else by step."""
        points = []
        for r in self.metrics():
            if r.get("name") == name and r.get("value") is not None and scope in (None, r.get("scope")):
                x = r.get("epoch") if r.get("scope") == "epoch" else r.get("step")
                points.append((float(x or 0), float(r["value"])))
        return points

    def save_evaluation(self, evaluation: dict) -> None:
        fileio.write_json(self.folder / "evaluation.json", evaluation)

    def evaluation(self) -> Optional[dict]:
        data = fileio.read_json(self.folder / "evaluation.json")
        return data or None

    def save_tradeoff(self, points: list[dict]) -> None:
        """The speed/accuracy points measured in this run (models.classify.tradeoff)."""
        fileio.write_json(self.folder / "tradeoff.json", {"points": points})

    def tradeoff(self) -> list[dict]:
        return list(fileio.read_json(self.folder / "tradeoff.json").get("points", []))

    def set_status(self, status: str, **extra) -> None:
        """Record the run's state (with e.g. the saved model's path or the error)."""
        if status not in STATUSES:
            raise ValueError(f"unknown run status {status!r}")
        info = self.info
        info.update(extra, status=status, pid=os.getpid(), updated=time.strftime("%Y-%m-%dT%H:%M:%S"))
        fileio.write_json(self.folder / "status.json", info)


def create_run(config: dict, name: str = "run") -> Run:
    """A new run folder named by time and ``name``, holding ``config``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{re.sub(r'[^A-Za-z0-9._-]+', '-', name).strip('-.') or 'run'}"
    root = paths.runs_dir()
    folder = root / base
    n = 1
    while True:
        try:
            folder.mkdir(parents=True)
            break
        except FileExistsError:
            n += 1
            folder = root / f"{base}-{n}"
    run = Run(folder)
    fileio.write_json(folder / "config.json", {**config, "created": time.strftime("%Y-%m-%d %H:%M:%S"),
                                               "started": time.time()})
    run.set_status("running")
    return run


def list_runs() -> list[Run]:
    """Every run with a config, newest first."""
    root = paths.runs_dir()
    found = [Run(f) for f in root.iterdir() if f.is_dir() and (f / "config.json").is_file()]
    return sorted(found, key=lambda r: (float(r.config.get("started", 0)), r.id), reverse=True)


def load_run(id_or_path: os.PathLike | str) -> Run:
    """A run by folder name (under the runs folder) or by path."""
    candidate = Path(id_or_path).expanduser()
    folder = candidate if candidate.is_dir() else paths.runs_dir() / str(id_or_path)
    if not (folder / "config.json").is_file():
        raise ModelDeskError(f"No training run '{id_or_path}' was found.")
    return Run(folder)


def series_key(name: str, fold: Optional[int]) -> str:
    """The name a curve is shown under: the metric, with its fold in k-fold training."""
    return name if fold is None else f"{name} (fold {fold + 1})"


def run_titles() -> list[tuple[str, str]]:
    """(id, title) of every run, newest first: what the dashboard lists."""
    return [(run.id, run.title) for run in list_runs()]


def replay(id_or_path: os.PathLike | str) -> dict:
    """A run as the dashboard draws it: its title, its step and epoch curves by series name
    (lists of (x, value)), its final evaluation (None if it has none) and its trade-off points."""
    run = load_run(id_or_path)
    steps: dict[str, list[tuple[float, float]]] = {}
    epochs: dict[str, list[tuple[float, float]]] = {}
    for record in run.metrics():
        if record.get("name") == "log" or record.get("value") is None:
            continue
        key = series_key(record["name"], record.get("fold"))
        x = record.get("epoch") if record.get("epoch") is not None else record.get("step", 0)
        (epochs if record.get("scope") == "epoch" else steps).setdefault(key, []).append(
            (float(x), float(record["value"])))
    return {"id": run.id, "title": run.title, "steps": steps, "epochs": epochs, "evaluation": run.evaluation(),
            "tradeoff": run.tradeoff()}
