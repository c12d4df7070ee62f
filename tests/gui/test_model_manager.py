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


def click_and_wait(qtbot, page: ModelManager, button, timeout: int = 60000) -> None:
    with qtbot.waitSignal(page.runner.busy_changed, check_params_cb=lambda key, running: not running,
                          timeout=timeout):
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


def test_import_by_copy_convert_and_remove(page, qtbot, monkeypatch, tiny_onnx_classifier, tmp_path):
    page.copy_check.setChecked(True)
    choose_folder(monkeypatch, tiny_onnx_classifier)
    with qtbot.waitSignal(page.ctx.models.changed, timeout=30000):
        qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    copied = paths.models_dir() / "tiny-classifier"
    assert rows(page)["tiny-classifier"][2] == "app" and (copied / "config.json").is_file()

    # not fine-tuned here: a labelled file the user picks is what INT8 is checked on
    calibration = tmp_path / "labelled.csv"
    calibration.write_text("text,label\n" + "the film was good,positive\nbad,negative\nhello,neutral\n" * 4,
                           encoding="utf-8")
    monkeypatch.setattr("gui.model_manager.QFileDialog.getOpenFileName", lambda *a, **k: (str(calibration), ""))
    qtbot.mouseClick(page.calibration_button, Qt.MouseButton.LeftButton)
    assert f"Calibration file for the next conversion: {calibration}" in page.details.text()
    with qtbot.waitSignal(page.ctx.models.changed, timeout=180000):   # a real export, sometimes on a busy CPU
        click_and_wait(qtbot, page, page.convert_button, timeout=180000)
        assert "converted" in page.controls.status.text(), page.controls.status.text()
    assert rows(page)["tiny-classifier"][4] == "yes"
    assert "ONNX fp32: agreement 100.0%" in page.controls.status.text()
    details = page.details.text()
    assert "Parity: ONNX fp32: agreement 100.0%" in details and "ONNX INT8: agreement" in details
    assert "f1 macro delta" in details and "on 12 labelled rows of labelled.csv" in details
    assert "INT8 keeps in fp32: embeddings, classification head" in details
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
    click_and_wait(qtbot, page, page.convert_button)
    assert "cannot export a face generator to ONNX yet" in page.controls.status.text()
