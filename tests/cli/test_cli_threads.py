"""The command line sets torch's thread count once, at start: --threads, else MODELDESK_THREADS, else every core."""
from __future__ import annotations

import os

import pytest
import torch

from main import main


@pytest.fixture(autouse=True)
def keep_thread_count(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.delenv("MODELDESK_THREADS", raising=False)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("argv, env, expected", [
    (["--threads", "3"], None, 3),
    (["--threads", "3"], "2", 3),     # the option wins over the environment
    ([], "2", 2),
    ([], None, os.cpu_count()),
])
def test_the_count_comes_from_the_option_the_environment_or_the_cores(argv, env, expected, monkeypatch, capsys):
    if env:
        monkeypatch.setenv("MODELDESK_THREADS", env)
    assert main([*argv, "models", "list"]) == 0
    assert torch.get_num_threads() == expected


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_a_bad_count_is_refused(value, capsys):
    with pytest.raises(SystemExit) as exit_code:
        main(["--threads", value, "models", "list"])
    assert exit_code.value.code == 2
    assert f"'{value}' is not a number of threads" in capsys.readouterr().err
    assert torch.get_num_threads() == 1


def test_a_command_that_needs_no_model_does_not_load_torch_to_set_threads(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("import os, sys, main\n"
            "main.main(['--threads', '3', 'models', 'list'])\n"
            "print('torch' in sys.modules, os.environ['OMP_NUM_THREADS'])\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "MODELDESK_HOME": str(tmp_path / "home")})
    assert out.stdout.split() == ["False", "3"], out.stderr
