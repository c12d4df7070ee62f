"""``models export-onnx --calibration`` and ``classify --backend onnx-int8``: where INT8 was checked, in words."""
from __future__ import annotations

import pytest

from main import main
from models.classify.calibration import builtin_texts
from models.core import paths, store
from tests.fixtures.text_models import LABELS
from tests.fixtures.training_data import write_rows

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_int8_says_where_it_was_checked_in_the_export_and_beside_each_result(home, tiny_onnx_classifier, tmp_path,
                                                                              capsys):
    assert main(["models", "import", str(tiny_onnx_classifier), "--name", "clf", "--copy"]) == 0
    capsys.readouterr()

    # no rows of the user's: the export says so, and so does every INT8 result
    assert main(["models", "export-onnx", "clf"]) == 0
    out, err = capsys.readouterr()
    assert "checked on built-in sentences only. Give a calibration file" in err
    assert out.rstrip().endswith("(vs torch, on built-in sentences only (25 held out, unlabelled), not checked on "
                                 "your data)")
    assert main(["classify", "--model", "clf", "--device", "cpu", "--backend", "onnx-int8", "a fine film"]) == 0
    out, err = capsys.readouterr()
    assert out.count("\t") == 1   # stdout stays one label<TAB>probability line
    assert "ONNX INT8 vs torch: agreement " in err and err.rstrip().endswith(
        "· built-in sentences only, not checked on your data")

    # the user's rows: chosen on some, checked on the rest, and the stored figures shown beside a file's result
    rows = [{"text": f"{text} Case {i}.", "label": LABELS[i % len(LABELS)]}
            for i, text in enumerate(builtin_texts() * 2)][:60]
    mine = write_rows(tmp_path / "mine.csv", rows)
    assert main(["models", "export-onnx", "clf", "--calibration", str(mine)]) == 0
    out = capsys.readouterr().out
    assert "(vs torch, on your data: 36 held-out rows of mine.csv, labelled; INT8 was chosen on 24 other rows)" in out
    stored = store.read_manifest(paths.models_dir() / "clf")["parity"]
    assert (stored["rows"], stored["chooser_rows"], stored["source"]) == (36, 24, "user")
    data = write_rows(tmp_path / "in.csv", [{"text": r["text"]} for r in rows[:5]])
    assert main(["classify", "--model", "clf", "--device", "cpu", "--backend", "onnx-int8", "--file", str(data),
                 "--out", str(tmp_path / "out.csv"), "--batch-size", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("Classified 5 rows")
    assert lines[1].startswith(f"ONNX INT8 vs torch: agreement {stored['int8']['agreement_pct']:.1f}%, ")
    assert "f1 macro delta " in lines[1] and lines[1].endswith(" · your data: 36 held-out rows")

    # torch results carry no parity line; a calibration file too small to split is one line, status 2
    assert main(["classify", "--model", "clf", "--device", "cpu", "a fine film"]) == 0
    assert capsys.readouterr().err == ""
    few = write_rows(tmp_path / "few.csv", rows[:4])
    assert main(["models", "export-onnx", "clf", "--calibration", str(few)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("modeldesk: error: few.csv has 4 distinct text(s); at least 10 are needed") and "\n" not in err
