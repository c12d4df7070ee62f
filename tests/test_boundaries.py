"""The layers point one way: gui/ never imports torch at import time, models/ never imports Qt."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "transformers", "onnxruntime", "torchaudio")
QT = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "shiboken6")


def modules_under(package: str) -> list[str]:
    return sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                  for p in (ROOT / package).rglob("*.py"))


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
                               "HOME": str(ROOT), "MODELDESK_HOME": str(ROOT / ".pytest_home")},
                          timeout=120)


def test_gui_and_workers_do_not_import_heavy_libraries():
    names = modules_under("gui") + modules_under("workers") + ["main", "gui.app"]
    code = ("import importlib, sys\n"
            f"for n in {names!r}: importlib.import_module(n)\n"
            "import gui.main_window\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"imported at import time: {result.stdout}"


def test_models_never_import_qt_statically():
    offenders = []
    for path in (ROOT / "models").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in QT]
    assert offenders == []


def test_models_never_import_qt_at_runtime():
    code = ("import importlib, sys\n"
            f"for n in {modules_under('models')!r}: importlib.import_module(n)\n"
            f"print(sorted(m for m in {QT!r} if m in sys.modules))\n")
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
