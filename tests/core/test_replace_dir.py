"""Replacing a model folder survives a crash at any point: killed between the steps, the next start (the
store listing its models) finds one whole model; and ``models remove`` refuses a model a job is using."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from models.core import fileio, in_use, paths, store
from models.core.events import ModelDeskError

ROOT = Path(__file__).resolve().parents[2]
#: the child replaces models/clf with a new copy and is killed (SIGKILL) at the chosen step
CHILD = """
import os, shutil, signal, sys
from pathlib import Path
from models.core import fileio, paths
kill = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
if sys.argv[1] == "two-renames":
    fileio.exchange_dirs = lambda first, second: False      # as on an OS without an atomic swap
    real, calls = os.replace, []
    def replace(*args):
        calls.append(args)
        if len(calls) == 2:                                  # the old folder is aside, the new one not yet in
            kill()
        return real(*args)
    os.replace = replace
else:
    shutil.rmtree = kill                                     # swapped; the old copy not yet deleted
new = paths.models_dir() / ".clf.new.tmp"
shutil.copytree(paths.models_dir() / "clf", new)
(new / "NEW").write_text("the replacement")
fileio.replace_dir(new, paths.models_dir() / "clf")
"""


@pytest.fixture
def app_model(tmp_path, monkeypatch, tiny_text_classifier):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    return Path(shutil.copytree(tiny_text_classifier, paths.models_dir() / "clf"))


def killed_child(step: str) -> None:
    child = subprocess.run([sys.executable, "-c", textwrap.dedent(CHILD), step], cwd=ROOT, env=os.environ.copy(),
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr


def test_killed_between_the_two_renames_the_next_start_restores_the_model(app_model):
    killed_child("two-renames")
    assert not app_model.exists() and (app_model.parent / ".clf.old").is_dir()   # the crash window
    assert [m.name for m in store.list_models()] == ["clf"]                      # the next start
    assert app_model.is_dir() and not (app_model / "NEW").exists() and not (app_model.parent / ".clf.old").exists()
    store.open_model("clf")   # whole again


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_the_atomic_swap_leaves_no_moment_without_the_model(app_model):
    killed_child("exchange")
    assert (app_model / "NEW").is_file()   # swapped in one step: the new model is in place
    assert [m.name for m in store.list_models()] == ["clf"]


def test_a_finished_swap_leaves_no_old_copy_on_either_path(app_model, tmp_path, monkeypatch):
    for exchange in (fileio.exchange_dirs, lambda first, second: False):
        monkeypatch.setattr(fileio, "exchange_dirs", exchange)
        new = shutil.copytree(app_model, tmp_path / "home" / "models" / ".clf.x.tmp")
        (new / "weights.txt").write_text(str(exchange))
        fileio.replace_dir(new, app_model)
        assert (app_model / "weights.txt").read_text() == str(exchange)
        assert sorted(p.name for p in app_model.parent.iterdir()) == ["clf"]


def test_remove_refuses_a_model_a_job_uses_and_not_one_a_dead_job_marked(app_model):
    with in_use.using([app_model]):
        with pytest.raises(ModelDeskError, match="^clf is in use by a running job; stop that job first"):
            store.remove("clf")
    assert app_model.is_dir()
    child = subprocess.Popen([sys.executable, "-c", "import sys\n"
                              "from models.core import in_use\n"
                              "with in_use.using([sys.argv[1]]):\n"
                              "    print('marked', flush=True)\n"
                              "    sys.stdin.read()\n", str(app_model)],
                             cwd=ROOT, env=os.environ.copy(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "marked"
    with pytest.raises(ModelDeskError, match="in use by a running job"):
        store.remove("clf")
    child.kill()   # dies holding its mark
    child.wait(timeout=30)
    store.remove("clf")
    assert not app_model.exists()
