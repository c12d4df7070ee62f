"""The Classify, Generate and Translate pages driven like a user: pick a model, type, Run, read, Stop."""
from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from gui import jobs
from gui.panels.classify import ClassifyPanel
from gui.panels.generate import GeneratePanel
from gui.panels.translate import TranslatePanel
from models.generate import generator
from models.classify.classifier import Classifier
from models.translate.translator import translate
from tests.fixtures.text_models import CLASSIFIER_MAX_LENGTH, NLLB_CODES

pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")]
WAIT_MS = 60000


@pytest.fixture
def ctx(tmp_path, monkeypatch, app_ctx):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))   # before the engine starts
    return app_ctx


def page(qtbot, cls, ctx):
    widget = cls(ctx)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def run_and_wait(qtbot, panel) -> None:
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.run_button.isEnabled() and not panel.runner.is_running(panel.job_key()),
                    timeout=WAIT_MS)


def test_predict_tab_shows_label_and_probability_bars(qtbot, ctx, tiny_text_classifier):
    panel = page(qtbot, ClassifyPanel, ctx)
    tab = panel.predict
    qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    assert tab.status.text().startswith("Choose a model")
    tab.picker.set_path(str(tiny_text_classifier))
    assert panel.file.picker.path() == str(tiny_text_classifier)  # the File tab follows
    qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    assert tab.status.text() == "Type a text to classify first."
    qtbot.keyClicks(tab.text, "the film was good")
    run_and_wait(qtbot, tab)
    assert tab.status.text() == "Done."
    expected = Classifier.load(tiny_text_classifier).predict(["the film was good"])[0]
    assert tab.result_label.text().startswith(f"<b>{expected.label}</b>")
    assert tab.plotted == pytest.approx(expected.probs)
    assert list(tab.plotted.values()) == sorted(expected.probs.values(), reverse=True)
    tab.text.setPlainText("the plot was bad and very slow " * 10)  # the model's notes reach the status line
    run_and_wait(qtbot, tab)
    assert tab.status.text() == f"Done. 1 text was longer than {CLASSIFIER_MAX_LENGTH} tokens and was truncated."


def test_file_tab_classifies_a_csv(qtbot, ctx, tiny_text_classifier, tmp_path):
    source = tmp_path / "reviews.csv"
    with open(source, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["id", "review"], ["1", "the film was good"], ["2", "bad plot"], ["3", "hello"]])
    panel = page(qtbot, ClassifyPanel, ctx)
    tab = panel.file
    tab.picker.set_path(str(tiny_text_classifier))
    tab.set_input(str(source))
    qtbot.waitUntil(lambda: tab.column_combo.count() == 2, timeout=WAIT_MS)
    assert tab.column_combo.currentText() == "review"
    assert tab.output_edit.text() == str(tmp_path / "reviews-predictions.csv")
    run_and_wait(qtbot, tab)
    assert tab.status.text() == "Done.", tab.status.text()
    with open(tmp_path / "reviews-predictions.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["1", "2", "3"] and all(r["label"] for r in rows)
    assert tab.summary.text().startswith("3 rows classified (0 skipped)")
    assert tab.throughput.text().endswith("rows/s")


def test_classify_page_takes_more_tabs_and_the_dashboard(qtbot, ctx):
    class ExtraTab(QWidget):
        dashboard = None

        def attach_dashboard(self, dashboard):
            self.dashboard = dashboard

    panel = page(qtbot, ClassifyPanel, ctx)
    assert [panel.tabs.tabText(i) for i in range(2)] == ["Predict", "File"]
    before = panel.tabs.count()
    early, late, dashboard = ExtraTab(), ExtraTab(), QWidget()
    panel.add_tab(early, "Extra 1")
    panel.attach_dashboard(dashboard)
    panel.add_tab(late, "Extra 2")
    assert panel.dashboard is dashboard and early.dashboard is dashboard and late.dashboard is dashboard
    assert [panel.tabs.tabText(i) for i in range(before, panel.tabs.count())] == ["Extra 1", "Extra 2"]


def test_generate_streams_into_the_output_and_remembers_settings(qtbot, ctx, tiny_gpt2):
    panel = page(qtbot, GeneratePanel, ctx)
    panel.picker.set_path(str(tiny_gpt2))
    panel.temperature.setValue(0.0)
    panel.max_tokens.setValue(12)
    qtbot.keyClicks(panel.prompt, "the film")
    pieces = []
    shown = panel.on_partial
    panel.on_partial = lambda event: (pieces.append(event), shown(event))
    run_and_wait(qtbot, panel)
    assert panel.status.text() == "Done."
    expected = generator.generate(tiny_gpt2, "the film", max_new_tokens=12, temperature=0)
    assert panel.output.toPlainText() == expected
    assert "".join(p.text for p in pieces) == expected and len(pieces) > 1
    again = page(qtbot, GeneratePanel, ctx)
    assert again.temperature.value() == 0.0 and again.max_tokens.value() == 12


def test_stop_during_generation(qtbot, ctx, tiny_gpt2, monkeypatch):
    monkeypatch.setattr(jobs, "GENERATE", jobs.JobSpec("tests.gui.slow_jobs:slow_generate", jobs.MODEL))
    panel = page(qtbot, GeneratePanel, ctx)
    panel.picker.set_path(str(tiny_gpt2))
    panel.temperature.setValue(0.0)
    panel.max_tokens.setValue(100)
    qtbot.keyClicks(panel.prompt, "the film")
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.output.toPlainText() != "", timeout=WAIT_MS)
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.run_button.isEnabled(), timeout=WAIT_MS)
    assert panel.status.text() == "Stopped."
    full = generator.generate(tiny_gpt2, "the film", max_new_tokens=100, temperature=0)
    assert panel.output.toPlainText() != "" and full.startswith(panel.output.toPlainText())
    assert len(panel.output.toPlainText()) < len(full)


def test_translate_fills_languages_and_translates(qtbot, ctx, tiny_nllb, tiny_marian, tmp_path):
    panel = page(qtbot, TranslatePanel, ctx)
    assert not panel.target_combo.isEnabled()
    panel.picker.set_path(str(tiny_nllb))
    qtbot.waitUntil(lambda: panel.target_combo.count() == len(NLLB_CODES), timeout=WAIT_MS)
    assert panel.target_combo.isEnabled() and panel.source_combo.isEnabled()
    document = tmp_path / "letter.txt"
    document.write_text("the cat sat.\n\na dog runs!", encoding="utf-8")
    panel.load_file(str(document))
    qtbot.waitUntil(lambda: panel.input.toPlainText() == "the cat sat.\n\na dog runs!", timeout=WAIT_MS)
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.status.text() == "Choose the language to translate into."
    panel.source_combo.setCurrentText("eng_Latn")
    panel.target_combo.setCurrentText("deu_Latn")
    run_and_wait(qtbot, panel)
    assert panel.status.text() == "Done."
    assert panel.output.toPlainText() == translate(tiny_nllb, document.read_text(encoding="utf-8"),
                                                   source="eng_Latn", target="deu_Latn")
    panel.picker.set_path(str(tiny_marian))  # a pair model: no language choice
    qtbot.waitUntil(lambda: not panel.runner.is_running(panel._languages_key()), timeout=WAIT_MS)
    assert not panel.target_combo.isEnabled() and panel.target_combo.count() == 0
    run_and_wait(qtbot, panel)
    assert panel.output.toPlainText() == translate(tiny_marian, document.read_text(encoding="utf-8"))
