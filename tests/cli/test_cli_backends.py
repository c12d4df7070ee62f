"""--backend on every task command: parsed, passed to the model call, and an ONNX backend without its
export is one line on stderr (never a quiet run on torch)."""
from __future__ import annotations

import pytest

import main
from models.classify.command import train_arguments
from models.classify.training import TrainConfig

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: every task command with the arguments it needs besides --backend
COMMANDS = {"classify": ["classify", "--model", "m", "a text"],
            "evaluate-classifier": ["evaluate-classifier", "--model", "m", "--data", "d.csv"],
            "generate": ["generate", "--model", "m", "Once"],
            "translate": ["translate", "--model", "m", "Hello"],
            "faces": ["faces", "--model", "m", "--out", "g.png"],
            "transcribe": ["transcribe", "a.wav"]}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_task_command_takes_a_backend(command):
    parser = main.build_parser()
    assert parser.parse_args(COMMANDS[command]).backend == "torch"
    assert parser.parse_args(COMMANDS[command] + ["--backend", "onnx-int8"]).backend == "onnx-int8"


@pytest.mark.parametrize("task, argv", [
    ("classify", ["classify", "the film was good"]),
    ("generate", ["generate", "hello", "--max-new-tokens", "2"]),
    ("translate", ["translate", "hello world"]),
])
def test_an_onnx_backend_without_its_export_is_one_line_and_status_2(tiny_text_classifier, tiny_gpt2, tiny_marian,
                                                                     capsys, task, argv):
    folder = {"classify": tiny_text_classifier, "generate": tiny_gpt2, "translate": tiny_marian}[task]
    code = main.main([argv[0], "--model", str(folder), "--device", "cpu", "--backend", "onnx-int8", *argv[1:]])
    out, err = capsys.readouterr()
    assert code == 2 and out.strip() == ""
    assert err.count("\n") == 1 and "has no ONNX INT8 export" in err
    assert "export it on the Models page, or choose PyTorch" in err


def test_the_train_command_line_the_gui_writes_parses_back_to_the_same_options(tmp_path):
    options = {"model": "/models/base model", "train": str(tmp_path / "train.csv"), "eval": None,
               "out_name": "tickets-v1", "text_column": "body", "label_column": None, "epochs": 4, "lr": 3e-5,
               "batch_size": 32, "grad_accum": 2, "max_length": 256, "patience": 0, "metric": "accuracy",
               "weight_decay": 0.05, "warmup": 0.2, "schedule": "cosine", "grad_clip": 0.5, "kfold": 5,
               "val_fraction": 0.1, "class_weights": True, "seed": 7, "overwrite": False}
    args = main.build_parser().parse_args(train_arguments(options))
    config = TrainConfig(**{k: getattr(args, "out" if k == "out_name" else k) for k in options})
    assert config == TrainConfig(**options)
