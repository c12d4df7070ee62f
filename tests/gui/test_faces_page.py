"""The Faces page: live rendering (latest wins), picking and saving faces, a path played and exported,
training with previews, the Dashboard run, Stop and Resume, and bad input on the status lines."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from gui import jobs
from gui.dashboard import Dashboard
from gui.panels.faces import FacesPanel
from models.core import paths
from models.faces import generation, images, latents

WAIT_MS = 60000
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def panel(qtbot, tmp_path, monkeypatch, app_ctx):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    page = FacesPanel(app_ctx)
    qtbot.addWidget(page)
    return page


def landed(panel: FacesPanel, monkeypatch) -> list:
    """Every grid that reaches the view, as (images, columns)."""
    shown: list = []
    real = panel._show_grid

    def spy(grid, cols):
        shown.append((np.asarray(grid), cols))
        real(grid, cols)

    monkeypatch.setattr(panel, "_show_grid", spy)
    return shown


def test_controls_render_live_and_a_clicked_face_or_the_grid_saves(panel, qtbot, tiny_dcgan, tmp_path, monkeypatch):
    from PIL import Image

    shown = landed(panel, monkeypatch)
    panel.rows_spin.setValue(2)
    panel.cols_spin.setValue(3)
    panel.picker.set_path(str(tiny_dcgan))   # choosing a model renders at once
    qtbot.waitUntil(lambda: len(shown) == 1 and not panel.runner.is_running("faces"), timeout=WAIT_MS)
    panel.seed_spin.setValue(5)
    panel.blend_slider.setValue(50)
    qtbot.waitUntil(lambda: not panel.runner.is_running("faces") and panel.seed() == 5.5
                    and len(shown) >= 2 and shown[-1][0].shape[0] == 6, timeout=WAIT_MS)
    expected = generation.generate(tiny_dcgan, [5.5, 6.5, 7.5, 8.5, 9.5, 10.5], device="cpu")
    np.testing.assert_array_equal(panel.view.images, expected)
    np.testing.assert_array_equal(panel.view.array, images.make_grid(expected, cols=3))
    assert "6 faces, seeds from 5.5" in panel.status.text()

    # a click on the fifth face (second row, second column), then Save image… and Save grid…
    offset_x = (panel.view.width() - panel.view.array.shape[1]) // 2
    offset_y = (panel.view.height() - panel.view.array.shape[0]) // 2
    qtbot.mouseClick(panel.view, Qt.MouseButton.LeftButton, pos=QPoint(offset_x + 2 + 66 + 30, offset_y + 2 + 66 + 30))
    assert panel.view.selected == 4
    target = tmp_path / "out" / "one"
    monkeypatch.setattr("gui.panels.faces.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), "PNG"))
    qtbot.mouseClick(panel.save_image_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(np.asarray(Image.open(target.with_suffix(".png"))), expected[4])
    qtbot.mouseClick(panel.save_grid_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(np.asarray(Image.open(target.with_suffix(".png"))), panel.view.array)
    assert "Saved" in panel.status.text()


def test_dragging_psi_during_a_slow_render_lands_only_the_last_value(panel, qtbot, tiny_dcgan, monkeypatch):
    monkeypatch.setattr(jobs, "FACES_GENERATE", jobs.JobSpec("tests.gui.slow_jobs:slow_faces", jobs.MODEL))
    shown = landed(panel, monkeypatch)
    panel.rows_spin.setValue(1)
    panel.cols_spin.setValue(2)
    panel.picker.set_path(str(tiny_dcgan))       # a slow render starts
    assert panel.runner.is_running("faces")
    slider = panel.psi_slider
    slider.setSliderDown(True)                   # the user holds the handle and drags it through 20 values
    for value in range(95, 35, -3):
        slider.setSliderPosition(value)
    slider.setSliderDown(False)
    assert slider.value() == 38
    qtbot.waitUntil(lambda: not panel.runner.is_running("faces") and bool(shown), timeout=WAIT_MS)
    # nothing runs or waits for the key any more, so no later grid can land
    assert not panel.runner.is_running("faces") and not panel.runner.is_waiting("faces")
    renders = (paths.home() / "renders.txt").read_text().split()
    assert len(renders) <= 2 and float(renders[-1]) == pytest.approx(0.38)
    assert len(shown) == 1
    np.testing.assert_array_equal(shown[0][0], generation.generate(tiny_dcgan, [0, 1], psi=0.38, device="cpu"))


def test_a_path_plays_and_exports_as_gif_and_frames(panel, qtbot, tiny_dcgan, tmp_path, monkeypatch):
    from PIL import Image

    panel.picker.set_path(str(tiny_dcgan))
    panel.psi_slider.setValue(100)
    panel.path_edit.setText("3,7,12")
    panel.frames_spin.setValue(9)
    qtbot.mouseClick(panel.path_controls.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.player.frames is not None, timeout=WAIT_MS)
    ends = generation.generate(tiny_dcgan, [3, 12], device="cpu")
    np.testing.assert_array_equal(panel.player.view.array, ends[0])
    panel.player.slider.setValue(8)
    np.testing.assert_array_equal(panel.player.view.array, ends[1])
    assert panel.player.position.text() == "9/9"
    qtbot.mouseClick(panel.player.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.player.current() == 2, timeout=5000)   # looped round and on
    qtbot.mouseClick(panel.player.play_button, Qt.MouseButton.LeftButton)
    assert panel.player.play_button.text() == "Play" and not panel.player.timer.isActive()

    gif = tmp_path / "path"
    monkeypatch.setattr("gui.panels.faces.QFileDialog.getSaveFileName", lambda *a, **k: (str(gif), "GIF"))
    qtbot.mouseClick(panel.gif_button, Qt.MouseButton.LeftButton)
    with Image.open(gif.with_suffix(".gif")) as picture:
        assert picture.n_frames == 9
    monkeypatch.setattr("gui.panels.faces.QFileDialog.getExistingDirectory", lambda *a, **k: str(tmp_path / "pngs"))
    qtbot.mouseClick(panel.frames_button, Qt.MouseButton.LeftButton)
    assert len(list((tmp_path / "pngs").glob("frame_*.png"))) == 9
    assert "Saved 9 PNG frames" in panel.path_controls.status.text()


def test_bad_input_stays_on_the_status_lines(panel, qtbot, tiny_dcgan, tmp_path, monkeypatch):
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert "Choose a model first" in panel.status.text()
    panel.picker.set_path(str(tiny_dcgan))
    panel.path_edit.setText("3")
    qtbot.mouseClick(panel.path_controls.run_button, Qt.MouseButton.LeftButton)
    assert "at least 2 seeds" in panel.path_controls.status.text()
    panel.path_edit.setText("3-1")
    qtbot.mouseClick(panel.path_controls.run_button, Qt.MouseButton.LeftButton)
    assert "runs backwards" in panel.path_controls.status.text() and not panel.runner.is_running("faces-path")
    panel.images_edit.setText("")
    qtbot.mouseClick(panel.train_controls.run_button, Qt.MouseButton.LeftButton)
    assert "folder of images" in panel.train_controls.status.text()
    monkeypatch.setattr("gui.panels.faces.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "missing" / "x.png"), "PNG"))
    qtbot.waitUntil(lambda: panel.view.array is not None and not panel.runner.is_running("faces"), timeout=WAIT_MS)
    (tmp_path / "missing").write_text("a file where a folder should be")
    qtbot.mouseClick(panel.save_grid_button, Qt.MouseButton.LeftButton)
    assert panel.status.text().startswith("Could not save")


def test_training_previews_feeds_the_dashboard_stops_truthfully_and_resumes(panel, qtbot, face_images, app_ctx):
    dashboard = Dashboard(app_ctx)
    qtbot.addWidget(dashboard)
    panel.attach_dashboard(dashboard)
    panel.images_edit.setText(str(face_images))
    panel.name_edit.setText("gui-faces")
    panel.size_combo.setCurrentIndex(panel.size_combo.findData(32))
    panel.epochs_spin.setValue(1)
    panel.batch_spin.setValue(8)
    panel.width_spin.setValue(4)
    panel.preview_spin.setValue(1)
    controls = panel.train_controls
    qtbot.mouseClick(controls.run_button, Qt.MouseButton.LeftButton)
    assert not controls.run_button.isEnabled() and not panel.resume_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.runner.is_running("faces-train"), timeout=WAIT_MS)
    model = paths.models_dir() / "gui-faces"
    assert controls.status.text() == f"Trained to epoch 1; epoch 1, the best by KID, is the model in {model}."
    assert panel.samples_view.array is not None and panel.picker.path() == str(model)
    assert [len(dashboard.step_loss[name]) for name in ("g_loss", "d_loss")] == [3, 3]  # 16 readable, batches of 8
    assert [name for name in dashboard.epoch_metrics if not name.startswith("swd_")] == [
        "g_loss", "d_loss", "kid", "kid_std", "swd", "variety", "nearest"]
    watch = dashboard.faces_watch   # generated faces beside their nearest training images, with the verdict
    assert not watch.isHidden() and watch.pairs.array is not None and watch.pairs.array.shape[1] == 8 * 34 + 2
    assert watch.caption.text().startswith("Epoch 1: each generated face beside its nearest training image")
    assert dashboard.title_label.text().startswith("gui-faces · train-faces: done")

    # Resume for 3 epochs in all, then Stop before the first new epoch ends: the folder keeps epoch 1
    panel.batch_spin.setValue(1)
    panel.epochs_spin.setValue(3)
    started: list = []
    panel.runner.busy_changed.connect(lambda key, running: started.append(running) if key == "faces-train" else None)
    qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controls.progress_bar.maximum() == 1000 and controls.progress_bar.value() > 0,
                    timeout=WAIT_MS)
    qtbot.mouseClick(controls.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.runner.is_running("faces-train"), timeout=WAIT_MS)
    assert controls.status.text() == (f"Training stopped before a new epoch ended; {model} still holds epoch 1, "
                                      "as before.")
    assert json.loads((model / "config.json").read_text())["epochs_trained"] == 1
    assert dashboard.title_label.text().startswith("gui-faces · train-faces: stopped")
    qtbot.waitUntil(lambda: panel.view.array is not None and not panel.runner.is_running("faces"),
                    timeout=WAIT_MS)  # the trained model, offered to the explorer, rendered


def test_stop_of_a_new_model_before_its_first_epoch_says_nothing_was_saved(panel, qtbot, face_images):
    panel.images_edit.setText(str(face_images))
    panel.name_edit.setText("never")
    panel.size_combo.setCurrentIndex(panel.size_combo.findData(32))
    panel.batch_spin.setValue(1)
    panel.width_spin.setValue(4)
    controls = panel.train_controls
    qtbot.mouseClick(controls.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controls.progress_bar.maximum() == 1000 and controls.progress_bar.value() > 0,
                    timeout=WAIT_MS)
    qtbot.mouseClick(controls.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.runner.is_running("faces-train"), timeout=WAIT_MS)
    assert controls.status.text() == "Training stopped before the first epoch ended: nothing was saved."
    assert not (paths.models_dir() / "never").exists()


def test_past_gan_runs_reload_and_overlay_their_losses_and_swd(panel, qtbot, face_images, app_ctx):
    from models.faces.training import train_faces

    tiny = dict(image_size=32, nz=8, ngf=4, ndf=4, batch_size=8, device="cpu")
    first = train_faces(face_images, "gan-a", epochs=1, **tiny)
    second = train_faces(face_images, "gan-b", epochs=2, **tiny)
    dashboard = Dashboard(app_ctx)   # a fresh start reads the runs from disk
    qtbot.addWidget(dashboard)
    dashboard.show()
    qtbot.waitUntil(lambda: dashboard.run_list.count() == 2, timeout=WAIT_MS)
    ids = [dashboard.run_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dashboard.run_list.count())]
    assert sorted(ids) == sorted([first["run_id"], second["run_id"]])
    item = dashboard.run_list.item(ids.index(second["run_id"]))
    qtbot.mouseClick(dashboard.run_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=dashboard.run_list.visualItemRect(item).center())
    qtbot.waitUntil(lambda: len(dashboard.epoch_metrics.get("swd", [])) == 2, timeout=WAIT_MS)
    assert len(dashboard.step_loss["g_loss"]) == 2 * 3   # 16 readable images in batches of 8, two epochs
    qtbot.waitUntil(lambda: dashboard.plots is not None, timeout=WAIT_MS)   # pyqtgraph loads on a thread
    qtbot.waitUntil(lambda: dashboard.plots.quality_plot.isVisibleTo(dashboard), timeout=WAIT_MS)  # drawn next
    for run_id in ids:
        dashboard.run_list.item(ids.index(run_id)).setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: len(dashboard.overlays) == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not dashboard.runner.is_running(f"dashboard-overlay-{ids[-1]}"), timeout=WAIT_MS)
    drawn = {item.name() for plot in (dashboard.plots.loss_plot, dashboard.plots.quality_plot)
             for item in plot.listDataItems()}
    for run_id in ids:
        assert {f"{run_id}: g_loss", f"{run_id}: d_loss", f"{run_id}: swd", f"{run_id}: kid"} <= drawn, drawn


def test_the_train_tab_and_train_faces_start_from_the_same_defaults(panel, monkeypatch):
    """What Train sends, with the tab untouched, equals what ``train-faces`` passes with no options."""
    import inspect

    from main import build_parser
    from models.faces.training import train_faces

    sent: dict = {}
    monkeypatch.setattr(panel.train_controls, "start", lambda spec, **kwargs: sent.update(kwargs) or None)
    monkeypatch.setattr(panel, "_follow_training", lambda job, name: None)
    panel.images_edit.setText("/some/folder")
    panel.size_combo.setCurrentIndex(panel.size_combo.findData(64))
    panel.train()
    args = vars(build_parser().parse_args(["train-faces", "--images", "x", "--out", "y"]))
    cli = {"epochs": args["epochs"], "batch_size": args["batch_size"], "image_size": args["image_size"],
           "ngf": args["ngf"], "ndf": args["ndf"], "preview_every": args["preview_every"],
           "spectral_norm": args["spectral_norm"], "minibatch_std": args["minibatch_std"],
           "stop_on_collapse": args["stop_on_collapse"]}
    assert {key: sent[key] for key in cli} == cli
    # what neither passes explicitly is train_faces's own default, which the CLI's options also carry
    signature = inspect.signature(train_faces).parameters
    for option, parameter in (("lr", "lr"), ("lr_d", "lr_d"), ("r1", "r1_gamma"), ("augment", "augmentation"),
                              ("label_smoothing", "label_smoothing")):
        assert args[option] == signature[parameter].default, option


def test_a_tutorial_checkpoint_imports_from_the_import_tab_with_consent(panel, qtbot, tmp_path, monkeypatch):
    """The Import tab asks before reading a pickle, shows progress, offers the new model on the page, and
    puts a refused file's reason on its status line."""
    import torch
    from PySide6.QtWidgets import QMessageBox

    from gui.settings import Key
    from tests.fixtures.faces_models import tutorial_generator

    net = tutorial_generator(16, 4)
    checkpoint = tmp_path / "netG.pt"
    torch.save({"netG_state_dict": net.state_dict(), "epoch": 3}, checkpoint)
    box = panel.import_box
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Yes]
    asked: list = []

    def question(_parent, _title, text, *rest):
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr("gui.panels.faces_import.QMessageBox.question", question)
    qtbot.mouseClick(box.controls.run_button, Qt.MouseButton.LeftButton)
    assert "Choose a checkpoint" in box.controls.status.text()
    box.file_edit.setText(str(checkpoint))
    box.name_edit.setText("from-tutorial")
    qtbot.mouseClick(box.controls.run_button, Qt.MouseButton.LeftButton)      # consent refused: nothing read
    assert "Not imported" in box.controls.status.text() and not box.runner.is_running(box.key)
    assert not (paths.models_dir() / "from-tutorial").exists()
    qtbot.mouseClick(box.controls.run_button, Qt.MouseButton.LeftButton)      # consent given
    assert len(asked) == 2 and "weights_only=True" in asked[1]
    seen: list = []
    box.controls.job.progress.connect(lambda event: seen.append(event.message))
    qtbot.waitUntil(lambda: not box.runner.is_running(box.key) and "Imported" in box.controls.status.text(),
                    timeout=WAIT_MS)
    assert any(m.startswith("Reading netG.pt") for m in seen) and box.controls.progress_bar.value() == 1
    folder = paths.models_dir() / "from-tutorial"
    assert panel.picker.path() == str(folder) and not panel.settings.get(Key.ALLOW_PICKLE)
    z = torch.from_numpy(latents.seed_latents(range(4), 16))
    with torch.no_grad():
        expected = generation.to_uint8(net.eval()(z.view(4, 16, 1, 1)).numpy())
    assert np.abs(generation.generate(folder, range(4), device="cpu").astype(int) - expected).max() <= 1

    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    box.file_edit.setText(str(tmp_path / "junk.pt"))
    box.name_edit.setText("")
    qtbot.mouseClick(box.controls.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.runner.is_running(box.key) and "could not be read" in box.controls.status.text(),
                    timeout=WAIT_MS)
    assert "Traceback" not in box.controls.status.text() and not (paths.models_dir() / "junk").exists()
