"""The layers point one way: gui/ and workers/ never load torch (nor anything as heavy), models/
never imports Qt, workers/ is only the Qt bridge, cli/ is a client of models/ alone."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "transformers", "onnxruntime", "torchaudio", "sklearn")
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


def imported_models_modules(*packages: str) -> set[str]:
    """Every models.* module that code in ``packages`` imports, at module level or inside a function."""
    found = set()
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("models"):
                    found.add(node.module)
                    found.update(f"{node.module}.{a.name}" for a in node.names
                                 if (ROOT / node.module.replace(".", "/") / f"{a.name}.py").is_file())
    return found


def test_what_the_gui_side_uses_of_models_and_what_crosses_the_wire_is_light():
    from workers.engine import WIRE_MODULES

    names = sorted(imported_models_modules("gui", "workers") | set(WIRE_MODULES))
    code = ("import importlib, sys\n"
            f"for n in {names!r}: importlib.import_module(n)\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"{names} load {result.stdout}"


def test_workers_is_only_the_qt_bridge_and_the_cli_never_uses_it():
    for path in (ROOT / "workers").glob("*.py"):
        if path.name != "__init__.py":
            assert "from PySide6" in path.read_text(encoding="utf-8"), f"{path.name} holds no Qt: it belongs in models/"
    for path in (ROOT / "cli").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in modules if m.split(".")[0] == "workers"], path.name


def test_models_are_grouped_by_task():
    packages = sorted(p.name for p in (ROOT / "models").iterdir() if (p / "__init__.py").is_file())
    assert packages == ["classify", "core", "faces", "generate", "transcribe", "translate"]
    # beside the packages only what wires them together: tasks.py lends each task's pieces to core
    assert sorted(p.name for p in (ROOT / "models").glob("*.py")) == ["__init__.py", "tasks.py"]
