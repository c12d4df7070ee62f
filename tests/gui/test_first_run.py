"""A page without a model offers the recommended one: Download it from the local hub, then run it on that page."""
from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from gui.main_window import MainWindow
from gui.panels.faces import FacesPanel
from gui.panels.generate import GeneratePanel
from models.core import catalogue, downloads, paths, store
from models.core.events import Cancelled, CancelToken
from models.generate import generator

pytestmark = pytest.mark.usefixtures("one_torch_thread")
WAIT_MS = 60000
SMOLLM = catalogue.recommended("generate").repo_id


@pytest.fixture
def ctx(tmp_path, monkeypatch, local_hub, app_ctx):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))   # before the engine starts
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    return app_ctx


def shown_page(qtbot, cls, ctx):
    panel = cls(ctx)
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(ctx.models.changed, timeout=WAIT_MS):
        ctx.models.refresh()
    return panel


def test_the_first_run_download_then_generate_on_the_same_page(qtbot, ctx, local_hub, tiny_gpt2):
    local_hub.add(SMOLLM, tiny_gpt2)   # the tiny GPT-2 plays the recommended model
    panel = shown_page(qtbot, GeneratePanel, ctx)
    box = panel.first_run
    assert box.isVisible() and panel.picker.path() == ""
    assert "No text generator yet" in box.text.text() and "SmolLM2 135M Instruct" in box.text.text()

    with qtbot.waitSignal(ctx.downloads.finished, timeout=WAIT_MS):
        qtbot.mouseClick(box.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.picker.path() != "", timeout=WAIT_MS)
    assert not box.isVisible()
    model = paths.models_dir() / "SmolLM2-135M-Instruct"
    assert panel.picker.path() == str(model) and store.read_manifest(model)["source"] == f"hub:{SMOLLM}"

    panel.temperature.setValue(0.0)
    panel.max_tokens.setValue(8)
    qtbot.keyClicks(panel.prompt, "the film")
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.run_button.isEnabled() and not panel.runner.is_running(panel.job_key()),
                    timeout=WAIT_MS)
    assert panel.status.text() == "Done."
    assert panel.output.toPlainText() == generator.generate(model, "the film", max_new_tokens=8,
                                                                      temperature=0)


def test_a_failed_first_run_download_says_why_and_offers_resume(qtbot, ctx, local_hub, tiny_gpt2):
    local_hub.add(SMOLLM, tiny_gpt2)
    local_hub.fault("model.safetensors", status=503)
    panel = shown_page(qtbot, GeneratePanel, ctx)
    box = panel.first_run
    qtbot.mouseClick(box.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.download_button.isEnabled(), timeout=WAIT_MS)
    assert box.status.text().startswith(f"The hub answered 503 for '{SMOLLM}'")
    assert box.download_button.text() == "Resume" and box.isVisible()   # the config and tokenizer are kept


def test_a_download_stopped_in_an_earlier_run_shows_as_stopped_and_resumes(qtbot, ctx, local_hub, tiny_gpt2):
    local_hub.add(SMOLLM, tiny_gpt2)
    files = local_hub.repos[SMOLLM].files
    total, weights = sum(len(data) for data in files.values()), len(files["model.safetensors"])
    local_hub.fault("model.safetensors", delay=0.05)
    token = CancelToken()
    with pytest.raises(Cancelled):   # the earlier run, stopped inside the weights
        downloads.download(SMOLLM, cancel=token,
                           progress=lambda event: total - weights < event.done < total and token.cancel())
    local_hub.faults["model.safetensors"].delay = 0
    panel = shown_page(qtbot, GeneratePanel, ctx)
    box = panel.first_run
    qtbot.waitUntil(lambda: box.download_button.text() == "Resume", timeout=WAIT_MS)
    assert box.status.text().startswith("Stopped at ") and 0 < box.progress.value() < 1000
    with qtbot.waitSignal(ctx.downloads.finished, timeout=WAIT_MS):
        qtbot.mouseClick(box.download_button, Qt.MouseButton.LeftButton)
    assert local_hub.gets("model.safetensors")[-1].range.startswith("bytes=")
    assert len(local_hub.gets("config.json")) == 1


def test_a_page_without_a_recommendation_links_to_the_models_page(qtbot, ctx, monkeypatch):
    window = MainWindow(warm_up=False, ctx=ctx)
    qtbot.addWidget(window)
    window.show()
    window.show_panel("faces")
    faces = window.page("faces")
    assert isinstance(faces, FacesPanel)
    with qtbot.waitSignal(ctx.models.changed, timeout=WAIT_MS):
        ctx.models.refresh()
    qtbot.waitUntil(faces.first_run.isVisible)
    assert faces.first_run.text.text() == "No face generator yet."
    assert not faces.first_run.download_button.isVisible()
    faces.first_run.link.linkActivated.emit("models")
    assert window.current_panel() == "models"


def test_a_same_name_first_run_download_asks_before_replacing(qtbot, ctx, monkeypatch, tiny_gpt2):
    shutil.copytree(tiny_gpt2, paths.models_dir() / "SmolLM2-135M-Instruct")   # a model of that name, another task
    store.write_manifest(paths.models_dir() / "SmolLM2-135M-Instruct", task="faces")
    panel = shown_page(qtbot, GeneratePanel, ctx)
    asked = []
    monkeypatch.setattr("gui.downloads.QMessageBox.question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    qtbot.mouseClick(panel.first_run.download_button, Qt.MouseButton.LeftButton)
    assert asked == [f"A model named SmolLM2-135M-Instruct is installed already. Download {SMOLLM} and replace it?"]
    assert not [key for key in ctx.runner.running_keys() if key.startswith("download:")]
