"""The main window: every page renders, settings persist, the device shows up after warm-up."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import main
from gui.main_window import MainWindow
from gui.panels import PAGES, load

ROOT = Path(__file__).resolve().parents[2]


def distinct_colours(image) -> int:
    step_x, step_y = max(1, image.width() // 64), max(1, image.height() // 64)
    return len({image.pixel(x, y) for x in range(0, image.width(), step_x)
                for y in range(0, image.height(), step_y)})


@pytest.mark.parametrize("panel", [name for name, _, _ in PAGES])
def test_screenshot_of_each_page(tmp_path, panel, qapp):
    from PySide6.QtGui import QImage

    out = tmp_path / f"{panel}.png"
    assert main.main(["--screenshot", str(out), "--panel", panel]) == 0
    image = QImage(str(out))
    assert not image.isNull() and image.width() > 400 and image.height() > 300


@pytest.mark.parametrize("panel, spec", [(name, spec) for name, _, spec in PAGES])
def test_each_page_shows_its_own_widgets(qtbot, tmp_path, monkeypatch, app_ctx, panel, spec):
    """The page itself, not the window around it: its own labels and buttons are on screen with their
    text, and its own pixels are not blank (the sidebar alone would pass a whole-window check)."""
    from PySide6.QtWidgets import QAbstractButton, QLabel

    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path))
    page = load(spec)(app_ctx)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    qtbot.waitUntil(page.isVisible)
    shown = [w for kind in (QLabel, QAbstractButton) for w in page.findChildren(kind)
             if w.isVisible() and w.text().strip() and w.width() > 0 and w.height() > 0]
    assert len(shown) >= 2, [w.text() for w in shown]
    assert distinct_colours(page.grab().toImage()) > 8


def test_screenshot_from_the_command_line(tmp_path):
    out = tmp_path / "shot.png"
    result = subprocess.run([sys.executable, "main.py", "--screenshot", str(out), "--panel", "models"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.is_file()


def test_version_and_bad_panel(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main.main(["--version"])
    assert exit_info.value.code == 0
    assert "ModelDesk 0.1.0" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main.main(["--screenshot", "x.png", "--panel", "nope"])
    assert exit_info.value.code == 2


def test_window_pages_settings_and_device(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path))
    window = MainWindow(warm_up=True)
    qtbot.addWidget(window)
    window.show()
    assert window.sidebar.count() == len(PAGES)
    window.sidebar.setCurrentRow(5)
    assert window.current_panel() == "dashboard"
    qtbot.waitUntil(lambda: "CPU" in window.device_label.text(), timeout=60000)
    assert "MB" in window.memory_label.text()
    window.close()
    reopened = MainWindow(warm_up=False)
    qtbot.addWidget(reopened)
    assert reopened.current_panel() == "dashboard"
    reopened.close()


def test_pickle_consent_is_asked_and_reaches_jobs(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path))
    window = MainWindow(warm_up=False)
    qtbot.addWidget(window)
    options = window.runner.options
    assert options({})["allow_pickle"] is False
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window.pickle_action.setChecked(True)
    assert not window.pickle_action.isChecked() and options({})["allow_pickle"] is False
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.pickle_action.setChecked(True)
    assert options({})["allow_pickle"] is True
    window.close()
