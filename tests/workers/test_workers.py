"""Worker and JobRunner: signals, cancel, errors as messages, threads cleaned up."""
from __future__ import annotations

import time

import pytest

from models.core.events import Final, Log, Metric, ModelDeskError, Partial, Progress, check
from workers.runner import JobRunner


def counting_job(n: int, delay: float = 0.0, progress=None, cancel=None) -> int:
    for i in range(n):
        check(cancel)
        progress(Progress(i + 1, n, f"step {i + 1}"))
        progress(Partial(f"p{i}"))
        progress(Metric("loss", 1.0 / (i + 1), step=i))
        time.sleep(delay)
    progress(Final("done", 0.0, 1.0))
    progress(Log("finished"))
    return n * 10


def failing_job(kind: str, progress=None, cancel=None) -> None:
    if kind == "user":
        raise ModelDeskError("That file is not a CSV.")
    raise ValueError("boom")


def test_worker_routes_events_and_result(qtbot):
    runner = JobRunner()
    worker = runner.start("job", counting_job, n=3)
    progress, partial, metrics, logs = [], [], [], []
    worker.progress.connect(progress.append)
    worker.partial.connect(partial.append)
    worker.metric.connect(metrics.append)
    worker.log.connect(logs.append)
    with qtbot.waitSignal(worker.result, timeout=5000) as blocker:
        runner.launch("job")
    assert blocker.args == [30]
    qtbot.waitUntil(lambda: not runner.is_running("job"), timeout=5000)
    assert [p.done for p in progress] == [1, 2, 3]
    assert [type(e).__name__ for e in partial] == ["Partial"] * 3 + ["Final"]
    assert [m.step for m in metrics] == [0, 1, 2]
    assert logs == ["finished"]


def test_key_runs_one_job_at_a_time(qtbot):
    runner = JobRunner()
    worker = runner.start("panel", counting_job, n=50, delay=0.01)
    runner.launch("panel")
    with pytest.raises(RuntimeError):
        runner.start("panel", counting_job, n=1)
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        runner.stop("panel")
    qtbot.waitUntil(lambda: not runner.is_running("panel"), timeout=5000)


@pytest.mark.parametrize("kind, expected", [("user", "That file is not a CSV."),
                                            ("bug", "The job failed (ValueError: boom)")])
def test_exceptions_become_messages(qtbot, kind, expected):
    runner = JobRunner()
    worker = runner.start("fail", failing_job, kind=kind)
    with qtbot.waitSignal(worker.error, timeout=5000) as blocker:
        runner.launch("fail")
    message, details = blocker.args
    assert message == expected
    assert "Traceback" in details
    qtbot.waitUntil(lambda: not runner.is_running("fail"), timeout=5000)


def test_string_target_is_imported_in_the_worker(qtbot):
    runner = JobRunner()
    worker = runner.start("by-name", "tests.workers.test_workers:counting_job", n=2)
    with qtbot.waitSignal(worker.result, timeout=5000) as blocker:
        runner.launch("by-name")
    assert blocker.args == [20]
    qtbot.waitUntil(lambda: not runner.is_running("by-name"), timeout=5000)


def test_shutdown_cancels_and_joins(qtbot):
    runner = JobRunner()
    runner.start("long", counting_job, n=10_000, delay=0.01)
    runner.launch("long")
    qtbot.wait(50)
    assert runner.shutdown(timeout_ms=5000)


def test_slots_on_a_job_run_on_the_gui_thread(qtbot):
    import threading

    gui_thread = threading.get_ident()
    seen = []
    runner = JobRunner()
    job = runner.start("thread", counting_job, n=2)
    job.progress.connect(lambda _event: seen.append(threading.get_ident()))
    job.result.connect(lambda _value: seen.append(threading.get_ident()))
    with qtbot.waitSignal(job.finished, timeout=5000):
        runner.launch("thread")
    assert seen and set(seen) == {gui_thread}
    qtbot.waitUntil(lambda: not runner.is_running("thread"), timeout=5000)
