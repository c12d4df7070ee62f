"""The settings table: typed defaults, values that survive a restart, and no key spelled elsewhere."""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from gui.settings import Key, Settings

ROOT = Path(__file__).resolve().parents[2]


def fresh(path: Path) -> Settings:
    return Settings(QSettings(str(path), QSettings.Format.IniFormat))


def test_defaults_come_typed_from_the_table(tmp_path):
    settings = fresh(tmp_path / "s.ini")
    for key in Key:
        value = settings.get(key)
        assert value == key.default, key
        if key.default is not None:
            assert type(value) is key.type, key


def test_values_survive_a_restart_with_their_types(tmp_path):
    path = tmp_path / "s.ini"
    settings = fresh(path)
    samples = {int: 7, float: 0.25, bool: True, str: "x/y z", QByteArray: QByteArray(b"\x00\x01geometry")}
    for key in Key:
        settings.set(key, samples[key.type])
    settings.sync()
    again = fresh(path)
    for key in Key:
        assert again.get(key) == samples[key.type], key
    assert again.runtime_options() == {"device": "x/y z", "backend": "torch", "allow_pickle": True}


def test_the_backend_is_remembered_per_model_and_reaches_that_model_s_jobs(tmp_path):
    path = tmp_path / "s.ini"
    settings = fresh(path)
    settings.set_backend_for("/models/a b", "onnx-int8")
    settings.set_backend_for("/models/c", "onnx-fp32")
    settings.set_backend_for("/models/c", "torch")      # back to the default: forgotten
    settings.sync()
    again = fresh(path)
    assert again.backend_for("/models/a b") == "onnx-int8"
    assert again.backend_for("/models/c") == again.backend_for("/models/never chosen") == again.backend_for("") == "torch"
    assert again.runtime_options({"model": "/models/a b", "texts": ["x"]})["backend"] == "onnx-int8"
    assert again.runtime_options({"resume": "/models/a b"})["backend"] == "torch"   # no model: nothing chosen
    settings.set(Key.MODEL_BACKENDS, "{not json")
    assert settings.backend_for("/models/a b") == "torch"


def test_every_task_has_a_remembered_model():
    from models.core.store import ENCODER, TASKS

    assert {Key.model(task).name_in_file for task in TASKS + (ENCODER,)} == \
        {f"models/{task}" for task in TASKS + (ENCODER,)}


def test_no_page_spells_a_settings_key_itself():
    offenders = []
    for path in (ROOT / "gui").rglob("*.py"):
        if path.name == "settings.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"QSettings\b|\.setValue\(\s*[\"f]|\.value\(\s*[\"f]", text):
            offenders.append(path.name)
    assert offenders == []
