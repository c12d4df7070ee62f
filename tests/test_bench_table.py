"""The benchmark table's plumbing: quality beside every speed row, FAIL rows and exit codes.

Runs run_all.main on tiny stand-in benchmark scripts (written here) that record rows through the
real ``table.record``, so the environment variable, the row file, ``render`` and the exit code are
all the real ones.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import run_all, table

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """import sys
sys.path.insert(0, {root!r})
from benchmarks import table
table.record("transcribe", {backend!r}, 2.5, 120.0, "tokens equal", **{extra!r})
"""


def row_of(out: str, backend: str) -> str:
    """The table's line for ``backend`` (the lines after the header)."""
    return next(line for line in out.splitlines() if f" transcribe {backend} " in line)


def bench(folder: Path, name: str, backend: str, **extra: object) -> list[str]:
    (folder / name).write_text(SCRIPT.format(root=str(ROOT), backend=backend, extra=extra))
    return [name]


def test_rows_within_bounds_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = [bench(tmp_path, "a.py", "onnx-int8", quality="WER 0.150 (torch 0.149) on 40 held-out clips", ok=True)]
    assert run_all.main(runs, tmp_path) == 0
    out = capsys.readouterr().out
    row = row_of(out, "onnx-int8")
    assert row.startswith("ok ") and "WER 0.150 (torch 0.149) on 40 held-out clips" in row and "2.50x" in row


def test_a_row_outside_its_bound_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = [bench(tmp_path, "a.py", "torch", quality="WER 0.150", ok=True),
            bench(tmp_path, "b.py", "onnx-int8", quality="WER 0.300 (torch 0.150)", ok=False)]
    assert run_all.main(runs, tmp_path) == 1
    captured = capsys.readouterr()
    assert row_of(captured.out, "onnx-int8").startswith("FAIL")
    assert row_of(captured.out, "torch").startswith("ok ")
    assert "FAIL transcribe onnx-int8: outside its bound" in captured.err


def test_a_row_without_quality_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = [bench(tmp_path, "a.py", "onnx-fp32")]          # the old call: no quality keyword at all
    assert run_all.main(runs, tmp_path) == 1
    captured = capsys.readouterr()
    row = row_of(captured.out, "onnx-fp32")
    assert row.startswith("FAIL") and table.NO_QUALITY in row
    assert f"transcribe onnx-fp32: {table.NO_QUALITY}" in captured.err


def test_a_failing_script_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.py").write_text("raise SystemExit(3)\n")
    assert run_all.main([["broken.py"]], tmp_path) == 1
    assert "failed: broken.py" in capsys.readouterr().err


def test_table_command_exit_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    rows = tmp_path / "rows.jsonl"
    monkeypatch.setenv(table.ENV, str(rows))
    table.record("transcribe", "torch", 1.0, None, "-", quality="WER 0.1", ok=True)
    assert table.main([str(rows)]) == 0
    table.record("transcribe", "onnx-int8", 3.0, None, "-", quality="WER 0.4", ok=False)
    assert table.main([str(rows)]) == 1
    assert table.failures(rows) == ["transcribe onnx-int8: outside its bound"]
    assert table.main([str(tmp_path / "missing.jsonl")]) == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("usage: table.py")


def test_record_without_a_table_file_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(table.ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    table.record("transcribe", "torch", 1.0, None, "-", quality="WER 0.1")
    assert list(tmp_path.iterdir()) == []
