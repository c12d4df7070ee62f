"""``modeldesk transcribe`` with the real (converted) Whisper tiny.en on espeak speech."""
from __future__ import annotations

import pytest

import main
from models.core import store
from models.transcribe.wer import word_error_rate

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_prints_subtitles_of_a_sound_file(real_whisper, espeak_wav, capsys):
    wav, sentence = espeak_wav
    assert main.main(["transcribe", str(wav), "--model", str(real_whisper), "--format", "srt",
                      "--compute-device", "cpu"]) == 0
    number, timing, text, *rest = capsys.readouterr().out.split("\n")
    assert number == "1" and timing.startswith("00:00:00,000 --> 00:00:0")
    assert word_error_rate(sentence, text) <= 0.35


def test_uses_the_installed_model_and_saves_with_out(real_whisper, espeak_wav, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    store.import_folder(real_whisper, name="tiny-en")  # by reference: the only model of this home
    wav, sentence = espeak_wav
    assert main.main(["transcribe", str(wav)]) == 0
    assert word_error_rate(sentence, capsys.readouterr().out) <= 0.35
    out = tmp_path / "talk.vtt"
    assert main.main(["transcribe", str(wav), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and f"Saved {out}" in captured.err
    vtt = out.read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.000 --> ")
    assert word_error_rate(sentence, vtt.split("\n")[4]) <= 0.35


def test_errors_are_one_line(real_whisper, espeak_wav, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "empty-home"))
    wav, _ = espeak_wav
    cases = [(["transcribe", str(wav)], "no transcription model is installed"),
             (["transcribe", "--model", str(real_whisper)], "give a sound file to transcribe"),
             (["transcribe", str(wav), "--model", str(real_whisper), "--task", "translate"],
              "English-only model: it cannot translate"),
             (["transcribe", str(tmp_path / "nothing.wav"), "--model", str(real_whisper)], "does not exist")]
    for argv, message in cases:
        assert main.main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("modeldesk: error: ") and message in err
