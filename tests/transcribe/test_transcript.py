"""Transcript formats (exact SRT/VTT/text), export by suffix, atomic saving, and word error rate."""
from __future__ import annotations

import os

import pytest

from models.core.events import ModelDeskError
from models.transcribe.transcript import Segment, Transcript, export, render, to_srt, to_txt, to_vtt
from models.transcribe.wer import normalise, word_error_rate

SEGMENTS = [Segment(0.0, 2.5, "Hello world."),
            Segment(2.5, 3661.0456, "It is <fine> & well.\n\nSecond line"),
            Segment(3700.0, 3701.0, "   "),
            Segment(3702.9996, 3705.25, " Bye")]


def test_srt_cues_are_numbered_with_comma_milliseconds():
    assert to_srt(SEGMENTS) == (
        "1\n00:00:00,000 --> 00:00:02,500\nHello world.\n"
        "\n"
        "2\n00:00:02,500 --> 01:01:01,046\nIt is <fine> & well.\nSecond line\n"
        "\n"
        "3\n01:01:43,000 --> 01:01:45,250\nBye\n")


def test_vtt_has_header_dot_milliseconds_and_escaped_text():
    assert to_vtt(SEGMENTS) == (
        "WEBVTT\n"
        "\n"
        "1\n00:00:00.000 --> 00:00:02.500\nHello world.\n"
        "\n"
        "2\n00:00:02.500 --> 01:01:01.046\nIt is &lt;fine&gt; &amp; well.\nSecond line\n"
        "\n"
        "3\n01:01:43.000 --> 01:01:45.250\nBye\n")


def test_txt_with_and_without_timestamps():
    assert to_txt(SEGMENTS[:2]) == ("[00:00:00.000 --> 00:00:02.500] Hello world.\n"
                                    "[00:00:02.500 --> 01:01:01.046] It is <fine> & well. Second line\n")
    assert to_txt(SEGMENTS, timestamps=False) == "Hello world.\nIt is <fine> & well. Second line\nBye\n"
    assert to_txt([]) == "" and to_srt([]) == "" and to_vtt([]) == "WEBVTT\n"


def test_transcript_joins_text_and_iterates_segments():
    transcript = Transcript(SEGMENTS, language="en")
    assert list(transcript) == SEGMENTS and len(transcript) == 4
    assert transcript.text == "Hello world. It is <fine> & well.\n\nSecond line Bye"


@pytest.mark.parametrize("name,fmt,writer", [("out.srt", None, to_srt), ("out.VTT", None, to_vtt),
                                             ("out.txt", None, to_txt), ("subtitles.data", "srt", to_srt)])
def test_export_picks_the_format_from_suffix_or_argument(tmp_path, name, fmt, writer):
    path = export(SEGMENTS, tmp_path / "sub" / name, fmt)
    assert path.read_text(encoding="utf-8") == writer(SEGMENTS)


def test_export_rejects_unknown_formats(tmp_path):
    with pytest.raises(ModelDeskError, match="Cannot tell the format"):
        export(SEGMENTS, tmp_path / "transcript")
    with pytest.raises(ModelDeskError, match="Unknown transcript format 'docx'"):
        export(SEGMENTS, tmp_path / "transcript.docx")
    with pytest.raises(ModelDeskError, match="txt, srt or vtt"):
        render(SEGMENTS, "json")
    assert list(tmp_path.iterdir()) == []


def test_export_failure_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "talk.srt"
    target.write_text("old subtitles", encoding="utf-8")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(ModelDeskError, match="Could not save talk.srt in .*: No space left on device"):
        export(SEGMENTS, target)
    assert target.read_text(encoding="utf-8") == "old subtitles"
    assert [p.name for p in tmp_path.iterdir()] == ["talk.srt"]


def test_word_error_rate_counts_edits_after_normalising():
    assert word_error_rate("Hello, World!", "hello world") == 0.0
    assert normalise("Don't STOP -- it's 5 o'clock.") == ["don't", "stop", "it's", "5", "o'clock"]
    assert word_error_rate("the cat sat down", "the cat sat") == pytest.approx(0.25)        # deletion
    assert word_error_rate("the cat sat down", "the dog sat down") == pytest.approx(0.25)   # substitution
    assert word_error_rate("the cat", "the big fat cat") == pytest.approx(1.0)              # two insertions
    assert word_error_rate("a b c", "c b a") == pytest.approx(2 / 3)
    assert word_error_rate("", "") == 0.0 and word_error_rate("", "words") == 1.0
