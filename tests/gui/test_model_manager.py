"""The Models page: import through the button's code path, convert a classifier, remove, bad input."""
from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from gui.model_manager import ModelManager
from models.core import paths, store


@pytest.fixture
def page(qtbot, tmp_path, monkeypatch, app_ctx):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    widget = ModelManager(app_ctx)
    qtbot.addWidget(widget)
    return widget


def rows(page: ModelManager) -> dict[str, list[str]]:
    return {page.table.item(r, 0).text(): [page.table.item(r, c).text() for c in range(page.table.columnCount())]
            for r in range(page.table.rowCount())}


def choose_folder(monkeypatch, folder) -> None:
    monkeypatch.setattr("gui.model_manager.QFileDialog.getExistingDirectory", lambda *a, **k: str(folder))


def click_and_wait(qtbot, page: ModelManager, button) -> None:
    with qtbot.waitSignal(page.runner.busy_changed, check_params_cb=lambda key, running: not running,
                          timeout=60000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_import_lists_the_model_and_announces_it(page, qtbot, monkeypatch, tiny_dcgan):
    assert page.table.rowCount() == 0
    choose_folder(monkeypatch, tiny_dcgan)
    with qtbot.waitSignal(page.ctx.models.changed, timeout=30000):
        qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    assert rows(page)["tiny-dcgan"] == ["tiny-dcgan", "faces", "imported", "safetensors", "no", str(tiny_dcgan)]
    assert page.selected().name == "tiny-dcgan"
    assert "faces model" in page.controls.status.text()
    assert [m.name for m in store.list_models("faces")] == ["tiny-dcgan"]


def test_import_by_copy_convert_and_remove(page, qtbot, monkeypatch, tiny_onnx_classifier):
    page.copy_check.setChecked(True)
    choose_folder(monkeypatch, tiny_onnx_classifier)
    with qtbot.waitSignal(page.ctx.models.changed, timeout=30000):
        qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    copied = paths.models_dir() / "tiny-classifier"
    assert rows(page)["tiny-classifier"][2] == "app" and (copied / "config.json").is_file()

    with qtbot.waitSignal(page.ctx.models.changed, timeout=60000):
        qtbot.mouseClick(page.convert_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.remove_button.isEnabled())
    assert rows(page)["tiny-classifier"][4] == "yes"
    assert "argmax agreement 100.0%" in page.controls.status.text()
    assert "Parity: ONNX fp32" in page.details.text() and "INT8" in page.details.text()
    assert (copied / "onnx" / "model_int8.onnx").is_file()

    monkeypatch.setattr("gui.model_manager.QMessageBox.question", lambda *a, **k: QMessageBox.StandardButton.No)
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert copied.is_dir()
    monkeypatch.setattr("gui.model_manager.QMessageBox.question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(page.ctx.models.changed, timeout=30000):
        qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert page.table.rowCount() == 0 and not copied.exists()
    assert tiny_onnx_classifier.is_dir()


def test_bad_input_goes_to_the_status_line(page, qtbot, monkeypatch, tmp_path, tiny_dcgan):
    not_a_model = tmp_path / "photos"
    not_a_model.mkdir()
    choose_folder(monkeypatch, not_a_model)
    click_and_wait(qtbot, page, page.import_button)
    assert "no config.json" in page.controls.status.text() and not page.runner.is_running("models")

    qtbot.mouseClick(page.convert_button, Qt.MouseButton.LeftButton)
    assert "Select a model to convert" in page.controls.status.text()
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert "Select a model" in page.controls.status.text()

    monkeypatch.setattr("gui.model_manager.QInputDialog.getText", lambda *a, **k: ("not a repo!", True))
    qtbot.mouseClick(page.download_button, Qt.MouseButton.LeftButton)
    assert "not a repository id" in page.controls.status.text()
    monkeypatch.setattr("gui.model_manager.QInputDialog.getText", lambda *a, **k: ("owner/some-model", True))
    click_and_wait(qtbot, page, page.download_button)  # offline: the store says so, the page shows it
    assert "Could not reach the model hub" in page.controls.status.text()

    shutil.copytree(tiny_dcgan, paths.models_dir() / "gan")
    with qtbot.waitSignal(page.ctx.models.changed, timeout=30000):
        qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    assert page.select("gan")
    with qtbot.waitSignal(page.ctx.models.changed, timeout=60000):
        qtbot.mouseClick(page.convert_button, Qt.MouseButton.LeftButton)   # a face generator exports too
    assert "INT8: max pixel difference" in page.controls.status.text()
    assert "16 seeds, against torch" in page.details.text() and rows(page)["gan"][4] == "yes"


def test_an_onnx_face_generator_file_imports_from_its_button(page, qtbot, monkeypatch, tmp_path):
    from tests.fixtures.faces_models import build_onnx_generator

    folder = build_onnx_generator(tmp_path / "downloads", sidecar={"value_range": [0, 1]}, name="my-gan.onnx",
                                  sigmoid=True)
    monkeypatch.setattr("gui.model_manager.QFileDialog.getOpenFileName",
                        lambda *a, **k: (str(folder / "my-gan.onnx"), "ONNX"))
    with qtbot.waitSignal(page.ctx.models.changed, timeout=30000):
        qtbot.mouseClick(page.import_file_button, Qt.MouseButton.LeftButton)
    copied = paths.models_dir() / "my-gan"
    assert rows(page)["my-gan"] == ["my-gan", "faces", "app", "onnx", "yes", str(copied)]
    assert "my-gan: faces model" in page.controls.status.text() and page.details.text().count("onnx-generator") == 1
