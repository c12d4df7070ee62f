"""Training jobs run in their own engine process: Stop now, or a native crash, in the main engine ends
only the main engine's jobs, and a training run in the other goes on (its curve keeps coming)."""
from __future__ import annotations

import pytest

from gui import jobs
from workers.runner import MAIN_ENGINE, TRAINING_ENGINE, JobRunner, JobSpec

from . import jobs_for_tests as J

T = "tests.workers.jobs_for_tests:"
WAIT = 20_000


@pytest.fixture
def runner(job_runner) -> JobRunner:
    return job_runner


def test_the_training_jobs_name_the_training_engine():
    assert {jobs.TRAIN_CLASSIFIER.engine, jobs.COMPRESS_CLASSIFIER.engine, jobs.FACES_TRAIN.engine} == {TRAINING_ENGINE}
    others = [name for name, spec in jobs.REGISTRY.items() if spec.engine != MAIN_ENGINE]
    assert sorted(others) == ["COMPRESS_CLASSIFIER", "FACES_TRAIN", "TRAIN_CLASSIFIER"]


@pytest.mark.parametrize("ending", ["stop now", "crash"])
def test_an_ending_main_engine_leaves_the_training_engine_running(qtbot, runner, ending):
    training = runner.start("train", JobSpec(T + "counting_job", engine=TRAINING_ENGINE), n=100_000, delay=0.01)
    curve, outcome = [], []
    training.metric.connect(curve.append)
    training.finished.connect(lambda: outcome.append("finished"))
    qtbot.waitUntil(lambda: len(curve) > 2, timeout=WAIT)
    if ending == "stop now":
        stuck = runner.start("stuck", J.stubborn_job, seconds=30)
        said: list[str] = []
        stuck.log.connect(said.append)
        qtbot.waitUntil(lambda: "started" in said, timeout=WAIT)
    else:
        stuck = runner.start("crash", J.crashing_job)
    ended = []
    stuck.finished.connect(lambda: ended.append(True))
    engines = runner.running_engines()
    assert set(engines) == {MAIN_ENGINE, TRAINING_ENGINE} and len(set(engines.values())) == 2   # two processes
    training_pid = engines[TRAINING_ENGINE]
    if ending == "stop now":
        runner.stop_now("stuck")
    qtbot.waitUntil(lambda: bool(ended), timeout=WAIT)
    before = len(curve)
    qtbot.waitUntil(lambda: len(curve) > before + 5, timeout=WAIT)   # the training's curve goes on
    assert not outcome and runner.is_running("train")
    assert runner.running_engines().get(TRAINING_ENGINE) == training_pid   # the same process, untouched
    runner.stop("train")
    qtbot.waitUntil(lambda: bool(outcome), timeout=WAIT)


def test_stop_now_on_a_training_leaves_the_main_engines_jobs(qtbot, runner):
    main = runner.start("main", J.counting_job, n=100_000, delay=0.01)
    steps = []
    main.progress.connect(steps.append)
    stuck = runner.start("train", JobSpec(T + "stubborn_job", engine=TRAINING_ENGINE), seconds=30)
    said, ended = [], []
    stuck.log.connect(said.append)
    stuck.finished.connect(lambda: ended.append(True))
    qtbot.waitUntil(lambda: "started" in said and bool(steps), timeout=WAIT)
    runner.stop_now("train")
    qtbot.waitUntil(lambda: bool(ended), timeout=WAIT)
    before = len(steps)
    qtbot.waitUntil(lambda: len(steps) > before + 5, timeout=WAIT)
    assert runner.is_running("main") and TRAINING_ENGINE not in runner.running_engines()
    runner.stop("main")
    qtbot.waitUntil(lambda: not runner.running_keys(), timeout=WAIT)


def test_a_model_a_running_job_was_given_cannot_be_removed(qtbot, runner, tmp_path, monkeypatch):
    from models.core import paths, store
    from models.core.events import ModelDeskError
    from tests.fixtures.text_models import build_classifier

    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))   # before the engine starts: it takes this
    build_classifier(paths.models_dir() / "clf")
    job = runner.start("hold", J.holding_job, model="clf")
    said, ended = [], []
    job.log.connect(said.append)
    job.finished.connect(lambda: ended.append(True))
    qtbot.waitUntil(lambda: "started" in said, timeout=WAIT)
    with pytest.raises(ModelDeskError, match="^clf is in use by a running job; stop that job first"):
        store.remove("clf")
    runner.stop("hold")
    qtbot.waitUntil(lambda: bool(ended), timeout=WAIT)
    store.remove("clf")
    assert not (paths.models_dir() / "clf").exists()
