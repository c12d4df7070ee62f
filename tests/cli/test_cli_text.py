"""classify / generate / translate on the command line: output format, files, one-line errors, exit codes."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import main
from models.classify.classifier import Classifier
from models.generate.generator import generate
from models.generate.chat import Conversation
from models.translate.translator import translate, translate_file
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
        translate(tiny_marian, source.read_text(encoding="utf-8"), beam_size=1)
    assert out.strip() == f"Translated 2 passages of {source} -> {target}"
    code, _, err = run_cli(capsys, "translate", "--model", str(tiny_marian), "--file", str(tmp_path / "no.txt"))
    assert code == 2 and "does not exist" in err


def test_translate_streams_a_subtitle_file_without_out(capsys, tiny_marian, tmp_path):
    source = tmp_path / "film.srt"
    source.write_text("1\n00:00:01,000 --> 00:00:02,000\nthe cat sat.\n\n2\n00:00:03,000 --> 00:00:04,000\n"
                      "hello world\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "translate", "--model", str(tiny_marian), "--file", str(source),
                             "--beam-size", "1", "--max-length", "4", "--batch-size", "1")
    assert code == 0, err
    assert out == translate_file(tiny_marian, source, beam_size=1, max_length=4)["text"]
    assert out.split("\n")[:2] == ["1", "00:00:01,000 --> 00:00:02,000"] and out.count("-->") == 2
    assert list(tmp_path.iterdir()) == [source]
    code, out, err = run_cli(capsys, "translate", "--model", str(tiny_marian), "--file", str(source),
                             "--out", str(source))
    assert code == 2 and "would replace the original" in err


def test_generate_chat_reads_turns_and_prints_json(capsys, monkeypatch, tiny_chat_gpt2):
    monkeypatch.setattr("sys.stdin", io.StringIO("hello world\n\nthe cat?\n"))
    code, out, err = run_cli(capsys, "generate", "--model", str(tiny_chat_gpt2), "--chat", "--system", "be brief",
                             "--temperature", "0", "--max-new-tokens", "6", "--repetition-penalty", "1.3",
                             "--json")
    assert code == 0, err
    saved = json.loads(out)
    conversation = Conversation(system="be brief")
    sampling = dict(temperature=0.0, max_new_tokens=6, repetition_penalty=1.3)
    for turn, reply in zip(("hello world", "the cat?"), saved["messages"][1::2]):
        conversation.add("user", turn)
        conversation.add("assistant", generate(tiny_chat_gpt2, messages=conversation.for_model(), **sampling))
        assert reply == conversation.messages[-1]
    assert saved["messages"] == conversation.messages and saved["system"] == "be brief"
    assert saved["sampling"]["repetition_penalty"] == 1.3 and saved["sampling"]["top_k"] == 50
    monkeypatch.setattr("sys.stdin", io.StringIO("hello world\nthe cat?\n"))
    code, out, err = run_cli(capsys, "generate", "--model", str(tiny_chat_gpt2), "--chat", "--system", "be brief",
                             "--temperature", "0", "--max-new-tokens", "6", "--repetition-penalty", "1.3")
    assert code == 0 and out == "".join(m["content"] + "\n" for m in conversation.messages[1::2])


def test_generate_sampling_options(capsys, tiny_gpt2):
    free = generate(tiny_gpt2, "the film", max_new_tokens=20, temperature=0)
    stop = free[8:10]
    code, out, err = run_cli(capsys, "generate", "--model", str(tiny_gpt2), "the film", "--preset", "precise",
                             "--repetition-penalty", "1", "--max-new-tokens", "20", "--stop", stop, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["text"] == free[:free.index(stop)] and result["sampling"]["stop"] == [stop]
    settings = ["--temperature", "1", "--top-k", "0", "--min-p", "0.05", "--seed", "7", "--max-new-tokens", "12"]
    first = run_cli(capsys, "generate", "--model", str(tiny_gpt2), "hello", *settings)
    assert first[0] == 0 and first[1] == run_cli(capsys, "generate", "--model", str(tiny_gpt2), "hello", *settings)[1]
    code, out, err = run_cli(capsys, "generate", "--model", str(tiny_gpt2), "--chat")
    assert code == 2 and "has no chat template" in err and err.count("\n") == 1
    code, out, err = run_cli(capsys, "generate", "--model", str(tiny_gpt2))
    assert code == 2 and "give a PROMPT" in err


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
