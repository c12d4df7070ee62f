"""The Faces page: Generate shows the grid, Save PNG writes it, bad seeds stay on the status line, training plots."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gui.panels.faces import FacesPanel
from models.faces import dcgan
from models.core import paths


@pytest.fixture
def panel(qtbot, tmp_path, monkeypatch, app_ctx):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    page = FacesPanel(app_ctx)
    qtbot.addWidget(page)
    return page


def test_generate_shows_the_grid_and_saves_it(panel, qtbot, tiny_dcgan, tmp_path, monkeypatch):
    panel.picker.set_path(str(tiny_dcgan))
    panel.seeds_edit.setText("0-4")
    panel.cols_spin.setValue(3)
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.view.array is not None and panel.run_button.isEnabled(), timeout=20000)
    pixmap = panel.view.pixmap()
    assert (pixmap.width(), pixmap.height()) == (3 * 66 + 2, 2 * 66 + 2)
    expected = dcgan.make_grid(dcgan.generate(tiny_dcgan, [0, 1, 2, 3, 4], device="cpu"), cols=3)
    np.testing.assert_array_equal(panel.view.array, expected)
    assert pixmap.toImage().pixelColor(40, 40).red() == expected[40, 40, 0]

    target = tmp_path / "out" / "faces"
    monkeypatch.setattr("gui.panels.faces.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), "PNG"))
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    from PIL import Image
    np.testing.assert_array_equal(np.asarray(Image.open(target.with_suffix(".png"))), expected)


def test_interpolation_fills_one_row(panel, qtbot, tiny_dcgan):
    panel.picker.set_path(str(tiny_dcgan))
    panel.seed_a.setValue(3)
    panel.seed_b.setValue(8)
    panel.steps_spin.setValue(4)
    qtbot.mouseClick(panel.interpolate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.view.array is not None and panel.run_button.isEnabled(), timeout=20000)
    assert panel.view.array.shape == (66 + 2, 4 * 66 + 2, 3)


def test_bad_input_stays_on_the_status_line(panel, qtbot, tiny_dcgan):
    panel.picker.set_path(str(tiny_dcgan))
    panel.seeds_edit.setText("9-1")
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert "runs backwards" in panel.status.text()
    assert not panel.runner.is_running("faces") and panel.view.array is None
    panel.seed_a.setValue(2)
    panel.seed_b.setValue(2)
    qtbot.mouseClick(panel.interpolate_button, Qt.MouseButton.LeftButton)
    assert "two different seeds" in panel.status.text()
    panel.images_edit.setText("")
    qtbot.mouseClick(panel.train_controls.run_button, Qt.MouseButton.LeftButton)
    assert "folder of images" in panel.train_controls.status.text()


def test_training_plots_losses_and_samples(panel, qtbot, face_images):
    panel.images_edit.setText(str(face_images))
    panel.name_edit.setText("gui-faces")
    panel.epochs_spin.setValue(1)
    panel.batch_spin.setValue(8)
    panel.width_spin.setValue(4)
    controls = panel.train_controls
    qtbot.mouseClick(controls.run_button, Qt.MouseButton.LeftButton)
    assert not controls.run_button.isEnabled() and controls.stop_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.runner.is_running("faces-train"), timeout=60000)
    assert len(panel.g_points) == len(panel.d_points) == 3  # 17 files, one broken, batches of 8
    x, y = panel.g_curve.getData()
    assert list(x) == [1, 2, 3] and np.isfinite(y).all()
    assert panel.samples_view.array is not None and not panel.samples_view.pixmap().isNull()
    assert "saved" in controls.status.text()
    assert panel.picker.path() == str(paths.models_dir() / "gui-faces")
    assert controls.run_button.isEnabled()


def test_stop_keeps_the_last_finished_epoch(panel, qtbot, face_images):
    import json

    panel.images_edit.setText(str(face_images))
    panel.name_edit.setText("stopped-faces")
    panel.epochs_spin.setValue(500)
    panel.batch_spin.setValue(4)
    panel.width_spin.setValue(4)
    controls = panel.train_controls
    qtbot.mouseClick(controls.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.samples_view.array is not None, timeout=60000)  # an epoch is saved
    qtbot.mouseClick(controls.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.runner.is_running("faces-train"), timeout=60000)
    model = paths.models_dir() / "stopped-faces"
    assert controls.status.text() == f"Training stopped; the last finished epoch is kept in {model}."
    assert 1 <= json.loads((model / "config.json").read_text())["epochs_trained"] < 500
    assert panel.picker.path() == str(model)
    assert dcgan.generate(model, [0], device="cpu").shape == (1, 64, 64, 3)
