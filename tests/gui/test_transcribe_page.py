"""The Transcribe page with qtbot: live session from an in-memory source (real Whisper tiny.en),
partial text in grey, Stop, export SRT; file transcription; model options; no microphone."""
from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from gui.panels.transcribe import TranscribePanel
from models.transcribe import audio
from models.transcribe.recognizer import read_audio
from models.transcribe.wer import word_error_rate
from tests.fixtures.audio_env import silence
from tests.fixtures.speech_models import make_speech

FIRST = "Please call me tomorrow morning at the office about the budget for next year."
SECOND = "The train leaves the station every hour on the hour."


@pytest.fixture
def panel(qtbot, app_ctx):
    page = TranscribePanel(app_ctx)
    qtbot.addWidget(page)
    return page


@pytest.fixture(scope="module")
def two_sentences(tmp_path_factory) -> np.ndarray:
    folder = tmp_path_factory.mktemp("gui-speech")
    parts = [silence(0.5)]
    for i, text in enumerate((FIRST, SECOND)):
        parts += [read_audio(make_speech(folder / f"{i}.wav", text)), silence(1.2)]
    return np.concatenate(parts)


def srt_times(text: str) -> list[float]:
    stamps = re.findall(r"(\d\d):(\d\d):(\d\d),(\d\d\d)", text)
    return [int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000 for h, m, s, ms in stamps]


def test_live_session_shows_grey_partials_then_exports_an_srt(qtbot, panel, real_whisper, two_sentences,
                                                              tmp_path, monkeypatch) -> None:
    panel.picker.set_path(str(real_whisper))
    panel.source_factory = lambda device: audio.ArraySource(two_sentences, audio.TARGET_RATE, speed=1.0)
    levels: list[int] = []
    panel.meter.valueChanged.connect(levels.append)

    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert not panel.run_button.isEnabled() and panel.stop_button.isEnabled()
    qtbot.waitUntil(lambda: "#8a8a8a" in panel.view.toHtml(), timeout=30000)   # grey partial text
    assert not panel.segments, "the partial came before the first final"
    qtbot.waitUntil(lambda: len(panel.segments) == 1, timeout=30000)
    assert word_error_rate(FIRST, panel.segments[0].text) < 0.5, panel.segments
    assert panel.latency_label.text().startswith("Latency: ")
    # Stop once the second sentence is mostly heard (its partial reached "hour"), or it was committed
    qtbot.waitUntil(lambda: "hour" in panel.view.toPlainText() or len(panel.segments) == 2, timeout=30000)

    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.run_button.isEnabled(), timeout=20000)
    assert len(panel.segments) == 2, panel.segments        # the sentence in progress was finished
    assert "#8a8a8a" not in panel.view.toHtml()
    assert panel.status.text().startswith("Stopped: 2 segments (autosaved in "), panel.status.text()
    assert max(levels) > -30 and min(levels) <= -60, levels   # the meter moved with the speech

    target = tmp_path / "out.srt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "SubRip subtitles (*.srt)")))
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    srt = target.read_text(encoding="utf-8")
    times = srt_times(srt)
    assert len(times) >= 4 and times == sorted(times), srt   # two sentences, each one cue or more
    assert srt.startswith("1\n") and "\n2\n" in srt
    assert word_error_rate(f"{FIRST} {SECOND}", " ".join(s.text for s in panel.segments)) < 0.4

    panel.timestamps.setChecked(True)
    assert "[00:00:0" in panel.view.toPlainText()


def test_a_corrupt_file_is_one_clear_sentence(qtbot, panel, real_whisper, tmp_path) -> None:
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really")
    panel.picker.set_path(str(real_whisper))
    panel.transcribe_files([str(bad)])
    qtbot.waitUntil(lambda: not panel.queue.running, timeout=30000)
    assert panel.queue.items[0].status == "Failed"
    assert "broken.wav is not a sound file" in panel.status.text()
    assert "Traceback" not in panel.status.text()


def test_files_need_a_model_first(qtbot, panel, espeak_wav) -> None:
    panel.picker.set_path("")
    panel.transcribe_files([str(espeak_wav[0])])
    assert panel.status.text() == "Choose a model first (Browse… or the Models page)."
    assert panel.queue.items[0].status == "Queued" and not panel.queue.running


def test_whisper_options_follow_the_model(panel, tiny_whisper, tiny_whisper_en, tiny_ctc) -> None:
    panel.picker.set_path(str(tiny_whisper))
    codes = [panel.language_combo.itemData(i) for i in range(panel.language_combo.count())]
    assert codes == [None, "de", "en", "fr"]
    assert panel.language_combo.isEnabled() and panel.task_combo.isEnabled()
    panel.picker.set_path(str(tiny_whisper_en))
    assert not panel.language_combo.isEnabled() and not panel.task_combo.isEnabled()
    assert panel.task_combo.currentData() == "transcribe"
    panel.picker.set_path(str(tiny_ctc))
    assert not panel.task_combo.isEnabled()


def test_no_microphone_is_a_clear_status(qtbot, panel, tiny_whisper) -> None:
    panel.picker.set_path(str(tiny_whisper))
    panel._show_devices([])          # what the engine's device scan answers on a machine without one
    assert panel.mic_combo.placeholderText() == "No microphone found"
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.status.text() == "No microphone found: connect one and press the reload button beside the list."
    assert panel.run_button.isEnabled()


def test_a_model_that_is_not_for_speech_is_refused(qtbot, panel, tiny_text_classifier) -> None:
    panel.picker.set_path(str(tiny_text_classifier))
    panel.source_factory = lambda device: audio.ArraySource(silence(1.0), audio.TARGET_RATE)
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.run_button.isEnabled(), timeout=30000)
    assert panel.status.text().endswith("tiny-bert-classifier is a text classifier, not a speech recognition model.")
