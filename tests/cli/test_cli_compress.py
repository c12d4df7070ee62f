"""compress-classifier: the variant's macro-F1, latency at batch size 1 and size beside the teacher's, as
recorded in the run; one-line errors."""
from __future__ import annotations

import re

import pytest

import main
from models.core import runs, store
from tests.fixtures.training_data import make_rows

pytestmark = pytest.mark.usefixtures("one_torch_thread")
FAST = ("--epochs", "1", "--lr", "1e-3", "--batch-size", "8", "--patience", "0", "--device", "cpu",
        "--latency-rows", "3", "--no-export")


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def table_row(out: str, variant: str, backend: str) -> list[str]:
    """The cells after the variant and backend, split at spaces (so "2.10 ms" is two)."""
    line = next(line for line in out.splitlines() if line.startswith(variant) and f" {backend} " in line)
    return line[len(variant):].split()[1:]


@pytest.mark.parametrize("method, extra, role", [
    ("distill", ("--layers", "2", "--layer-choice", "first", "--hidden-weight", "1"), "student"),
    ("prune", ("--sparsity", "40%", "--ffn-sparsity", "0.1"), "pruned"),
])
def test_compress_prints_the_result_beside_the_teacher(capsys, train_home, tiny_teacher, topics_csv, labelled_file,
                                                       method, extra, role):
    held_out = labelled_file("held-out.csv", make_rows(4, seed=9))
    code, out, err = run_cli(capsys, "compress-classifier", "--model", str(tiny_teacher), "--train", str(topics_csv),
                             "--eval", str(held_out), "--method", method, "--out", "small", *extra, *FAST)
    assert code == 0, err
    assert [line.split()[1] for line in out.splitlines() if line.startswith("epoch ")] == ["1/1"]
    assert f"saved as {train_home / 'models' / 'small'}" in out
    run_id = re.search(r"^Run: (\S+)$", out, flags=re.M).group(1)
    teacher, mine = runs.load_run(run_id).tradeoff()
    for point, variant in ((teacher, "teacher tiny-teacher"), (mine, f"{role} small")):
        f1, kept, latency, _ms, speedup, size, _mb, params, _m = table_row(out, variant, "torch")
        assert float(f1) == pytest.approx(point["f1_macro"], abs=5e-5)
        assert float(latency) == pytest.approx(point["latency_ms"], abs=5e-3)
        assert float(size) == pytest.approx(point["size_mb"], abs=0.05)
        assert float(params) == pytest.approx(point["params"] / 1e6, abs=5e-3)
        assert float(kept.rstrip("%")) == pytest.approx(100 * point["f1_macro"] / teacher["f1_macro"], abs=0.05)
        assert float(speedup.rstrip("x")) == pytest.approx(teacher["latency_ms"] / point["latency_ms"], abs=5e-3)
    assert mine["params"] < teacher["params"]
    compression = store.read_manifest(train_home / "models" / "small")["compression"]
    if method == "prune":
        assert sum(len(heads) for heads in compression["removed_heads"].values()) == round(0.4 * 16)
    else:
        assert compression["layers"] == [0, 1]


@pytest.mark.parametrize("argv, message", [
    (("--model", "no-such-model", "--method", "distill"), "No model named 'no-such-model'"),
    (("--method", "distill", "--layers", "4"), "A student needs between 1 and 3 layers: the teacher has 4."),
    (("--method", "prune", "--sparsity", "0"), "give a head or FFN sparsity above 0 to prune anything"),
])
def test_bad_input_is_one_line(capsys, train_home, tiny_teacher, topics_csv, argv, message):
    options = {"--model": str(tiny_teacher), "--train": str(topics_csv), "--eval": str(topics_csv), "--out": "x",
               **dict(zip(argv[::2], argv[1::2]))}
    code, out, err = run_cli(capsys, "compress-classifier", *(v for pair in options.items() for v in pair), *FAST)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err
    assert runs.list_runs() == []


def test_a_sparsity_that_is_not_a_share_is_refused(capsys, tiny_teacher, topics_csv):
    with pytest.raises(SystemExit) as exit_code:
        main.main(["compress-classifier", "--model", str(tiny_teacher), "--train", str(topics_csv), "--eval",
                   str(topics_csv), "--method", "prune", "--sparsity", "1.5", "--out", "x"])
    assert exit_code.value.code == 2
    assert "'1.5' is not a share from 0 up to (not including) 1" in capsys.readouterr().err
