"""Subtitles in scripts written without spaces, from real multilingual Whisper token sequences.

``data/whisper_cjk.json`` holds a Chinese and a Japanese text as the multilingual Whisper
tokenizer encodes them (made by ``data/make_whisper_cjk.py`` from openai-whisper's
``multilingual.tiktoken``): multi-character tokens, characters split across byte-level tokens.
"""
from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
import srt
import webvtt

from models.core.scripts import CLOSING, display_width, join, units
from models.transcribe.alignment import split_words
from models.transcribe.cues import CueRules, build_cues, wrap
from models.transcribe.transcript import Segment, Word, render

DATA = json.loads((Path(__file__).parent / "data" / "whisper_cjk.json").read_text(encoding="utf-8"))
TABLE = {int(k): base64.b64decode(v) for k, v in DATA["bytes"].items()}


def decode(ids: list[int]) -> str:
    return b"".join(TABLE[i] for i in ids).decode("utf-8", errors="replace")


def spoken(language: str, per_char: float = 0.22) -> tuple[str, Segment]:
    """The text and one segment whose words are timed as split_words makes them, at a steady pace."""
    text, tokens = DATA["texts"][language]["text"], DATA["texts"][language]["tokens"]
    words, at = [], 1.0
    for word, _ids in split_words(tokens, decode):
        step = per_char * max(1, len(word.strip()))
        words.append(Word(word, at, at + step))
        at += step
    return text, Segment(words[0].start, words[-1].end, text, tuple(words))


@pytest.mark.parametrize("language", ["zh", "ja"])
def test_whisper_tokens_split_into_characters_with_their_punctuation(language: str) -> None:
    text, tokens = DATA["texts"][language]["text"], DATA["texts"][language]["tokens"]
    words = split_words(tokens, decode)
    assert "".join(w for w, _ in words) == " " + text                     # nothing lost, no byte split
    assert sum(len(ids) for _, ids in words) == len(tokens)
    assert len(words) > len(text) // 3                                     # not one segment-long "word"
    assert all(decode(ids) == w for w, ids in words)
    assert not any(w.strip()[0] in CLOSING for w, _ in words)              # 。 and 、 stay on their character
    assert any(w.endswith(("。", "，", "、")) and len(w) > 1 for w, _ in words)


@pytest.mark.parametrize("language", ["zh", "ja"])
@pytest.mark.parametrize("per_char", [0.22, 0.6])   # a brisk pace (the width binds), a slow one (the 7 s bind)
def test_cues_fit_two_lines_of_the_display_width_within_seven_seconds(language: str, per_char: float) -> None:
    text, seg = spoken(language, per_char)
    rules = CueRules()
    cues = build_cues([seg], rules)
    assert len(cues) >= 3 and seg.end - seg.start > 2 * rules.max_seconds
    for cue in cues:
        lines = cue.text.split("\n")
        assert len(lines) <= 2 and all(display_width(line) <= 2 * rules.wide_line_chars for line in lines)
        assert cue.end - cue.start <= rules.max_seconds
        assert " " not in cue.text and not lines[-1][:1] in CLOSING and not lines[0][:1] in CLOSING
    assert "".join(c.text.replace("\n", "") for c in cues) == text
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))
    parsed = list(srt.parse(render(cues, "srt")))
    captions = webvtt.from_buffer(io.StringIO(render(cues, "vtt"))).captions
    assert [c.content for c in parsed] == [c.text for c in captions] == [c.text for c in cues]
    assert [round(c.start.total_seconds(), 3) for c in parsed] == [round(c.start, 3) for c in cues]


def test_a_segment_without_word_timings_is_spread_over_its_characters() -> None:
    text = DATA["texts"]["zh"]["text"]
    cues = build_cues([Segment(0.0, 24.0, text)])
    assert len(cues) >= 4 and all(c.end - c.start <= 7.0 for c in cues)
    assert "".join(c.text.replace("\n", "") for c in cues) == text
    assert all(display_width(line) <= 32 for c in cues for line in c.text.split("\n"))


def test_display_width_units_and_joining() -> None:
    assert display_width("中文ab") == 6 and display_width("ｶﾀｶﾅ") == 4 and display_width("สวัสดี") == 4
    assert units("「你好」，世界。") == ["「你", "好」，", "世", "界。"]
    assert units("用GPU训练 BERT 模型") == ["用", "GPU", "训", "练", " BERT", " 模", "型"]
    assert join(["用", "GPU", "训", " BERT", " 模"]) == "用GPU训 BERT 模"
    assert join([" 你好。", " 然后"]) == "你好。然后"                         # no space between Chinese sentences
    assert join(["Hello", "world"]) == "Hello world"
    assert wrap("今天我们来讲一下如何用大模型做文本分类。", 10) == ["今天我们来", "讲一下如何", "用大模型做", "文本分类。"]
    assert wrap("今天我们来讲一下如何用大模型做文本分类。", 20, max_lines=2) == ["今天我们来讲一下如何", "用大模型做文本分类。"]
    assert CueRules(line_chars=20).line_chars == 20
