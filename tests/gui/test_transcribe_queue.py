"""The Transcribe page's file queue and subtitle editor, driven with qtbot over the real engine."""
from __future__ import annotations

import shutil

import pytest
import srt
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from gui import jobs
from gui.panels.transcribe import TranscribePanel
from gui.widgets.file_queue import DONE, QUEUED, STOPPED
from gui.widgets.transcript_editor import END, START, TEXT
from models.transcribe.transcript import Segment
from workers.runner import JobSpec


@pytest.fixture
def panel(qtbot, app_ctx):
    page = TranscribePanel(app_ctx)
    qtbot.addWidget(page)
    return page


def copies(wav, folder, names):
    folder.mkdir(exist_ok=True)
    return [str(shutil.copy(wav, folder / name)) for name in names]


def test_three_queued_files_finish_and_each_exports(qtbot, panel, real_whisper, espeak_wav, tmp_path,
                                                    monkeypatch) -> None:
    wav, _ = espeak_wav
    paths = copies(wav, tmp_path / "in", ["one.wav", "two.wav", "three.wav"])
    panel.picker.set_path(str(real_whisper))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: (paths, "")))
    qtbot.mouseClick(panel.file_button, Qt.MouseButton.LeftButton)
    assert [item.status for item in panel.queue.items][1:] == [QUEUED, QUEUED]
    qtbot.waitUntil(lambda: all(item.status == DONE for item in panel.queue.items), timeout=240000)
    assert all(panel.queue.table.cellWidget(row, 2).value() == 1000 for row in range(3))
    assert panel.status.text().startswith("Queue finished: 3 of 3 files")
    out = tmp_path / "subs"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(out)))
    qtbot.mouseClick(panel.queue.export_button, Qt.MouseButton.LeftButton)
    assert sorted(p.name for p in out.iterdir()) == ["one.srt", "three.srt", "two.srt"]
    for path in out.iterdir():
        cues = list(srt.parse(path.read_text(encoding="utf-8")))
        assert cues and all((c.end - c.start).total_seconds() <= 7.0 for c in cues)
    panel.queue.table.selectRow(1)
    qtbot.mouseClick(panel.queue.open_button, Qt.MouseButton.LeftButton)
    assert panel.tabs.currentWidget() is panel.editor and panel.editor.audio_path == paths[1]
    assert panel.editor.table.rowCount() == len(panel.editor.cues) > 0


def test_stop_on_the_second_file_leaves_the_third_queued(qtbot, panel, tiny_whisper_en, espeak_wav, tmp_path,
                                                         monkeypatch) -> None:
    monkeypatch.setattr(jobs, "TRANSCRIBE_FILE", JobSpec("tests.gui.slow_jobs:slow_transcribe", jobs.MODEL))
    paths = copies(espeak_wav[0], tmp_path, ["first.wav", "slow.wav", "third.wav"])
    panel.picker.set_path(str(tiny_whisper_en))
    panel.transcribe_files(paths)
    qtbot.waitUntil(lambda: panel.queue.items[1].status != QUEUED, timeout=60000)
    assert panel.queue.items[0].status == DONE
    qtbot.waitUntil(lambda: panel.queue.stop_button.isEnabled(), timeout=5000)
    qtbot.mouseClick(panel.queue.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.queue.running, timeout=20000)
    assert [item.status for item in panel.queue.items] == [DONE, STOPPED, QUEUED]
    assert not panel.runner.is_running(panel.queue.key)
    assert panel.queue.start_button.isEnabled() and "the rest stays queued" in panel.status.text()


def test_the_editor_changes_one_cue_saves_and_undoes(qtbot, virtual_mic, panel, espeak_wav, tmp_path,
                                                     monkeypatch) -> None:
    wav, _ = espeak_wav
    cues = [Segment(0.2, 1.1, "Please call me"), Segment(1.3, 2.4, "tomorrow morning,"),
            Segment(2.6, 3.9, "and we will talk about the new project.")]
    panel.editor.load(cues, str(wav))
    editor = panel.editor
    busy: list[tuple[str, bool]] = []
    panel.runner.busy_changed.connect(lambda key, running: busy.append((key, running)))
    rect = editor.table.visualItemRect(editor.table.item(1, TEXT))
    qtbot.mouseClick(editor.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())   # plays its audio
    qtbot.waitUntil(lambda: ("transcribe-play", False) in busy, timeout=20000)
    assert ("transcribe-play", True) in busy and "Could not play" not in panel.status.text()

    editor.table.item(1, TEXT).setText("Tomorrow  evening,")
    editor.table.item(1, START).setText("00:00:01.500")
    assert editor.cues[1] == Segment(1.5, 2.4, "Tomorrow evening,")
    editor.table.item(2, END).setText("not a time")          # refused, with a sentence
    assert "is not a time" in panel.status.text() and editor.cues[2] == cues[2]
    target = tmp_path / "edited.srt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    saved = list(srt.parse(target.read_text(encoding="utf-8")))
    assert [(c.start.total_seconds(), c.end.total_seconds(), c.content) for c in saved] == [
        (0.2, 1.1, "Please call me"), (1.5, 2.4, "Tomorrow evening,"),
        (2.6, 3.9, "and we will talk about the new project.")]

    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.cues[1] == Segment(1.3, 2.4, "Tomorrow evening,")          # the time edit undone
    qtbot.keyClick(editor.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.cues == cues and editor.table.item(1, TEXT).text() == "tomorrow morning,"
    editor.table.selectRow(2)
    qtbot.mouseClick(editor.split_button, Qt.MouseButton.LeftButton)
    assert [c.text for c in editor.cues[2:]] == ["and we will talk", "about the new project."]
    assert editor.cues[2].end == editor.cues[3].start and cues[2].start < editor.cues[2].end < cues[2].end
    editor.table.selectRow(0)
    qtbot.mouseClick(editor.merge_button, Qt.MouseButton.LeftButton)
    assert editor.cues[0] == Segment(0.2, 2.4, "Please call me tomorrow morning,") and len(editor.cues) == 3
    qtbot.keyClick(editor.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.cues == cues


def test_dropped_sound_files_are_queued_and_others_refused(qtbot, panel, tmp_path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    sounds = [tmp_path / "a.wav", tmp_path / "b.FLAC"]
    other = tmp_path / "notes.txt"
    for path in (*sounds, other):
        path.write_bytes(b"")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in (*sounds, other)])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    panel.queue.dropEvent(event)
    assert [item.path for item in panel.queue.items] == [str(p) for p in sounds]
    assert [panel.queue.table.item(row, 1).text() for row in range(2)] == [QUEUED, QUEUED]
    assert panel.status.text().startswith("Only sound files can be queued")


def test_the_encoder_window_is_a_remembered_choice_and_a_stretch_given_up_is_said(
        qtbot, panel, app_ctx, stuck_whisper, espeak_wav, tmp_path, monkeypatch) -> None:
    assert panel.window_combo.currentData() == 30.0                      # as Whisper was trained
    assert "less accurate" in panel.window_combo.toolTip()
    panel.window_combo.setCurrentIndex(panel.window_combo.findData(10.0))
    again = TranscribePanel(app_ctx)
    qtbot.addWidget(again)
    assert again.window_combo.currentData() == 10.0                      # kept in Settings
    panel.picker.set_path(str(stuck_whisper))                            # loops at every temperature
    assert panel.file_job("x.wav")[1]["window"] == 10.0
    paths = copies(espeak_wav[0], tmp_path, ["looped.wav"])
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: (paths, "")))
    qtbot.mouseClick(panel.file_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.queue.items[0].status == DONE, timeout=120000)
    assert panel.queue.table.item(0, 1).text() == f"{DONE}: 1 warning"
    assert "No text kept for 0:" in panel.queue.table.item(0, 1).toolTip()
    assert "looped.wav: No text kept for 0:" in panel.status.text()
