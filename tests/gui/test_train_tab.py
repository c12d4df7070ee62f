"""Train and evaluate through the Classify page's tabs and read what the dashboard plots."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from gui.dashboard import Dashboard
from models.classify import report
from models.classify.training import train_classifier
from models.core import runs, store
from tests.fixtures.training_data import make_rows

pytestmark = pytest.mark.usefixtures("one_torch_thread")
LABELS = ["cooking", "sports", "weather"]


@pytest.fixture
def page(classify_with_dashboard):
    return classify_with_dashboard


def fill_training(tab, encoder, data, name, epochs=2):
    tab.picker.set_path(str(encoder))
    tab.train_file.set_path(str(data))
    tab.name_edit.setText(name)
    tab.epochs.setValue(epochs)
    tab.lr.setValue(0.01)
    tab.batch_size.setValue(8)
    tab.patience.setValue(0)


def run_and_wait(qtbot, tab, timeout=120_000):
    qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.runner.is_running(tab.job_key()) and tab.run_button.isEnabled(),
                    timeout=timeout)


def test_the_page_has_train_and_evaluate_tabs(page):
    classify, _ = page
    labels = [classify.tabs.tabText(i) for i in range(classify.tabs.count())]
    assert "Train" in labels and "Evaluate" in labels
    assert classify.train.dashboard is classify.dashboard is classify.evaluate.dashboard


def test_training_through_the_gui_fills_the_dashboard(qtbot, page, train_encoder, topics_csv, train_home):
    classify, dashboard = page
    tab = classify.train
    fill_training(tab, train_encoder, topics_csv, "gui-model")
    run_and_wait(qtbot, tab)
    assert "Saved 'gui-model'" in tab.status.text(), tab.status.text()
    # the data behind the plots
    assert sum(len(points) for points in dashboard.step_loss.values()) == 2 * 5
    assert [x for x, _ in dashboard.epoch_metrics["val_f1_macro"]] == [1.0, 2.0]
    assert set(dashboard.roc_curves) == set(LABELS) == set(dashboard.pr_curves)
    assert dashboard.confusion.sum() == dashboard.evaluation["n"] == 10  # the validation split of 48 rows
    assert dashboard.plots.class_table.rowCount() == 3
    assert "epoch 2/2" in tab.output.toPlainText() and "f1_macro" in tab.output.toPlainText()
    # the new classifier is offered on the Predict tab
    assert classify.predict.picker.path() == str(train_home / "models" / "gui-model")
    assert store.open_model(classify.predict.picker.path(), task="classify")
    qtbot.waitUntil(lambda: dashboard.run_list.count() == 1, timeout=10_000)
    assert dashboard.title_label.text().startswith("Training gui-model: done · 10 examples")


def test_stop_in_the_gui_keeps_the_best_checkpoint(qtbot, page, train_encoder, topics_csv):
    classify, dashboard = page
    tab = classify.train
    fill_training(tab, train_encoder, topics_csv, "gui-stopped", epochs=500)
    qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dashboard.evaluation is not None or not tab.runner.is_running(tab.job_key()),
                    timeout=60_000)  # epoch 1 saved
    assert dashboard.evaluation is not None, tab.status.text()
    qtbot.mouseClick(tab.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.runner.is_running(tab.job_key()), timeout=60_000)
    assert tab.status.text().startswith("Stopped: the best checkpoint so far"), tab.status.text()
    assert ": stopped · 10 examples" in dashboard.title_label.text()
    [run] = runs.list_runs()
    assert run.status == "stopped"
    info = store.open_model(run.info["model"], task="classify")
    assert info.manifest["epoch"] == run.info["best_epoch"] < 500


def test_bad_input_shows_one_sentence(qtbot, page, train_encoder, labelled_file):
    classify, _ = page
    tab = classify.train
    tab.picker.set_path(str(train_encoder))
    qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    assert tab.status.text() == "Choose a labelled training file first."
    single = labelled_file("single.csv", [{"text": f"goal {i}", "label": "sports"} for i in range(6)])
    fill_training(tab, train_encoder, single, "never")
    run_and_wait(qtbot, tab)
    assert tab.status.text() == "single.csv has a single class ('sports'); a classifier needs at least two."
    empty = labelled_file("empty.csv", [])
    tab.train_file.set_path(str(empty))
    qtbot.waitUntil(lambda: tab.train_file.summary.text() == "empty.csv is empty.", timeout=10_000)


def test_evaluate_tab_scores_a_classifier(qtbot, page, train_encoder, binary_csv, labelled_file):
    classify, dashboard = page
    model = train_classifier(model=str(train_encoder), train=str(binary_csv), out_name="binary", epochs=2, lr=0.01,
                             batch_size=8, patience=0, device="cpu").model_path
    tab = classify.evaluate
    tab.picker.set_path(model)
    rows = make_rows(20, seed=2, topics=("sports", "weather")) + [{"text": " ", "label": "sports"}]
    tab.data_file.set_path(str(labelled_file("to-score.csv", rows)))
    run_and_wait(qtbot, tab)
    assert tab.status.text().startswith("Evaluated binary on 40 examples"), tab.status.text()
    assert tab.status.text().endswith("1 row of to-score.csv with an empty text or label was skipped.")
    assert set(dashboard.roc_curves) == {"sports", "weather"}
    assert dashboard.confusion.sum() == 40
    assert "f1_macro" in tab.output.toPlainText()
    # two classes: the threshold slider reads out precision, recall, TPR and FPR at its value
    assert not dashboard.plots.threshold_box.isHidden()
    dashboard.plots.threshold_slider.setValue(300)
    scores = np.asarray(dashboard.evaluation["probs"])[:, 1]
    assert dashboard.threshold_readout == report.at_threshold(dashboard.evaluation["y_true"], scores, 0.3)
    assert "FPR" in dashboard.plots.threshold_label.text()


def test_past_runs_reload_and_overlay_in_a_new_dashboard(qtbot, train_home, train_encoder, topics_csv, app_ctx):
    first = train_classifier(model=str(train_encoder), train=str(topics_csv), out_name="a", epochs=2, lr=0.01,
                             batch_size=8, patience=0, device="cpu")
    second = train_classifier(model=str(train_encoder), train=str(topics_csv), out_name="b", epochs=3, lr=0.005,
                              batch_size=8, patience=0, device="cpu")
    dashboard = Dashboard(app_ctx)  # a fresh start reads the runs from disk
    qtbot.addWidget(dashboard)
    dashboard.show()
    qtbot.waitUntil(lambda: dashboard.run_list.count() == 2, timeout=10_000)
    ids = [dashboard.run_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dashboard.run_list.count())]
    assert sorted(ids) == sorted([first.run_id, second.run_id])
    item = dashboard.run_list.item(ids.index(first.run_id))
    rect = dashboard.run_list.visualItemRect(item)
    qtbot.mouseClick(dashboard.run_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: len(dashboard.step_loss.get("train_loss", [])) == 2 * 5, timeout=10_000)
    assert dashboard.evaluation["f1_macro"] == pytest.approx(first.best["f1_macro"])
    for run_id in ids:
        dashboard.run_list.item(ids.index(run_id)).setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: len(dashboard.overlays) == 2, timeout=10_000)
    assert len(dashboard.overlays[first.run_id]["val_f1_macro"]) == 2
    assert len(dashboard.overlays[second.run_id]["val_f1_macro"]) == 3
    dashboard.run_list.item(ids.index(first.run_id)).setCheckState(Qt.CheckState.Unchecked)
    assert set(dashboard.overlays) == {second.run_id}


def test_the_main_window_wires_the_tabs_to_its_dashboard_page(qtbot, train_home, app_ctx):
    from gui.main_window import MainWindow

    window = MainWindow(warm_up=False, ctx=app_ctx)
    qtbot.addWidget(window)
    classify, dashboard = window.page("classify"), window.page("dashboard")
    assert isinstance(dashboard, Dashboard)
    assert classify.train.dashboard is dashboard and classify.evaluate.dashboard is dashboard
    window.show_panel("classify")
    qtbot.mouseClick(classify.train.dashboard_button, Qt.MouseButton.LeftButton)
    assert window.current_panel() == "dashboard"
    window.close()


def test_the_train_tab_writes_the_torchrun_command_for_its_form(qtbot, page, train_encoder, topics_csv):
    import shlex

    from PySide6.QtGui import QGuiApplication

    import main

    tab = page[0].train
    qtbot.mouseClick(tab.command_button, Qt.MouseButton.LeftButton)   # nothing to train yet: said, no dialog
    assert tab.status.text().startswith("Choose a model first") and tab.command_dialog is None

    fill_training(tab, train_encoder, topics_csv, "on gpus")
    qtbot.mouseClick(tab.command_button, Qt.MouseButton.LeftButton)
    one = shlex.split(QGuiApplication.clipboard().text())
    assert one[one.index("--nproc-per-node") + 1] == "gpu" and "--nnodes" not in one
    script = next(i for i, word in enumerate(one) if word.endswith("main.py"))
    args = main.build_parser().parse_args(one[script + 1:])   # the same options the Train button runs with
    options = tab.build_job()[1]
    assert (args.command, args.model, args.train, args.out) == ("train-classifier", options["model"],
                                                                options["train"], "on gpus")
    assert (args.epochs, args.lr, args.batch_size) == (options["epochs"], options["lr"], options["batch_size"])
    text = tab.command_dialog.findChild(QPlainTextEdit).toPlainText()
    assert shlex.join(one) in text
    two = shlex.split(text.split("\n\n")[1].splitlines()[-1])
    assert two[two.index("--nnodes") + 1] == "2" and two[two.index("--node-rank") + 1] == "0"
    assert two[two.index("--master-addr") + 1] == "FIRST_MACHINE_ADDRESS"
    assert two[-len(one) + script:] == one[script:]   # the same script and options on every machine
    tab.command_dialog.close()
