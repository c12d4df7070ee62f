"""``modeldesk transcribe`` with the real (converted) Whisper tiny.en on espeak speech."""
from __future__ import annotations

import pytest
import srt
import webvtt

import main
from models.core import cache, store
from models.transcribe.recognizer import Recognizer
from models.transcribe.wer import word_error_rate

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_prints_subtitles_of_a_sound_file(real_whisper, espeak_wav, capsys):
    wav, sentence = espeak_wav
    assert main.main(["transcribe", str(wav), "--model", str(real_whisper), "--format", "srt",
                      "--compute-device", "cpu"]) == 0
    cues = list(srt.parse(capsys.readouterr().out))
    assert cues and cues[0].index == 1 and cues[0].start.total_seconds() < 1.0
    assert all((c.end - c.start).total_seconds() <= 7.0 and len(c.content.split("\n")) <= 2 for c in cues)
    assert all(len(line) <= 42 for c in cues for line in c.content.split("\n"))
    assert word_error_rate(sentence, " ".join(c.content for c in cues)) <= 0.35


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
    captions = webvtt.read(str(out)).captions
    assert out.read_text(encoding="utf-8").startswith("WEBVTT\n\n1\n00:00:0") and captions
    assert word_error_rate(sentence, " ".join(c.text for c in captions)) <= 0.35


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


def test_several_files_load_the_model_once_and_save_into_a_folder(tiny_whisper_en, espeak_wav, tmp_path, capsys,
                                                                  monkeypatch):
    wav, _ = espeak_wav
    builds = []
    real_build = Recognizer._build.__func__
    monkeypatch.setattr(Recognizer, "_build", classmethod(lambda cls, *a: builds.append(a) or real_build(cls, *a)))
    cache.forget(lambda key: True)
    names = []
    for k in range(3):
        names.append(tmp_path / f"clip{k}.wav")
        names[-1].write_bytes(wav.read_bytes())
    out = tmp_path / "subs"
    argv = ["transcribe", *map(str, names), "--model", str(tiny_whisper_en), "--format", "srt", "--out", str(out),
            "--compute-device", "cpu"]
    assert main.main(argv) == 0
    assert len(builds) == 1
    assert sorted(p.name for p in out.iterdir()) == ["clip0.srt", "clip1.srt", "clip2.srt"]
    for path in out.iterdir():
        list(srt.parse(path.read_text(encoding="utf-8")))   # each one parses
    assert capsys.readouterr().err.count("Saved ") == 3
    assert main.main(["transcribe", str(names[0]), str(names[1]), "--model", str(tiny_whisper_en)]) == 0
    printed = capsys.readouterr().out
    assert f"==> {names[0]} <==" in printed and f"==> {names[1]} <==" in printed
    assert main.main([*argv, "--cue-seconds", "0"]) == 2
    assert "--cue-seconds must be positive" in capsys.readouterr().err
    assert main.main([*argv, "--window", "45"]) == 2
    assert "--window must be between 1 and 30 seconds" in capsys.readouterr().err
