"""classify / generate / translate on the command line: output format, files, one-line errors, exit codes."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

import main
from models.classify.classifier import Classifier
from models.generate.generator import generate
from models.translate.translator import translate
from tests.fixtures.text_models import LABELS, NLLB_CODES

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")]


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_classify_prints_label_and_probability(capsys, tiny_text_classifier):
    texts = ["the film was good", "bad plot"]
    code, out, err = run_cli(capsys, "classify", "--model", str(tiny_text_classifier), "--device", "cpu", *texts)
    assert code == 0, err
    expected = Classifier.load(tiny_text_classifier).predict(texts)
    assert out.splitlines() == [f"{p.label}\t{p.score:.4f}" for p in expected]


def test_classify_a_file(capsys, tiny_text_classifier, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("text,id\nthe film was good,1\n,2\nbad,3\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    code, out, err = run_cli(capsys, "classify", "--model", str(tiny_text_classifier), "--file", str(source),
                             "--out", str(target), "--batch-size", "1")
    assert code == 0, err
    assert out.startswith("Classified 2 rows (1 skipped)") and out.rstrip().endswith(str(target))
    with open(target, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["label"] for r in rows][1] == "" and {rows[0]["label"], rows[2]["label"]} <= set(LABELS)


@pytest.mark.parametrize("argv, message", [
    ((), "give a text to classify"),
    (("--file", "x.csv"), "--file needs --out"),
    (("some text", "--file", "x.csv", "--out", "y.csv"), "either texts or --file"),
])
def test_classify_usage_errors_are_one_line(capsys, tiny_text_classifier, argv, message):
    code, out, err = run_cli(capsys, "classify", "--model", str(tiny_text_classifier), *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err


def test_generate_streams_the_continuation(capsys, tiny_gpt2):
    code, out, err = run_cli(capsys, "generate", "--model", str(tiny_gpt2), "the film", "--temperature", "0",
                             "--max-new-tokens", "12")
    assert code == 0, err
    assert out == generate(tiny_gpt2, "the film", max_new_tokens=12, temperature=0) + "\n"
    code, out, err = run_cli(capsys, "generate", "--model", str(tiny_gpt2), "x", "--top-p", "1.5")
    assert code == 2 and err.strip() == "modeldesk: error: Top-p must be above 0 and at most 1 (1 turns it off)."


def test_translate_languages_text_and_files(capsys, tiny_nllb, tiny_marian, tmp_path):
    code, out, _ = run_cli(capsys, "translate", "--model", str(tiny_nllb), "--list-languages")
    assert code == 0 and out.split() == list(NLLB_CODES)
    code, out, _ = run_cli(capsys, "translate", "--model", str(tiny_marian), "--list-languages")
    assert code == 0 and "one fixed language pair" in out
    code, out, err = run_cli(capsys, "translate", "--model", str(tiny_nllb), "hello world")
    assert code == 2 and err.count("\n") == 1 and "choose a target language" in err
    code, out, _ = run_cli(capsys, "translate", "--model", str(tiny_nllb), "--target", "fra_Latn", "a dog. a cat",
                           "--beam-size", "1")
    assert code == 0 and out == translate(tiny_nllb, "a dog. a cat", target="fra_Latn", beam_size=1) + "\n"
    source, target = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("hello world.\n\nthe cat sat.\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "translate", "--model", str(tiny_marian), "--file", str(source), "--out",
                           str(target), "--beam-size", "1")
    assert code == 0 and target.read_text(encoding="utf-8") == \
        translate(tiny_marian, source.read_text(encoding="utf-8"), beam_size=1) + "\n"
    code, _, err = run_cli(capsys, "translate", "--model", str(tiny_marian), "--file", str(tmp_path / "no.txt"))
    assert code == 2 and "does not exist" in err


def test_subprocess_exit_codes_and_one_line_errors(tiny_encoder, tiny_text_classifier, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "MODELDESK_HOME": str(tmp_path / "home"),
           "MODELDESK_DEVICE": "cpu", "HF_HUB_OFFLINE": "1"}
    bad = subprocess.run([sys.executable, "main.py", "classify", "--model", str(tiny_encoder), "some text"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "is an encoder" in bad.stderr and "not a classifier" in bad.stderr
    good = subprocess.run([sys.executable, "main.py", "classify", "--model", str(tiny_text_classifier),
                           "the film was good"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert good.returncode == 0 and good.stderr == ""
    label, probability = good.stdout.strip().split("\t")
    assert label in LABELS and 0 < float(probability) <= 1
