"""JobControls on a page: Run right after a job ends, the progress bar after an error, Stop now,
and a native crash in the engine shown on the page while the window stays."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui.panel import TaskPanel
from gui.widgets import job_controls
from workers.runner import JobSpec

T = "tests.workers.jobs_for_tests:"
WAIT = 20_000


class CountPanel(TaskPanel):
    """A page whose job is chosen by the test."""

    name = "count"
    title = "Count"

    def build(self) -> None:
        self.spec = JobSpec(T + "counting_job")
        self.kwargs: dict = {"n": 2}
        self.shown: list = []

    def build_job(self):
        return self.spec, dict(self.kwargs)

    def show_result(self, value) -> None:
        self.shown.append(value)


@pytest.fixture
def panel(qtbot, app_ctx) -> CountPanel:
    page = CountPanel(app_ctx)
    qtbot.addWidget(page)
    page.show()
    return page


def click_run(qtbot, panel) -> None:
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)


def test_a_click_on_run_as_soon_as_it_is_enabled_starts_the_next_job(qtbot, panel):
    click_run(qtbot, panel)
    assert not panel.run_button.isEnabled() and panel.stop_button.isEnabled()
    qtbot.waitUntil(panel.run_button.isEnabled, timeout=WAIT)
    click_run(qtbot, panel)                    # at once: the key is already free
    assert panel.runner.is_running("count")
    qtbot.waitUntil(lambda: len(panel.shown) == 2, timeout=WAIT)
    assert panel.shown == [20, 20] and panel.status.text() == "Done. finished"   # with the job's note


def test_after_an_error_a_success_fills_the_bar_again(qtbot, panel):
    panel.spec, panel.kwargs = JobSpec(T + "failing_job"), {"kind": "user"}
    click_run(qtbot, panel)
    qtbot.waitUntil(panel.run_button.isEnabled, timeout=WAIT)
    assert panel.status.text() == "That file is not a CSV." and "c0392b" in panel.status.styleSheet()
    assert panel.progress_bar.value() == 0
    panel.spec, panel.kwargs = JobSpec(T + "counting_job"), {"n": 1}
    click_run(qtbot, panel)
    qtbot.waitUntil(lambda: panel.shown == [10], timeout=WAIT)
    assert panel.progress_bar.value() == panel.progress_bar.maximum() == 1
    assert panel.status.styleSheet() == ""


def test_stop_turns_into_stop_now_for_a_job_that_ignores_it(qtbot, panel, monkeypatch):
    monkeypatch.setattr(job_controls, "STOP_NOW_AFTER", 0.3)
    panel.controls._stop_now_timer.setInterval(300)
    panel.spec, panel.kwargs = JobSpec(T + "stubborn_job"), {"seconds": 30}
    click_run(qtbot, panel)
    qtbot.waitUntil(lambda: "started" in panel.notes, timeout=WAIT)   # the job runs in the engine
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    assert panel.status.text() == "Stopping…"
    qtbot.waitUntil(lambda: panel.stop_button.text() == "Stop now", timeout=WAIT)
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.run_button.isEnabled, timeout=5000)
    assert panel.status.text() == "Stopped." and panel.stop_button.text() == "Stop"


def test_a_crash_in_the_engine_shows_on_the_page_and_the_next_job_runs(qtbot, panel):
    panel.spec, panel.kwargs = JobSpec(T + "crashing_job"), {}
    click_run(qtbot, panel)
    qtbot.waitUntil(panel.run_button.isEnabled, timeout=WAIT)
    assert "SIGSEGV" in panel.status.text() and panel.isVisible()
    panel.spec, panel.kwargs = JobSpec(T + "counting_job"), {"n": 3}
    click_run(qtbot, panel)
    qtbot.waitUntil(lambda: panel.shown == [30], timeout=WAIT)


def test_every_page_has_job_controls(qtbot, app_ctx):
    from gui.main_window import MainWindow
    from gui.panels import PAGES
    from gui.widgets.job_controls import JobControls

    window = MainWindow(warm_up=False, ctx=app_ctx)
    qtbot.addWidget(window)
    for name, _label, _spec in PAGES:
        if name != "dashboard":   # the dashboard starts no job of its own a user waits for
            assert window.page(name).findChildren(JobControls), name
    window.close()
