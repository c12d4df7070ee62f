"""The floors pyproject.toml declares hold for what is installed, and the one floor measured against
the code (huggingface_hub, tried at 1.0, 1.20, 1.33 and 2.0 in a scratch venv) stays where it was found."""
from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [Requirement(text) for text in project["dependencies"]]
    found += [Requirement(text) for text in project["optional-dependencies"]["test"]]
    return [r for r in found if r.marker is None or r.marker.evaluate()]


def floor(requirement: Requirement) -> Version | None:
    bounds = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==", "~=")]
    return max(bounds) if bounds else None


def test_every_installed_dependency_meets_its_declared_bounds():
    wrong = {}
    for requirement in requirements():
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            wrong[requirement.name] = "not installed"
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            wrong[requirement.name] = f"{installed} is outside {requirement.specifier}"
        assert floor(requirement) is not None, f"{requirement.name} has no lower bound"
    assert wrong == {}


def test_the_hub_floor_is_the_first_release_on_httpx2():
    hub = next(r for r in requirements() if r.name == "huggingface_hub")
    assert floor(hub) >= Version("2.0")   # 1.x sends through httpx: hub.py's error handling and retries miss it
