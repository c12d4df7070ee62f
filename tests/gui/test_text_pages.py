"""The Classify, Generate and Translate pages driven like a user: pick a model, type, Run, read, Stop."""
from __future__ import annotations

import csv
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from gui import jobs
from gui.panels.classify import ClassifyPanel
from gui.panels.generate import GeneratePanel
from gui.panels.translate import TranslatePanel
from models.generate import generator
from models.classify.classifier import Classifier
from models.generate.chat import Conversation
from models.translate.translator import translate, translate_file
from tests.fixtures.text_models import CLASSIFIER_MAX_LENGTH, NLLB_CODES, build_marian

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


def test_predict_tab_shows_the_stored_int8_parity_beside_the_result(qtbot, ctx, tiny_onnx_classifier, tmp_path):
    from models.classify.calibration import builtin_texts
    from models.classify.onnx_export import export_classifier
    from tests.fixtures.text_models import LABELS
    from tests.fixtures.training_data import write_rows

    rows = [{"text": f"{t} Case {i}.", "label": LABELS[i % len(LABELS)]} for i, t in enumerate(builtin_texts())]
    parity = export_classifier(tiny_onnx_classifier, calibration=str(write_rows(tmp_path / "mine.csv", rows)))
    panel = page(qtbot, ClassifyPanel, ctx)
    tab = panel.predict
    tab.picker.set_path(str(tiny_onnx_classifier))
    tab.backend.combo.setCurrentIndex(tab.backend.combo.findData("onnx-int8"))
    qtbot.keyClicks(tab.text, "the film was good")
    run_and_wait(qtbot, tab)
    assert tab.status.text() == "Done.", tab.status.text()
    assert tab.parity_label.text().startswith(f"ONNX INT8 vs torch: agreement {parity['int8']['agreement_pct']:.1f}%")
    assert tab.parity_label.text().endswith(f"· your data: {parity['rows']} held-out rows")
    tab.backend.combo.setCurrentIndex(tab.backend.combo.findData("torch"))   # torch is the reference: no line
    run_and_wait(qtbot, tab)
    assert tab.result_label.text() and tab.parity_label.text() == ""


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
    assert panel.target_combo.itemText(panel.target_combo.findData("deu_Latn")) == "German (deu_Latn)"
    panel.choose("eng_Latn", "deu_Latn")
    run_and_wait(qtbot, panel)
    assert panel.status.text() == "Done."
    assert panel.output.toPlainText() == translate(tiny_nllb, document.read_text(encoding="utf-8"),
                                                   source="eng_Latn", target="deu_Latn")
    panel.picker.set_path(str(tiny_marian))  # a pair model: no language choice
    qtbot.waitUntil(lambda: not panel.runner.is_running(panel._languages_key()), timeout=WAIT_MS)
    assert not panel.target_combo.isEnabled() and panel.target_combo.count() == 0
    run_and_wait(qtbot, panel)
    assert panel.output.toPlainText() == translate(tiny_marian, document.read_text(encoding="utf-8"))


def test_stop_mid_stream_lets_no_token_through_after_the_next_step(qtbot, ctx, tiny_gpt2, monkeypatch):
    monkeypatch.setattr(jobs, "GENERATE", jobs.JobSpec("tests.gui.slow_jobs:step_generate", jobs.MODEL))
    panel = page(qtbot, GeneratePanel, ctx)
    panel.picker.set_path(str(tiny_gpt2))
    panel.temperature.setValue(0.0)
    panel.max_tokens.setValue(60)
    qtbot.keyClicks(panel.prompt, "the film")
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    steps = []   # one Progress per token, as the GUI receives them
    panel.controls.job.progress.connect(lambda event: event.done and steps.append(event.done))
    qtbot.waitUntil(lambda: len(steps) >= 3, timeout=WAIT_MS)
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    at_stop = len(steps)
    qtbot.waitUntil(lambda: panel.run_button.isEnabled(), timeout=WAIT_MS)
    assert panel.status.text() == "Stopped."
    assert len(steps) <= at_stop + 1, f"{len(steps) - at_stop} tokens came after Stop"
    assert steps[-1] < 60
    full = generator.generate(tiny_gpt2, "the film", max_new_tokens=60, temperature=0)
    assert full.startswith(panel.output.toPlainText()) and len(panel.output.toPlainText()) < len(full)


def test_chat_send_regenerate_save_open_and_copy(qtbot, ctx, tiny_chat_gpt2, tmp_path):
    panel = page(qtbot, GeneratePanel, ctx)
    panel.picker.set_path(str(tiny_chat_gpt2))
    qtbot.waitUntil(lambda: panel.chat_mode, timeout=WAIT_MS)
    assert panel.run_button.text() == "Send" and panel.system.isEnabled()
    panel.preset.setCurrentText("precise")
    assert panel.temperature.value() == 0.0 and panel.repetition.value() == 1.1
    panel.max_tokens.setValue(6)
    assert panel.preset.currentText() == "precise"
    panel.top_k.setValue(7)
    assert panel.preset.currentText() == "custom"
    panel.system.setPlainText("be brief")
    qtbot.keyClicks(panel.prompt, "hello world")
    run_and_wait(qtbot, panel)
    assert panel.prompt.toPlainText() == ""
    sampling = panel.sampling()
    expected = Conversation(system="be brief")
    expected.add("user", "hello world")
    reply = generator.generate(tiny_chat_gpt2, messages=expected.for_model(), **sampling.to_dict())
    assert panel.conversation.messages == [*expected.messages, {"role": "assistant", "content": reply}]
    assert panel.output.toPlainText() == f"You: hello world\n\nAssistant: {reply}"
    assert "first token" in panel.readout.text() and panel.readout.text().endswith("tokens/s")
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    from PySide6.QtGui import QGuiApplication
    assert QGuiApplication.clipboard().text() == reply
    panel.temperature.setValue(1.0)
    panel.seed.setValue(3)
    qtbot.mouseClick(panel.regenerate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.run_button.isEnabled() and not panel.runner.is_running("generate"),
                    timeout=WAIT_MS)
    again = generator.generate(tiny_chat_gpt2, messages=expected.for_model(), **panel.sampling().to_dict())
    assert panel.conversation.messages[-1]["content"] == again and len(panel.conversation.messages) == 2
    saved = tmp_path / "talk.json"
    panel.save_conversation(str(saved))
    qtbot.waitUntil(lambda: saved.exists() and "Saved" in panel.status.text(), timeout=WAIT_MS)
    assert json.loads(saved.read_text(encoding="utf-8"))["sampling"]["seed"] == 3
    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    panel.system.setPlainText("")
    panel.seed.setValue(-1)
    assert panel.conversation.messages == [] and panel.output.toPlainText() == ""
    panel.open_conversation(str(saved))
    qtbot.waitUntil(lambda: panel.status.text().startswith("Opened talk.json"), timeout=WAIT_MS)
    assert len(panel.conversation.messages) == 2 and panel.system.toPlainText() == "be brief"
    assert panel.seed.value() == 3 and panel.top_k.value() == 7
    assert panel.output.toPlainText().startswith("You: hello world")


def test_translate_as_you_type_shows_only_the_final_texts_translation(qtbot, ctx, tiny_marian, monkeypatch):
    monkeypatch.setattr(jobs, "TRANSLATE", jobs.JobSpec("tests.gui.slow_jobs:slow_translate", jobs.MODEL))
    panel = page(qtbot, TranslatePanel, ctx)
    panel.picker.set_path(str(tiny_marian))
    qtbot.waitUntil(lambda: not panel.runner.is_running(panel._languages_key()), timeout=WAIT_MS)
    panel.beam_size.setValue(1)
    panel.max_length.setValue(4)
    panel.as_you_type.setChecked(True)
    shown, started = [], []
    panel.output.textChanged.connect(lambda: shown.append(panel.output.toPlainText()))
    real_start = panel.controls.start_latest
    panel.controls.start_latest = lambda spec, **kw: (started.append(kw["text"]), real_start(spec, **kw))[1]
    first = "the cat sat on the mat. hello world. a dog runs. le chat est sur le tapis."
    qtbot.keyClicks(panel.input, first, delay=5)
    qtbot.waitUntil(lambda: bool(started), timeout=WAIT_MS)   # a pause: the first text went to the engine
    final = first + " un petit chien court"
    qtbot.keyClicks(panel.input, " un petit chien court", delay=5)   # typing again while it runs
    expected = translate(tiny_marian, final, beam_size=1, max_length=4)
    qtbot.waitUntil(lambda: panel.output.toPlainText() == expected, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not panel.runner.is_running(panel.job_key()), timeout=WAIT_MS)
    assert started[0] == first and started[-1] == final and len(started) == 2
    assert [text for text in shown if text] == [expected]   # the first text's translation never landed
    assert panel.status.text() == "Done."


def test_a_document_translates_to_a_file_with_progress_and_stop(qtbot, ctx, tiny_marian, tmp_path, monkeypatch):
    panel = page(qtbot, TranslatePanel, ctx)
    panel.picker.set_path(str(tiny_marian))
    qtbot.waitUntil(lambda: not panel.runner.is_running(panel._languages_key()), timeout=WAIT_MS)
    panel.beam_size.setValue(1)
    panel.max_length.setValue(3)
    source, out = tmp_path / "film.srt", tmp_path / "film.fr.srt"
    source.write_text("".join(f"{n}\n00:00:0{n},000 --> 00:00:0{n},900\nthe cat sat. hello world\n\n"
                              for n in range(1, 10)), encoding="utf-8")
    monkeypatch.setattr("gui.panels.translate.QFileDialog.getOpenFileName", lambda *a, **k: (str(source), ""))
    monkeypatch.setattr("gui.panels.translate.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), ""))
    qtbot.mouseClick(panel.document.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.runner.is_running(panel.document.key), timeout=WAIT_MS)
    assert panel.document.status.text() == f"Done: 9 passages translated into {out}."
    assert out.read_text(encoding="utf-8") == translate_file(tiny_marian, source, beam_size=1, max_length=3)["text"]
    assert panel.output.toPlainText() == out.read_text(encoding="utf-8")
    out.unlink()
    source.write_text("".join(f"{n}\n00:00:0{n},000 --> 00:00:0{n},900\na dog ran {n} times. good night\n\n"
                              for n in range(1, 10)), encoding="utf-8")   # new sentences: none in the sentence cache
    monkeypatch.setattr(jobs, "TRANSLATE_FILE", jobs.JobSpec("tests.gui.slow_jobs:slow_translate_file", jobs.MODEL))
    panel.document.run_button.click()
    qtbot.waitUntil(lambda: panel.document.progress_bar.value() > 0, timeout=WAIT_MS)
    qtbot.mouseClick(panel.document.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.runner.is_running(panel.document.key), timeout=WAIT_MS)
    assert panel.document.status.text() == "Stopped."
    assert not out.exists() and not list(tmp_path.glob(".film.fr.srt*"))


def test_pair_models_show_their_languages_and_pivot_through_english(qtbot, ctx, tmp_path):
    from models.core import store

    de_en = build_marian(tmp_path / "opus-mt-de-en")
    en_fr = build_marian(tmp_path / "en-fr", ("en", "fr"))
    store.import_folder(en_fr)
    panel = page(qtbot, TranslatePanel, ctx)
    panel.picker.set_path(str(de_en))
    qtbot.waitUntil(lambda: panel.target_combo.count() == 2, timeout=WAIT_MS)
    assert panel.source_combo.currentText() == "German (de)" and not panel.source_combo.isEnabled()
    assert [panel.target_combo.itemText(i) for i in range(2)] == ["English (en)", "French (fr) through English (en-fr)"]
    panel.choose(None, str(en_fr.resolve()))
    panel.beam_size.setValue(1)
    panel.max_length.setValue(4)
    panel.input.setPlainText("der Hund läuft im Park")
    run_and_wait(qtbot, panel)
    assert panel.output.toPlainText() == translate(de_en, "der Hund läuft im Park", pivot=str(en_fr), beam_size=1,
                                                   max_length=4)
