"""Every job the GUI starts is registered, binds to its target's signature, and receives the
runtime options (device, backend, pickle consent) the settings hold: the backend is the one chosen
for the job's model.

The pages are driven as a user would (filling fields, clicking), with an engine that records
what it is sent instead of running it: what is checked is exactly what each job receives.
"""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from gui import jobs
from gui.context import AppContext
from gui.installed import InstalledModels
from gui.main_window import MainWindow
from gui.settings import Key
from models.core.engine import resolve_target
from models.core.hfcache import CachedModel
from models.core.store import ModelInfo
from models.transcribe.audio import InputDevice
from workers.engine import EngineClient
from workers.runner import JobRunner

SETTINGS = {Key.DEVICE: "cpu", Key.ALLOW_PICKLE: True}


class RecordingEngine(EngineClient):
    """Keeps every "run" message instead of starting a process."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, dict]] = []

    def send(self, *message) -> None:
        if message[0] == "run":
            self.sent.append((message[2], message[3]))

    def shutdown(self, seconds: float) -> bool:
        return True


@pytest.fixture
def recorded(qtbot, ini_settings, tmp_path, monkeypatch):
    for key, value in SETTINGS.items():
        ini_settings.set(key, value)
    engine = RecordingEngine()
    runner = JobRunner(engine=engine, options=ini_settings.runtime_options)
    ctx = AppContext(runner, ini_settings, InstalledModels(runner))
    model = tmp_path / "model"
    model.mkdir()
    # one installed model per task, so that every picker has a choice
    ctx.models._on_list([ModelInfo(f"m-{task}", model, task) for task in
                         ("classify", "generate", "translate", "faces", "transcribe")])
    window = MainWindow(warm_up=True, ctx=ctx)
    qtbot.addWidget(window)
    window.show()
    window.page("classify").predict.backend.set_backend("onnx-int8")   # chosen for the one model folder
    yield window, engine
    runner.shutdown(0)


def finish_all(runner: JobRunner) -> None:
    """End every recorded job (as if the engine answered), so the next click can start one."""
    for job in list(runner._by_id.values()):
        runner._on_message(("stopped", job.id, None))


def drive_every_page(qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data.csv"
    data.write_text("text,label\na,x\nb,y\n", encoding="utf-8")
    runner = window.runner
    classify = window.page("classify")
    classify.predict.text.setPlainText("some text")
    qtbot.mouseClick(classify.predict.run_button, Qt.MouseButton.LeftButton)
    classify.file.set_input(str(data))
    qtbot.mouseClick(classify.file.run_button, Qt.MouseButton.LeftButton)
    classify.train.train_file.set_path(str(data))
    classify.train.name_edit.setText("new")
    qtbot.mouseClick(classify.train.run_button, Qt.MouseButton.LeftButton)
    classify.evaluate.data_file.set_path(str(data))
    qtbot.mouseClick(classify.evaluate.run_button, Qt.MouseButton.LeftButton)
    classify.compress.train_file.set_path(str(data))
    classify.compress.test_file.set_path(str(data))
    classify.compress.name_edit.setText("small")
    qtbot.mouseClick(classify.compress.run_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(classify.compress.measure_controls.run_button, Qt.MouseButton.LeftButton)
    finish_all(runner)

    window.show_panel("generate")
    generate = window.page("generate")
    generate.prompt.setPlainText("once")
    qtbot.mouseClick(generate.run_button, Qt.MouseButton.LeftButton)
    generate.save_conversation(str(tmp_path / "talk.json"))
    finish_all(runner)
    generate.open_conversation(str(tmp_path / "talk.json"))
    finish_all(runner)

    window.show_panel("translate")
    translate = window.page("translate")
    translate.load_file(str(data))
    translate.input.setPlainText("hello")
    qtbot.mouseClick(translate.run_button, Qt.MouseButton.LeftButton)
    translate.save_translation(str(tmp_path / "out.txt"))
    translate.translate_document(str(tmp_path / "in.srt"), str(tmp_path / "out.srt"))
    finish_all(runner)

    window.show_panel("faces")
    faces = window.page("faces")
    qtbot.mouseClick(faces.run_button, Qt.MouseButton.LeftButton)
    finish_all(runner)
    faces.make_path()
    faces.images_edit.setText(str(tmp_path))
    qtbot.mouseClick(faces.train_controls.run_button, Qt.MouseButton.LeftButton)
    finish_all(runner)
    (tmp_path / "netG.pt").write_bytes(b"recorded, never read")   # pickles are allowed here: no question
    faces.import_box.file_edit.setText(str(tmp_path / "netG.pt"))
    qtbot.mouseClick(faces.import_box.controls.run_button, Qt.MouseButton.LeftButton)
    finish_all(runner)

    window.show_panel("transcribe")
    transcribe = window.page("transcribe")
    transcribe.transcribe_files([str(tmp_path / "speech.wav")])
    finish_all(runner)
    transcribe.play(str(tmp_path / "speech.wav"), 1.0, 2.5)
    finish_all(runner)
    transcribe._show_devices([InputDevice(index=3, name="Virtual mic", channels=1, default_rate=48000.0,
                                          hostapi="ALSA")])
    qtbot.mouseClick(transcribe.run_button, Qt.MouseButton.LeftButton)
    finish_all(runner)

    window.show_panel("dashboard")
    dashboard = window.page("dashboard")
    dashboard.load_run("some-run")
    finish_all(runner)

    window.show_panel("models")
    manager = window.page("models")
    monkeypatch.setattr("gui.model_manager.QFileDialog.getExistingDirectory", lambda *a, **k: str(tmp_path))
    qtbot.mouseClick(manager.import_button, Qt.MouseButton.LeftButton)
    finish_all(runner)
    monkeypatch.setattr("gui.model_manager.QInputDialog.getText", lambda *a, **k: ("owner/model", True))
    qtbot.mouseClick(manager.download_button, Qt.MouseButton.LeftButton)
    finish_all(runner)
    assert manager.select("m-classify")
    qtbot.mouseClick(manager.convert_button, Qt.MouseButton.LeftButton)
    finish_all(runner)
    monkeypatch.setattr("gui.model_manager.QMessageBox.question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(manager.remove_button, Qt.MouseButton.LeftButton)
    finish_all(runner)
    assert manager.catalogue.select("smollm2-135m")
    qtbot.mouseClick(manager.catalogue.download_button, Qt.MouseButton.LeftButton)
    finish_all(runner)
    manager.tabs.setCurrentWidget(manager.cache_view)
    finish_all(runner)
    manager.cache_view.show_cached([CachedModel("org/cached", 10, 1, 1, tmp_path, tmp_path)])
    assert manager.cache_view.select("org/cached")
    qtbot.mouseClick(manager.cache_view.delete_button, Qt.MouseButton.LeftButton)
    finish_all(runner)


def test_every_page_job_binds_to_its_target_and_gets_the_runtime_options(qtbot, recorded, tmp_path, monkeypatch):
    window, engine = recorded
    drive_every_page(qtbot, window, tmp_path, monkeypatch)
    by_target = {spec.target: spec for spec in jobs.REGISTRY.values()}
    started = set()
    for target, kwargs in engine.sent:
        assert target in by_target, f"{target} is not in the job registry"
        spec = by_target[target]
        started.add(target)
        fn = resolve_target(target)
        inspect.signature(fn).bind(**kwargs)      # raises if a page passes what the target does not take
        chosen = "onnx-int8" if kwargs.get("model") == str(tmp_path / "model") else "torch"
        for option in spec.options:
            assert kwargs[option] == {"device": "cpu", "backend": chosen, "allow_pickle": True}[option], \
                (target, option, kwargs)
        if spec.options == jobs.MODEL:
            assert set(jobs.MODEL) <= set(kwargs)
    missing = set(by_target) - started
    assert not missing, f"registered jobs no page started in this test: {sorted(missing)}"


def test_every_registered_target_takes_its_runtime_options():
    for name, spec in jobs.REGISTRY.items():
        signature = inspect.signature(resolve_target(spec.target))
        signature.bind_partial(**{option: None for option in spec.options})   # raises if one is not taken
