"""The house's shape: no import circles between the project's modules, and no module over 500 lines.

Every import counts, also one inside a function: a circle deferred to call time is still two modules
that cannot be understood, tested or moved apart."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("models", "cli", "gui", "workers")
MAX_LINES = 500
LONG_FOR_NOW: set[str] = set()
#: circles allowed for now: none
CIRCLES_FOR_NOW: set[frozenset[str]] = set()


def project_files() -> dict[str, Path]:
    files = {"main": ROOT / "main.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            files[".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")] = path
    return files


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``name`` imports anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            candidates = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in known:   # "models.core.store.X" -> the module that holds X
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                found.add(candidate)
    return found


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def project_graph() -> dict[str, set[str]]:
    files = project_files()
    graph = {name: imports_of(name, path, set(files)) for name, path in files.items()}
    for name in graph:   # a package's __init__ runs before its modules: not an edge worth a circle
        graph[name] = {other for other in graph[name] if not name.startswith(other + ".")}
    return graph


def test_the_circle_finder_finds_a_circle_and_nothing_else():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    graph = project_graph()
    assert "models.core.store" in graph and graph["main"], "the scan found the project"
    found = [group for group in circles(graph) if frozenset(group) not in CIRCLES_FOR_NOW]
    assert found == [], f"import circles: {[sorted(g) for g in found]}"


def test_no_module_over_500_lines():
    long = {}
    for path in project_files().values():
        relative = path.relative_to(ROOT).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and relative not in LONG_FOR_NOW:
            long[relative] = lines
    assert long == {}, f"split these by job: {long}"


def task_packages() -> set[str]:
    """The task packages under models/ (every subpackage but core)."""
    return {f"models.{p.name}" for p in (ROOT / "models").iterdir() if (p / "__init__.py").is_file() and p.name != "core"}


def names_a_task(text: str, tasks: set[str]) -> bool:
    """Whether a string is an import target inside a task package ("models.faces.x" or "models.faces.x:f")."""
    module = text.partition(":")[0]
    return re.fullmatch(r"[A-Za-z_][\w.]*", module) is not None \
        and any(module == t or module.startswith(t + ".") for t in tasks)


def test_names_a_task_tells_targets_from_prose():
    tasks = {"models.faces"}
    assert names_a_task("models.faces.onnx_generator", tasks) and names_a_task("models.faces.x:run", tasks)
    assert not names_a_task("the faces exporter (models.faces.onnx_export)", tasks)
    assert not names_a_task("models.core.store", tasks) and not names_a_task("models.facestyle", tasks)


def test_core_imports_no_task_package():
    """Core is what every task shares: tasks register what they lend it (models/tasks.py), so core
    neither imports a task module nor names one for importlib."""
    tasks = task_packages()
    assert {"models.classify", "models.faces", "models.transcribe"} <= tasks, "the scan found the tasks"
    graph = project_graph()
    imported = {name: sorted(o for o in deps if any(o == t or o.startswith(t + ".") for t in tasks))
                for name, deps in graph.items() if name.startswith("models.core")}
    named = {}
    for path in (ROOT / "models" / "core").rglob("*.py"):
        strings = [node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)]
        named[path.name] = [text for text in strings if names_a_task(text, tasks)]
    assert {k: v for k, v in imported.items() if v} == {}, "core imports task modules"
    assert {k: v for k, v in named.items() if v} == {}, "core names task modules to import"
