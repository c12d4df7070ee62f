"""The Models page: import through the button's code path, convert a classifier, remove, bad input; the
catalogue (filter, fits, download with Stop and Resume, same-name question) and the Hugging Face cache tab,
against the local hub."""
from __future__ import annotations

import re

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressBar

from gui.catalogue_view import FITS, STATUS
from gui.model_manager import ModelManager
from models.core import catalogue, downloads, export_dirs, paths, store
from models.core.catalogue import Machine

SMOLLM = catalogue.find("smollm2-135m").repo_id
WEIGHTS = "model.safetensors"


@pytest.fixture
def page(qtbot, tmp_path, monkeypatch, local_hub, app_ctx):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))   # before the engine starts
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    widget = ModelManager(app_ctx)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: not app_ctx.runner.running_keys(), timeout=30000)   # the machine, stopped downloads
    return widget


def rows(page: ModelManager) -> dict[str, list[str]]:
    return {page.table.item(r, 0).text(): [page.table.item(r, c).text() for c in range(page.table.columnCount())]
            for r in range(page.table.rowCount())}


def choose_folder(monkeypatch, folder) -> None:
    monkeypatch.setattr("gui.model_manager.QFileDialog.getExistingDirectory", lambda *a, **k: str(folder))


def click_and_wait(qtbot, page: ModelManager, button, key: str = "models", timeout: int = 60000) -> None:
    with qtbot.waitSignal(page.runner.busy_changed, check_params_cb=lambda done, running: done == key and not running,
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

    # not fine-tuned here: a labelled file the user picks is what INT8 is chosen on (part) and checked on (the rest)
    calibration = tmp_path / "labelled.csv"
    calibration.write_text("text,label\n" + "".join(f"the film was good {i},positive\nbad {i},negative\nhello {i},neutral\n"
                                                   for i in range(4)), encoding="utf-8")
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
    assert "f1 macro delta" in details
    assert "on your data: 6 held-out rows of labelled.csv, labelled; INT8 was chosen on 6 other rows" in details
    assert "INT8 keeps in fp32: embeddings, classification head" in details
    assert (export_dirs.onnx_dir(copied) / "model_int8.onnx").is_file()

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
    click_and_wait(qtbot, page, page.download_button, key="download:some-model")   # the hub says no; so does the page
    assert page.controls.status.text() == "There is no model 'owner/some-model' on the hub (or it is private)."

    shutil.copytree(tiny_dcgan, paths.models_dir() / "gan")
    with qtbot.waitSignal(page.ctx.models.changed, timeout=30000):
        qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    assert page.select("gan")
    with qtbot.waitSignal(page.ctx.models.changed, timeout=60000):
        qtbot.mouseClick(page.convert_button, Qt.MouseButton.LeftButton)   # a face generator exports too
    assert re.search(r"ONNX INT8: [^;]*max pixel difference \d", page.controls.status.text())
    assert "16 seeds, against torch" in page.details.text() and rows(page)["gan"][4] == "yes"


def catalogue_rows(page: ModelManager) -> dict[str, str]:
    """Each catalogue row's model title and its "fits this machine" cell."""
    table = page.catalogue.table
    return {table.item(r, 0).text(): table.item(r, FITS).text() for r in range(table.rowCount())}


def test_the_catalogue_filters_by_task_and_marks_what_fits_this_machine(page):
    assert list(catalogue_rows(page)) == [e.title for e in catalogue.entries()]
    assert all(cell.startswith(("✓", "✗")) for cell in catalogue_rows(page).values())   # the engine's answer
    page.catalogue.task_filter.setCurrentText("translate")
    page.catalogue.show_machine(Machine(ram_bytes=3 * 10**9))
    shown = catalogue_rows(page)
    assert list(shown) == [e.title for e in catalogue.for_task("translate")]
    assert shown["NLLB-200 distilled 600M"] == "✗ needs 5 GB RAM, this machine has 3.0 GB"
    assert shown["OPUS-MT English → Spanish"] == "✓ fits (CPU)"
    page.catalogue.show_machine(Machine(3 * 10**9, vram_bytes=8 * 10**9, gpu="Test GPU"))
    assert catalogue_rows(page)["NLLB-200 distilled 600M"] == "✓ fits the GPU"
    assert page.catalogue.machine_label.text() == "This machine: 3.0 GB RAM, Test GPU with 8.0 GB"


def test_a_catalogue_download_shows_byte_progress_stops_and_resumes(page, qtbot, local_hub, tiny_gpt2):
    local_hub.add(SMOLLM, tiny_gpt2)
    files = local_hub.repos[SMOLLM].files
    total = sum(len(data) for data in files.values())
    local_hub.fault(WEIGHTS, delay=0.2)
    view = page.catalogue
    assert view.select("smollm2-135m")
    qtbot.mouseClick(view.download_button, Qt.MouseButton.LeftButton)
    row = [e.name for e in view.table.items].index("smollm2-135m")
    state = lambda: page.ctx.downloads.state(SMOLLM)   # noqa: E731
    qtbot.waitUntil(lambda: state() is not None and total - len(files[WEIGHTS]) < state().done < total, timeout=30000)
    bar = view.table.cellWidget(row, STATUS)
    assert isinstance(bar, QProgressBar) and 0 < bar.value() < 1000 and " of " in bar.format()
    assert not view.download_button.isEnabled()
    qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not state().running, timeout=30000)
    assert view.table.item(row, STATUS).text().startswith("Stopped at ")
    assert view.download_button.text() == "Resume" and page.controls.status.text().startswith("Stopped at ")
    assert [p.name for p in downloads.partial_downloads()] == ["SmolLM2-135M-Instruct"]

    local_hub.faults[WEIGHTS].delay = 0
    with qtbot.waitSignal(page.ctx.downloads.finished, timeout=30000):
        qtbot.mouseClick(view.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.table.item(row, STATUS).text() == "Installed", timeout=30000)
    assert local_hub.gets(WEIGHTS)[-1].range.startswith("bytes=") and len(local_hub.gets("config.json")) == 1
    assert rows(page)["SmolLM2-135M-Instruct"][1:3] == ["generate", "app"]
    assert page.controls.status.text().startswith("SmolLM2-135M-Instruct: generate model, at ")


def test_a_same_name_download_asks_before_replacing(page, qtbot, monkeypatch, local_hub, tiny_gpt2):
    local_hub.add(SMOLLM, tiny_gpt2)
    shutil.copytree(tiny_gpt2, paths.models_dir() / "SmolLM2-135M-Instruct")
    with qtbot.waitSignal(page.ctx.models.changed, timeout=30000):
        page.ctx.models.refresh()
    assert page.catalogue.select("smollm2-135m")
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
    monkeypatch.setattr("gui.downloads.QMessageBox.question", lambda *a, **k: next(answers))
    qtbot.mouseClick(page.catalogue.download_button, Qt.MouseButton.LeftButton)
    assert local_hub.log == [] and store.read_manifest(paths.models_dir() / "SmolLM2-135M-Instruct") == {}
    with qtbot.waitSignal(page.ctx.downloads.finished, timeout=30000):
        qtbot.mouseClick(page.catalogue.download_button, Qt.MouseButton.LeftButton)
    assert store.read_manifest(paths.models_dir() / "SmolLM2-135M-Instruct")["source"] == f"hub:{SMOLLM}"


def test_the_cache_tab_lists_cached_models_and_deletes_one_after_asking(page, qtbot, monkeypatch, local_hub,
                                                                        tmp_path):
    from huggingface_hub import hf_hub_download

    for repo in ("org/keep", "org/drop"):
        local_hub.add(repo, {"config.json": b'{"model_type": "gpt2"}', WEIGHTS: b"\0" * 2000})
        for name in ("config.json", WEIGHTS):
            hf_hub_download(repo, name, cache_dir=tmp_path / "hf-cache", endpoint=local_hub.endpoint)
    view = page.cache_view
    with qtbot.waitSignal(page.runner.busy_changed, check_params_cb=lambda key, running: key == "hf-cache" and not running):
        page.tabs.setCurrentWidget(view)
    assert [view.table.item(r, 0).text() for r in range(view.table.rowCount())] == ["org/drop", "org/keep"]
    assert view.summary.text() == "2 models, 4.0 kB, in the Hugging Face cache"

    assert view.select("org/drop")
    monkeypatch.setattr("gui.hf_cache_view.QMessageBox.question", lambda *a, **k: QMessageBox.StandardButton.No)
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    assert not page.runner.is_running("models") and (tmp_path / "hf-cache" / "models--org--drop").is_dir()
    monkeypatch.setattr("gui.hf_cache_view.QMessageBox.question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    click_and_wait(qtbot, page, view.delete_button)
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=30000)
    assert view.table.item(0, 0).text() == "org/keep" and (tmp_path / "hf-cache" / "models--org--keep").is_dir()
    assert page.controls.status.text() == "Deleted org/drop from the Hugging Face cache (2.0 kB freed)."


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
