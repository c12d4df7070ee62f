"""The ``train-classifier`` command line for a set of training options, to run under torchrun.

The Train tab builds its options as a job; the same options written as a command let the
training run on a GPU machine, or on several: ``torchrun`` starts one process per GPU and the
training shares the work between them (see models.classify.training). Light: no torch here.
"""
from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import models

#: option -> its flag, where the flag is not the option's name with dashes
FLAGS = {"out_name": "--out", "kfold": "--kfold"}
#: options the command does not take (the GUI's own) or that the launcher decides
SKIPPED = {"device", "backend", "allow_pickle", "bucketing"}


def main_script() -> Path:
    """main.py, which sits next to the models package (in the source tree and when installed)."""
    return Path(models.__file__).resolve().parent.parent / "main.py"


def train_arguments(options: dict[str, Any]) -> list[str]:
    """``train-classifier`` and its flags for ``options`` (TrainConfig's names); unset and False ones left out."""
    argv = ["train-classifier"]
    for name, value in options.items():
        if name in SKIPPED or value is None or value is False or value == "":
            continue
        flag = FLAGS.get(name, "--" + name.replace("_", "-"))
        argv += [flag] if value is True else [flag, str(value)]
    return argv


def torchrun_command(options: dict[str, Any], nodes: int = 1, master: str = "FIRST_MACHINE_ADDRESS") -> str:
    """The shell command that trains with ``options`` on every GPU of this machine; with ``nodes`` > 1, the
    command for the first of that many machines (the others run it with --node-rank 1, 2, …)."""
    launcher = Path(sys.executable).with_name("torchrun")
    argv = [str(launcher)] if launcher.is_file() else [sys.executable, "-m", "torch.distributed.run"]
    argv += ["--nproc-per-node", "gpu"]
    if nodes > 1:
        argv += ["--nnodes", str(nodes), "--node-rank", "0", "--master-addr", master, "--master-port", "29500"]
    return shlex.join(argv + [str(main_script()), *train_arguments(options)])
