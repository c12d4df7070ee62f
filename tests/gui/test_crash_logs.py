"""Crash logs: an uncaught exception (in a slot or a thread) is logged and shown and the app goes on;
a segfault of the window or of the engine leaves its stacks in a crash log; the next start says so."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from gui.crash_report import CrashReporter, report_last_crash
from models.core import crash
from tests.workers import jobs_for_tests as J

ROOT = Path(__file__).resolve().parents[2]
WAIT_MS = 20_000


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("MODELDESK_HOME", str(folder))
    return folder


def _crash_log(home: Path) -> crash.CrashLog:
    """A crash log for the test process without faulthandler (pytest keeps its own)."""
    path = home / "logs" / "crash-test-gui-1.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return crash.CrashLog(path, open(path, "w", encoding="utf-8"))


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_or_a_thread_is_logged_and_shown_and_the_app_goes_on(qtbot, home, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)            # restored after the test
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    log = _crash_log(home)
    reporter = CrashReporter()
    crash.install_hooks(log, reporter.notify)

    def failing_slot() -> None:
        raise ValueError("the slot failed")

    after: list[str] = []
    QTimer.singleShot(0, failing_slot)
    QTimer.singleShot(20, lambda: after.append("the event loop went on"))
    qtbot.waitUntil(lambda: reporter.dialog is not None and bool(after), timeout=WAIT_MS)
    assert reporter.dialog.text() == "Something went wrong: ValueError: the slot failed"
    assert str(log.path) in reporter.dialog.informativeText()
    text = log.path.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "in failing_slot" in text
    assert "ValueError: the slot failed" in text

    reporter.dialog.done(0)
    qtbot.waitUntil(lambda: reporter.dialog is None, timeout=WAIT_MS)

    def failing_thread() -> None:
        raise RuntimeError("the thread failed")

    worker = threading.Thread(target=failing_thread, name="helper")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: reporter.dialog is not None, timeout=WAIT_MS)   # shown on the GUI thread
    assert reporter.dialog.text() == "Something went wrong: RuntimeError: the thread failed"
    text = log.path.read_text(encoding="utf-8")
    assert "Uncaught exception in thread helper" in text and "in failing_thread" in text
    reporter.dialog.done(0)
    log._handle.close()


@pytest.mark.parametrize("mode, exit_status", [("exception", 0), ("segfault", -signal.SIGSEGV)])
def test_a_crash_log_is_left_and_the_next_start_says_so(home, mode, exit_status):
    """A slot raises (the app goes on), then the app ends: normally, or killed by SIGSEGV."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    driver = [sys.executable, str(ROOT / "tests" / "gui" / "crash_driver.py")]
    ended = subprocess.run([*driver, mode], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert ended.returncode == exit_status, ended.stderr
    assert "still running after the exception" in ended.stdout
    (log,) = crash.crash_logs()
    assert re.fullmatch(r"crash-\d{8}-\d{6}-gui-\d+\.log", log.name)
    text = log.read_text(encoding="utf-8")
    assert "ValueError: a slot failed on purpose" in text and "in failing_slot" in text
    if mode == "segfault":
        assert "Fatal Python error: Segmentation fault" in text and "in segfault" in text
        assert text.index("ValueError") < text.index("Segmentation fault")   # the stacks did not overwrite it

    reported = subprocess.run([*driver, "next"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert reported.returncode == 0, reported.stderr
    assert reported.stdout.strip() == (f"The last ModelDesk session crashed. | Its crash log is {log}; "
                                       "please attach it to a bug report.")


def test_the_crash_is_reported_once(qtbot, home, ini_settings):
    log = _crash_log(home)
    log.record(ValueError, ValueError("x"), None, "thread MainThread")
    log._handle.close()
    window = QWidget()
    qtbot.addWidget(window)
    assert report_last_crash(window, ini_settings) == [log.path]
    (notice,) = window.findChildren(QMessageBox)
    assert notice.text() == "The last ModelDesk session crashed." and str(log.path) in notice.informativeText()
    notice.done(0)
    assert report_last_crash(window, ini_settings) == []


def test_an_engine_segfault_names_its_crash_log(qtbot, home, job_runner):
    job = job_runner.start("crash", J.crashing_job)
    errors: list[str] = []
    job.error.connect(lambda message, _details: errors.append(message))
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT_MS)
    (log,) = crash.crash_logs()
    assert errors[0] == (f"Interrupted: the model engine stopped unexpectedly (SIGSEGV; its crash log is {log}). "
                         "Run it again to start a fresh engine.")
    assert re.fullmatch(r"crash-\d{8}-\d{6}-engine-\d+\.log", log.name)
    text = log.read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in text and "in crashing_job" in text
