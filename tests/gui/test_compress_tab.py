"""Compress from the Classify page's Compress tab, and read the trade-off view the dashboard plots."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from models.classify.report import tradeoff_key
from models.core import runs
from tests.fixtures.training_data import make_rows

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def page(classify_with_dashboard):
    return classify_with_dashboard


def fill(tab, teacher, train, held_out, name, epochs):
    tab.picker.set_path(str(teacher))
    tab.train_file.set_path(str(train))
    tab.test_file.set_path(str(held_out))
    tab.name_edit.setText(name)
    tab.layers.setValue(2)
    tab.epochs.setValue(epochs)
    tab.lr.setValue(1e-3)
    tab.batch_size.setValue(8)
    tab.patience.setValue(0)
    tab.export.setChecked(False)


def wait_idle(qtbot, tab, key, timeout=120_000):
    qtbot.waitUntil(lambda: not tab.runner.is_running(key), timeout=timeout)


def test_a_small_distillation_lands_on_the_tradeoff_plot(qtbot, page, tiny_teacher, topics_csv, labelled_file,
                                                          train_home):
    classify, dashboard = page
    tab = classify.compress
    assert classify.tabs.tabText(classify.tabs.indexOf(tab)) == "Compress"
    fill(tab, tiny_teacher, topics_csv, labelled_file("held-out.csv", make_rows(4, seed=9)), "gui-student", 2)
    qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, tab, tab.job_key())
    assert tab.status.text().startswith("Saved 'gui-student': macro-F1 "), tab.status.text()
    # live curves, like training
    assert sum(len(points) for points in dashboard.step_loss.values()) == 2 * 5
    assert [x for x, _ in dashboard.epoch_metrics["val_f1_macro"]] == [1.0, 2.0]
    assert "Student: 2 of the teacher's 4 layers" in tab.output.toPlainText()
    # the trade-off view: the teacher and the student, measured on the held-out file in the same run
    [run] = runs.list_runs()
    recorded = run.tradeoff()
    assert [(p["role"], p["backend"]) for p in recorded] == [("teacher", "torch"), ("student", "torch")]
    assert list(dashboard.tradeoff.values()) == recorded
    student = recorded[1]
    assert (student["latency_ms"], student["f1_macro"]) in dashboard.plots.plotted_tradeoff()
    assert len(dashboard.plots.plotted_tradeoff()) == 2
    assert "student gui-student" in tab.output.toPlainText()
    # a variant comes off the plot and back, and is removed
    items = {dashboard.plots.variant_list.item(i).data(Qt.ItemDataRole.UserRole): dashboard.plots.variant_list.item(i)
             for i in range(dashboard.plots.variant_list.count())}
    items[tradeoff_key(student)].setCheckState(Qt.CheckState.Unchecked)
    assert dashboard.plots.plotted_tradeoff() == [(recorded[0]["latency_ms"], recorded[0]["f1_macro"])]
    dashboard.plots.variant_list.item(1).setCheckState(Qt.CheckState.Checked)
    assert len(dashboard.plots.plotted_tradeoff()) == 2
    dashboard.plots.variant_list.item(0).setSelected(True)
    qtbot.mouseClick(dashboard.plots.remove_variants_button, Qt.MouseButton.LeftButton)
    assert list(dashboard.tradeoff) == [tradeoff_key(student)]
    assert dashboard.plots.variant_list.count() == 1
    # Measure adds the chosen classifier alone, on the same held-out file
    tab.picker.set_path(str(train_home / "models" / "gui-student"))
    qtbot.mouseClick(tab.measure_controls.run_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, tab, tab.measure_controls.key)
    assert tab.measure_controls.status.text().startswith("Measured: torch macro-F1"), tab.measure_controls.status.text()
    [point] = dashboard.tradeoff.values()   # the newer measurement of the same variant replaced the older
    assert point["role"] == "model" and point["f1_macro"] == pytest.approx(student["f1_macro"])


def test_stop_keeps_the_best_checkpoint_and_measures_nothing(qtbot, page, tiny_teacher, topics_csv, labelled_file):
    classify, dashboard = page
    tab = classify.compress
    fill(tab, tiny_teacher, topics_csv, labelled_file("held-out.csv", make_rows(4, seed=9)), "gui-stopped", 500)
    qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dashboard.evaluation is not None or not tab.runner.is_running(tab.job_key()),
                    timeout=60_000)   # epoch 1 saved
    assert dashboard.evaluation is not None, tab.status.text()
    qtbot.mouseClick(tab.stop_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, tab, tab.job_key(), timeout=60_000)
    assert tab.status.text().startswith("Stopped: the best checkpoint so far (epoch "), tab.status.text()
    assert tab.status.text().endswith("is kept as 'gui-stopped'; nothing was measured.")
    assert dashboard.tradeoff == {}
    [run] = runs.list_runs()
    assert run.status == "stopped" and run.tradeoff() == []


def test_bad_input_shows_one_sentence(qtbot, page, tiny_teacher, topics_csv):
    classify, _ = page
    tab = classify.compress
    tab.picker.set_path(str(tiny_teacher))
    tab.train_file.set_path(str(topics_csv))
    qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    assert tab.status.text() == "Choose a held-out evaluation file to measure the models on."
    qtbot.mouseClick(tab.measure_controls.run_button, Qt.MouseButton.LeftButton)
    assert tab.measure_controls.status.text() == "Choose the evaluation file to measure the model on."
    tab.test_file.set_path(str(topics_csv))
    tab.name_edit.setText("too-deep")
    tab.layers.setValue(4)
    qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, tab, tab.job_key())
    assert tab.status.text() == "A student needs between 1 and 3 layers: the teacher has 4."
