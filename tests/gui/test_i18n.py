"""The Chinese interface: every page in zh_CN with no English left, the language follows the locale and
the Settings menu (at the next start), Qt's own dialogs are translated, and the committed .qm is current."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QApplication, QComboBox, QDialogButtonBox, QFileDialog,
                               QGroupBox, QLabel, QLineEdit, QListWidget, QMenu, QPlainTextEdit, QTableWidget,
                               QTabWidget, QTextEdit, QTreeWidget, QWidget)

from gui import i18n
from gui.main_window import MainWindow
from gui.panels import PAGES
from gui.settings import Key, Settings

ROOT = Path(__file__).resolve().parents[2]
#: proper names, formats and units that stay as they are in a Chinese interface
ALLOWED = {"ModelDesk", "ONNX", "INT8", "fp32", "PyTorch", "torch", "torchrun", "GPU", "GPUs", "CPU", "CUDA", "RAM",
           "MB", "GB", "CSV", "TSV", "JSON", "Lines", "SRT", "WebVTT", "SubRip", "GGUF", "gguf", "GIF", "PNG", "png",
           "jpg", "webp", "wav", "flac", "ogg", "mp3", "opus", "aiff", "m4a", "txt", "md", "srt", "vtt", "json", "csv",
           "onnx", "Hugging", "Face", "Hub", "faster", "whisper", "Whisper", "CTranslate2", "Runtime", "DiffAugment", "ROC", "PR",
           "AUC", "RMS", "dBFS", "llama", "mistral", "qwen2", "phi3", "gemma2", "gpt2", "falcon", "owner", "name",
           "support", "tickets", "v1", "2l", "benchmarks", "faces_training", "py", "weights_only", "True", "bin", "pt",
           "fps", "px", "ID", "English", "pickle", "FFN", "softmax", "AdamW", "F1", "K", "ngf", "ndf", "VTT", "TXT", "dir", "N", "H", "W", "z", "Ctrl", "All", "files"}


def english_words(text: str) -> list[str]:
    """Latin-script words in ``text`` that are not in the allowlist (HTML tags and file patterns removed)."""
    text = re.sub(r"<[^>]+>|Top-k|Top-p|Min-p|\b[\w]+(?:-[\w]+)*-\w*\d\w*\b", " ", text)   # tags, names like support-tickets-2l
    text = re.sub(r"\(\*[^)]*\)|\(&\w\)|\\n", " ", text)   # file patterns (*.srt), accelerators (&F), \\n
    return [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_]*", text.replace("&", "")) if w not in ALLOWED]


def shown_texts(widget: QWidget) -> list[tuple[str, str]]:
    """(where, text) of everything a user reads on ``widget``: labels, buttons, tabs, tool tips, placeholders,
    headers, list and combo items, menus."""
    out = [("tooltip", widget.toolTip())]
    if isinstance(widget, QLabel):
        out.append(("label", widget.text()))
    if isinstance(widget, QAbstractButton):
        out.append(("button", widget.text()))
    if isinstance(widget, QGroupBox):
        out.append(("group", widget.title()))
    if isinstance(widget, QTabWidget):
        out += [("tab", widget.tabText(i)) for i in range(widget.count())]
        out += [("tab tooltip", widget.tabToolTip(i)) for i in range(widget.count())]
    if isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit)):
        out.append(("placeholder", widget.placeholderText()))
    if isinstance(widget, QComboBox):
        out += [("combo", widget.itemText(i)) for i in range(widget.count())]
        out.append(("combo placeholder", widget.placeholderText()))
    if isinstance(widget, QListWidget):
        out += [("list", widget.item(i).text()) for i in range(widget.count())]
    if isinstance(widget, QTableWidget):
        out += [("header", widget.horizontalHeaderItem(i).text()) for i in range(widget.columnCount())
                if widget.horizontalHeaderItem(i)]
    if isinstance(widget, QTreeWidget):
        out += [("header", widget.headerItem().text(i)) for i in range(widget.columnCount())]
    if isinstance(widget, QAbstractSpinBox):
        out += [("spin", widget.specialValueText())] + ([("suffix", widget.suffix())] if hasattr(widget, "suffix") else [])
    if isinstance(widget, QMenu):
        out += [("menu", action.text()) for action in widget.actions()] + [("menu", widget.title())]
    return [(where, text) for where, text in out if text]


@pytest.fixture
def chinese(qapp):
    """The zh_CN translators installed as a start with LANG=zh_CN.UTF-8 installs them; removed afterwards."""
    before, font = QLocale(), qapp.font()
    translators = i18n.install(qapp, "zh_CN")
    yield translators
    for translator in translators:
        qapp.removeTranslator(translator)
    QLocale.setDefault(before)
    qapp.setFont(font)


def test_the_language_follows_the_locale_and_the_settings_choice(monkeypatch):
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.resolve(i18n.SYSTEM) == "zh_CN" and i18n.resolve("en") == "en"
    monkeypatch.setenv("LANG", "zh_SG.UTF-8")
    assert i18n.resolve(i18n.SYSTEM) == "zh_CN"                       # the nearest translation
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert i18n.resolve(i18n.SYSTEM) == "en" and i18n.resolve("zh_CN") == "zh_CN"


def test_every_page_is_chinese_with_no_english_left(qtbot, chinese, app_ctx):
    assert len(chinese) == 2                                          # ModelDesk's strings and Qt's own
    window = MainWindow(warm_up=False, ctx=app_ctx)
    qtbot.addWidget(window)
    window.show()
    for name, _label, _spec in PAGES:
        window.show_panel(name)
        assert window.current_panel() == name
    assert QLocale().name() == "zh_CN"
    cjk = next(f for f in i18n.CJK_FONTS if f in QFontDatabase.families())   # setup.sh installs fonts-noto-cjk
    assert QApplication.font().families()[0] == cjk
    found = []
    menus = [action.menu() for action in window.menuBar().actions() if action.menu()]
    for widget in [window, *window.findChildren(QWidget), *menus]:
        for where, text in shown_texts(widget):
            words = english_words(text)
            if words:
                found.append(f"{type(widget).__name__} {where}: {text!r} ({', '.join(words)})")
    assert not found, "\n".join(found)
    labels = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert labels == ["分类", "生成", "翻译", "人脸", "语音转写", "仪表盘", "模型"]
    assert window.statusBar().findChildren(QLabel)[0].text().startswith(("设备", "推理后端", "内存"))


def test_qt_dialogs_and_buttons_are_translated_too(qtbot, chinese):
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(buttons)
    texts = {b.text().replace("&", "") for b in buttons.buttons()}
    assert texts == {"确定(O)", "取消"} or texts <= {"确定", "取消", "确定(O)", "取消(C)"}, texts
    dialog = QFileDialog(None, QCoreApplication.translate("TranscribePanel", "Transcribe sound files"))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "转写音频文件"
    shown = [t for w in dialog.findChildren(QWidget) for _where, t in shown_texts(w)]
    assert any("文件名" in t or "文件类型" in t for t in shown), shown                # Qt's own words, in Chinese
    dialog.close()


def test_the_settings_choice_applies_at_the_next_start(qtbot, qapp, app_ctx, tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path))                # the file app_ctx's settings use
    window = MainWindow(warm_up=False, ctx=app_ctx)
    qtbot.addWidget(window)
    menu = next(a.menu() for a in window.menuBar().actions() if a.menu() and "Settings" in a.text())
    language = next(a.menu() for a in menu.actions() if a.menu() and a.text() == "Language")
    chinese_action = next(a for a in language.actions() if a.text() == "中文（简体）")
    chinese_action.trigger()
    assert Settings().get(Key.LANGUAGE) == "zh_CN"
    assert window.sidebar.item(0).text() == "Classify"                 # this session stays English
    assert "next start" in window.statusBar().currentMessage()
    before, font = QLocale(), qapp.font()
    translators = i18n.install(qapp, Settings().get(Key.LANGUAGE))      # what the next start does
    try:
        reopened = MainWindow(warm_up=False, ctx=app_ctx)
        qtbot.addWidget(reopened)
        assert reopened.sidebar.item(0).text() == "分类"
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
        QLocale.setDefault(before)
        qapp.setFont(font)


def test_the_committed_translation_is_current(tmp_path):
    """The .ts holds exactly the strings of gui/ (pyside6-lupdate finds nothing new, obsolete or unfinished)
    and the .qm is what pyside6-lrelease makes of it."""
    bin_dir = Path(shutil.which("pyside6-lupdate") or Path(__import__("sys").executable).parent / "pyside6-lupdate").parent
    ts = tmp_path / "check.ts"
    shutil.copy(i18n.I18N_DIR / "modeldesk_zh_CN.ts", ts)
    sources = sorted(str(p) for p in (ROOT / "gui").rglob("*.py"))
    run = subprocess.run([str(bin_dir / "pyside6-lupdate"), *sources, "-target-language", "zh_CN", "-ts", str(ts),
                          "-no-obsolete"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    said = run.stdout + run.stderr
    assert "(0 new and" in said and "obsolete" not in said, said        # nothing added, nothing gone
    assert 'type="unfinished"' not in ts.read_text(encoding="utf-8")
    qm = tmp_path / "check.qm"
    subprocess.run([str(bin_dir / "pyside6-lrelease"), str(i18n.I18N_DIR / "modeldesk_zh_CN.ts"), "-qm", str(qm)],
                   check=True, capture_output=True, timeout=120)
    assert qm.read_bytes() == (i18n.I18N_DIR / "modeldesk_zh_CN.qm").read_bytes()


def test_stop_in_chinese_asks_the_job_to_stop_and_keeps_the_engine(qtbot, chinese, app_ctx):
    """Stop's label is translated: the first press must still be a polite Stop, not "Stop now"."""
    from PySide6.QtCore import Qt

    from gui.widgets.job_controls import JobControls
    from workers.runner import JobSpec

    controls = JobControls(app_ctx.runner, "i18n-stop")
    qtbot.addWidget(controls)
    controls.run_clicked.connect(lambda: controls.start(JobSpec("tests.workers.jobs_for_tests:counting_job"),
                                                        n=600, delay=0.05))
    assert controls.stop_button.text() == "停止"
    qtbot.mouseClick(controls.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controls.progress_bar.value() > 0, timeout=30_000)
    engine = app_ctx.runner.engine.pid
    qtbot.mouseClick(controls.stop_button, Qt.MouseButton.LeftButton)
    assert controls.status.text() == "正在停止…"
    qtbot.waitUntil(controls.run_button.isEnabled, timeout=30_000)
    assert controls.status.text() == "已停止。" and app_ctx.runner.engine.pid == engine
