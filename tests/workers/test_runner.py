"""JobRunner over the engine process: events, the end of every job, cancel, latest-wins,
stop now, a native crash, shutdown, and what may cross into the GUI process."""
from __future__ import annotations

import sys
import threading
import time

import numpy as np
import pytest

from gui.context import AppContext
from workers import engine as engine_client
from workers.runner import JobRunner, JobSpec

from . import jobs_for_tests as J

T = "tests.workers.jobs_for_tests:"
WAIT = 20_000


@pytest.fixture
def runner(job_runner) -> JobRunner:
    return job_runner


def outcomes(job) -> list:
    """Every terminal signal a job emits, in order."""
    seen: list = []
    job.result.connect(lambda value: seen.append(("result", value)))
    job.cancelled.connect(lambda value: seen.append(("cancelled", value)))
    job.error.connect(lambda message, _details: seen.append(("error", message)))
    job.finished.connect(lambda: seen.append("finished"))
    return seen


def logs(job) -> list[str]:
    """Every Log line a job sends, as it arrives."""
    said: list[str] = []
    job.log.connect(said.append)
    return said


def test_events_and_the_result_arrive_on_the_gui_thread(qtbot, runner):
    gui_thread = threading.get_ident()
    job = runner.start("job", J.counting_job, n=3)
    progress, partial, metrics, data, logs, threads = [], [], [], [], [], set()
    job.progress.connect(progress.append)
    job.partial.connect(partial.append)
    job.metric.connect(metrics.append)
    job.data.connect(data.append)
    job.log.connect(logs.append)
    job.progress.connect(lambda _e: threads.add(threading.get_ident()))
    seen = outcomes(job)
    qtbot.waitUntil(lambda: "finished" in seen, timeout=WAIT)
    assert seen == [("result", 30), "finished"]
    assert [p.done for p in progress] == [1, 2, 3]
    assert [type(e).__name__ for e in partial] == ["Partial"] * 3 + ["Final"]
    assert [m.step for m in metrics] == [0, 1, 2]
    np.testing.assert_array_equal(data[0].payload, np.arange(3))
    assert logs == ["finished"] and threads == {gui_thread}
    assert not runner.is_running("job")


def test_the_job_runs_in_another_process_and_the_gui_never_loads_torch(qtbot, runner, tmp_path):
    import os
    import subprocess

    job = runner.start("pid", T + "echo_pid")
    seen = outcomes(job)
    qtbot.waitUntil(lambda: "finished" in seen, timeout=WAIT)
    assert seen[0][1] != os.getpid()
    # In a fresh interpreter (this one has torch from other tests): a model job leaves the GUI process torch-free.
    code = ("import sys\n"
            "from PySide6.QtCore import QCoreApplication, QTimer\n"
            "app = QCoreApplication([])\n"
            "from workers.runner import JobRunner\n"
            "r = JobRunner()\n"
            "job = r.start('k', 'models.core.runtime:warm_up', device='cpu')\n"
            "job.result.connect(lambda v: print('device', v.device))\n"
            "job.finished.connect(app.quit)\n"
            "QTimer.singleShot(60000, app.quit)\n"
            "app.exec()\n"
            "r.shutdown(5)\n"
            "print('heavy', sorted(m for m in ('torch', 'transformers', 'onnxruntime') if m in sys.modules))\n")
    script = tmp_path / "gui_side.py"
    script.write_text("def main():\n" + "".join(f"    {line}\n" for line in code.splitlines())
                      + "if __name__ == '__main__':\n    main()\n")
    root = str(__import__("pathlib").Path(__file__).resolve().parents[2])
    out = subprocess.run([sys.executable, str(script)], cwd=root, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": root})
    assert "device cpu" in out.stdout, out.stderr
    assert "heavy []" in out.stdout, out.stdout


def test_a_key_runs_one_job_at_a_time(qtbot, runner):
    job = runner.start("panel", J.counting_job, n=500, delay=0.01)
    with pytest.raises(RuntimeError):
        runner.start("panel", J.counting_job, n=1)
    with qtbot.waitSignal(job.progress, timeout=WAIT):   # it runs in the engine
        seen = outcomes(job)
    runner.stop("panel")
    qtbot.waitUntil(lambda: "finished" in seen, timeout=WAIT)
    assert seen == [("cancelled", None), "finished"]   # it raised Cancelled: nothing partial to keep


def test_a_stopped_job_ends_once_with_its_partial_result(qtbot, runner):
    job = runner.start("partial", J.partial_job, steps=1000, delay=0.01)
    with qtbot.waitSignal(job.progress, timeout=WAIT):   # a first step is done
        seen = outcomes(job)
    runner.stop("partial")
    qtbot.waitUntil(lambda: "finished" in seen, timeout=WAIT)
    assert [s if isinstance(s, str) else s[0] for s in seen] == ["cancelled", "finished"]
    partial = seen[0][1]
    assert 0 < len(partial) < 1000 and partial == list(range(len(partial)))


@pytest.mark.parametrize("kind, expected", [("user", "That file is not a CSV."),
                                            ("bug", "The job failed (ValueError: boom)")])
def test_exceptions_become_one_line_messages(qtbot, runner, kind, expected):
    job = runner.start("fail", J.failing_job, kind=kind)
    details = []
    job.error.connect(lambda _m, d: details.append(d))
    seen = outcomes(job)
    qtbot.waitUntil(lambda: "finished" in seen, timeout=WAIT)
    assert seen == [("error", expected), "finished"]
    assert "Traceback" in details[0]


def test_the_key_is_free_when_the_page_hears_of_the_end(qtbot, runner):
    """A click on Run right after a job ends starts the next job (no dropped clicks)."""
    seen: list = []

    def start_again(_value):
        assert not runner.is_running("again")
        seen.extend([outcomes(runner.start("again", J.counting_job, n=1))])

    job = runner.start("again", J.counting_job, n=1)
    job.result.connect(start_again)
    qtbot.waitUntil(lambda: bool(seen) and "finished" in seen[0], timeout=WAIT)
    seen = seen[0]
    assert seen == [("result", 10), "finished"]


def test_runtime_options_are_merged_by_the_runner_only(qtbot, runner):
    spec = JobSpec(T + "environment", ("device",))
    with pytest.raises(ValueError, match="runtime options"):
        runner.start("opts", spec, name="X", device="cpu")
    job = runner.start("opts", JobSpec(T + "environment"), name="MODELDESK_HOME")
    assert job.kwargs == {"name": "MODELDESK_HOME"}
    seen = outcomes(job)
    qtbot.waitUntil(lambda: "finished" in seen, timeout=WAIT)
    import os

    assert seen[0] == ("result", os.environ["MODELDESK_HOME"])   # the engine has the GUI's environment


def test_latest_wins_and_a_superseded_result_never_lands(qtbot, runner):
    first = runner.start_latest("render", J.stubborn_job, seconds=1.0)
    results: list = []
    jobs = [first] + [runner.start_latest("render", J.counting_job, n=i) for i in range(1, 6)]
    for job in jobs:
        job.result.connect(results.append)
    seen = [outcomes(job) for job in jobs]
    qtbot.waitUntil(lambda: all("finished" in s for s in seen), timeout=WAIT)
    assert results == [50]                                 # only the last request's result
    assert [s[0][0] for s in seen] == ["cancelled"] * 5 + ["result"]
    assert not runner.is_running("render")


def test_stop_now_ends_work_that_ignores_its_token(qtbot, runner):
    other = runner.start("bystander", J.stubborn_job, seconds=30)
    job = runner.start("stuck", J.stubborn_job, seconds=30)
    seen, other_seen = outcomes(job), outcomes(other)
    said = logs(job)
    qtbot.waitUntil(lambda: "started" in said, timeout=WAIT)
    runner.stop("stuck")
    qtbot.waitUntil(lambda: "stop seen, ignored" in said, timeout=WAIT)
    assert runner.is_running("stuck")                      # the token was ignored
    started = time.monotonic()
    runner.stop_now("stuck")
    qtbot.waitUntil(lambda: "finished" in seen and "finished" in other_seen, timeout=WAIT)
    assert time.monotonic() - started < 5
    assert seen == [("cancelled", None), "finished"]
    assert other_seen[0][0] == "error" and "restarted" in other_seen[0][1]
    after = runner.start("after", J.counting_job, n=2)    # a fresh engine takes the next job
    after_seen = outcomes(after)
    qtbot.waitUntil(lambda: "finished" in after_seen, timeout=WAIT)
    assert after_seen[0] == ("result", 20)


def test_a_native_crash_ends_the_engine_not_the_app(qtbot, runner):
    job = runner.start("crash", J.crashing_job)
    seen = outcomes(job)
    qtbot.waitUntil(lambda: "finished" in seen, timeout=WAIT)
    assert seen[0][0] == "error" and "SIGSEGV" in seen[0][1], seen
    after = runner.start("after-crash", J.counting_job, n=1)
    after_seen = outcomes(after)
    qtbot.waitUntil(lambda: "finished" in after_seen, timeout=WAIT)
    assert after_seen[0] == ("result", 10)


def test_a_result_that_would_load_torch_in_the_gui_is_refused(qtbot, runner):
    job = runner.start("heavy", J.heavy_result)
    seen = outcomes(job)
    qtbot.waitUntil(lambda: "finished" in seen, timeout=WAIT)
    assert seen[0][0] == "error" and "torch" in seen[0][1]


def test_shutdown_cancels_running_jobs_within_its_deadline(qtbot):
    ctx = AppContext.create()
    runner = ctx.runner
    long = runner.start("long", J.counting_job, n=100_000, delay=0.01)
    said = logs(runner.start("stuck", J.stubborn_job, seconds=60))
    with qtbot.waitSignal(long.progress, timeout=WAIT):
        pass
    qtbot.waitUntil(lambda: "started" in said, timeout=WAIT)
    started = time.monotonic()
    assert runner.shutdown(3.0)        # the engine exits by itself; the stuck thread ends with it
    assert time.monotonic() - started < 4
    assert runner.running_keys() == [] and not runner.engine.running


def test_wire_modules_only(qtbot):
    """The allowlist itself: a class from an unlisted module is refused before it is imported."""
    import pickle

    data = pickle.dumps(JobSpec("x:y"))
    with pytest.raises(engine_client.WireError):
        engine_client.loads(data)


def test_an_event_that_would_load_torch_ends_the_job_there_too(qtbot, runner, tmp_path):
    marker = tmp_path / "cancelled"
    job = runner.start("heavy-event", J.heavy_event_job, marker=str(marker))
    seen = outcomes(job)
    qtbot.waitUntil(lambda: "finished" in seen, timeout=WAIT)
    assert seen[0][0] == "error" and "torch" in seen[0][1]
    qtbot.waitUntil(marker.exists, timeout=WAIT)   # the engine was told to cancel it
