"""The backend switch on every task page: chosen per model and remembered, "no export yet" at once with
Export… (a job with its progress bar), and the reason a backend cannot run on the page and in the status bar."""
from __future__ import annotations

import shutil
import traceback

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from gui import jobs
from gui.main_window import MainWindow
from gui.panel import TaskPanel
from gui.widgets.backend_choice import BackendChoice, is_backend_problem
from models.core import runtime, store
from workers.runner import JobSpec

pytestmark = pytest.mark.usefixtures("one_torch_thread")
WAIT_MS = 60000


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, app_ctx, tiny_text_classifier):
    """The main window over a data folder that knows two classifiers (clf, other)."""
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))   # before the engine starts
    for name in ("clf", "other"):
        store.import_folder(shutil.copytree(tiny_text_classifier, tmp_path / name), name=name)
    main = MainWindow(warm_up=False, ctx=app_ctx)
    qtbot.addWidget(main)
    main.show()
    with qtbot.waitSignal(app_ctx.models.changed, timeout=WAIT_MS):
        app_ctx.models.refresh()
    main.show_panel("classify")
    return main


def test_every_task_page_has_it_and_training_has_none(window):
    for name in ("classify", "generate", "translate", "faces", "transcribe"):
        window.show_panel(name)
        page = window.page(name)
        panels = page.findChildren(TaskPanel) or [page]
        for panel in panels:
            if panel.trains or panel.task == store.ENCODER:   # Train and Compress make models: PyTorch
                assert panel.backend is None
            else:
                assert isinstance(panel.backend, BackendChoice), (name, panel.name)
                assert [panel.backend.combo.itemText(i) for i in range(3)] == ["PyTorch", "ONNX fp32", "ONNX INT8"]
    classify = window.page("classify")
    assert sorted(p.name for p in classify.findChildren(TaskPanel) if p.backend is not None) == \
        ["classify-evaluate", "classify-file", "classify-predict"]


def test_chosen_per_model_no_export_said_at_once_then_exported(qtbot, window, tmp_path, monkeypatch):
    classify = window.page("classify")
    predict, settings = classify.predict, window.settings
    clf, other = str(tmp_path / "clf"), str(tmp_path / "other")
    predict.picker.set_path(clf)
    assert predict.backend.backend() == "torch" and not predict.backend.export_button.isVisible()
    assert window.backend_label.text() == "Backend: PyTorch · clf"

    predict.backend.combo.setCurrentIndex(predict.backend.combo.findData("onnx-int8"))
    message = "clf has no ONNX INT8 export yet: Export… makes it, or choose PyTorch."
    assert predict.backend.note.text() == message and predict.backend.problem
    assert predict.backend.export_button.isVisible()
    assert window.backend_label.text() == f"Backend: {message}"
    assert settings.backend_for(clf) == "onnx-int8" and settings.backend_for(other) == "torch"

    predict.picker.set_path(other)                     # each model keeps its own choice
    assert predict.backend.backend() == "torch" and window.backend_label.text() == "Backend: PyTorch · other"
    predict.picker.set_path(clf)
    assert predict.backend.backend() == "onnx-int8"
    classify.tabs.setCurrentWidget(classify.file)      # the other tabs show the same model's choice
    assert classify.file.backend.backend() == "onnx-int8" and window.backend_label.text() == f"Backend: {message}"
    classify.tabs.setCurrentWidget(predict)

    # running anyway: the engine says why, on the page and in the status bar; nothing ran on torch
    predict.text.setPlainText("the film was good")
    qtbot.mouseClick(predict.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.runner.is_running(predict.job_key()), timeout=WAIT_MS)
    engine_says = "clf has no ONNX INT8 export yet: export it on the Models page, or choose PyTorch."
    assert predict.status.text() == engine_says and predict.result_label.text() == ""
    assert predict.backend.note.text() == engine_says and window.backend_label.text() == f"Backend: {engine_says}"

    # Export…: a job with its own progress bar; when it ends the page knows the export is there
    monkeypatch.setattr(jobs, "EXPORT_ONNX", JobSpec("tests.gui.backend_jobs:fake_export", jobs.MODEL))
    with qtbot.waitSignal(window.ctx.models.changed, timeout=WAIT_MS):
        qtbot.mouseClick(predict.backend.export_button, Qt.MouseButton.LeftButton)
        assert not predict.backend.export_button.isEnabled()
    qtbot.waitUntil(lambda: not predict.backend.problem, timeout=WAIT_MS)
    controls = predict.backend.export_controls
    assert controls.isVisible() and controls.progress_bar.value() == controls.progress_bar.maximum()
    assert controls.status.text().startswith("Exported. ONNX fp32: agreement 100.0%")
    state = ("ONNX INT8 · vs PyTorch: agreement 97.6%, max |Δp| 0.04 · built-in sentences only, not checked on your "
             "data")
    assert predict.backend.note.text() == state and window.backend_label.text() == f"Backend: {state}"
    assert not predict.backend.export_button.isVisible()


def test_int8_that_cuda_would_run_on_the_cpu_offers_fp32_in_one_click(qtbot, window, tmp_path):
    """An export checked on CUDA whose INT8 operators would run on the CPU there (the record
    ``exports.export_model`` writes, see tests/core/test_ort_placement.py): on a GPU device, INT8 is a problem
    and ONNX fp32 is one click away; on the CPU, INT8 is what it always was."""
    from tests.gui.backend_jobs import fake_export

    clf = str(tmp_path / "clf")
    note = "4 of 4 INT8 operators would run on the CPU, not the GPU (DynamicQuantizeLinear, MatMulInteger): ..."
    fake_export(clf, progress=lambda _event: None)
    store.write_manifest(clf, placement={"device": "cuda", "int8_on_cpu": {"model_int8.onnx": note}})
    with qtbot.waitSignal(window.ctx.models.changed, timeout=WAIT_MS):
        window.ctx.models.refresh()
    predict = window.page("classify").predict
    predict.picker.set_path(clf)
    device = {action.text(): action for action in window.findChildren(QAction)}
    device["GPU (CUDA)"].trigger()   # the Settings menu
    predict.backend.set_backend("onnx-int8")
    assert predict.backend.problem and predict.backend.note.text() == f"ONNX INT8 · on this GPU: {note}"
    assert window.backend_label.text() == f"Backend: ONNX INT8 · on this GPU: {note}"
    assert predict.backend.fp32_button.isVisible()

    qtbot.mouseClick(predict.backend.fp32_button, Qt.MouseButton.LeftButton)
    assert predict.backend.backend() == "onnx-fp32" and window.settings.backend_for(clf) == "onnx-fp32"
    assert not predict.backend.problem and not predict.backend.fp32_button.isVisible()
    assert predict.backend.note.text().startswith("ONNX fp32 · vs PyTorch: agreement 100.0%")

    predict.backend.set_backend("onnx-int8")
    device["CPU"].trigger()   # INT8 runs on the CPU anyway
    assert not predict.backend.problem and not predict.backend.fp32_button.isVisible()
    assert predict.backend.note.text().startswith("ONNX INT8 · vs PyTorch: agreement 97.6%")


def test_a_full_gpu_is_shown_as_the_backend_s_state(qtbot, window, tmp_path, monkeypatch):
    predict = window.page("classify").predict
    predict.picker.set_path(str(tmp_path / "clf"))
    monkeypatch.setattr(jobs, "CLASSIFY_TEXTS", JobSpec("tests.gui.backend_jobs:full_gpu", jobs.MODEL))
    predict.text.setPlainText("the film was good")
    qtbot.mouseClick(predict.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.runner.is_running(predict.job_key()), timeout=WAIT_MS)
    message = "The GPU is out of memory: close other GPU programs, use a smaller batch, or choose the CPU device."
    assert predict.status.text() == message
    assert predict.backend.problem and window.backend_label.text() == f"Backend: {message}"


def test_only_backend_errors_count_as_the_backend_s_state():
    def details(exc: BaseException) -> str:
        try:
            raise exc
        except BaseException as caught:
            return "".join(traceback.format_exception(caught))

    assert is_backend_problem(details(runtime.no_export("m", "onnx-int8")))
    assert not is_backend_problem(details(runtime.ModelDeskError("reviews.csv has no text column")))
    assert not is_backend_problem(details(ValueError("BackendUnavailable: a message that only mentions it")))
    assert not is_backend_problem("")
