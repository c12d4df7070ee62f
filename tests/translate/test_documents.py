"""Documents keep their structure through translation: text, Markdown, SRT, WebVTT; streaming, Stop, pivots."""
from __future__ import annotations

import re

import pytest

from models.core import store
from models.core.events import Cancelled, CancelToken, ModelDeskError, Partial, Progress
from models.translate import documents, translator
from models.translate.documents import balance, parse
from models.translate.translator import describe, translate, translate_file
from tests.fixtures.text_models import build_marian

pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")]
FAST = dict(beam_size=1, max_length=3, batch_size=16)
TIMING = re.compile(r"^\d\d:\d\d:\d\d[,.]\d\d\d --> \d\d:\d\d:\d\d[,.]\d\d\d")
MARKDOWN = """# The cat

- a dog runs in the park
  1. hello world
> the cat sat

```python
print("the cat sat")
```

    indented code stays

| name | words |
|------|-------|
| cat  | the cat sat |
trailing spaces mean a break  
"""


def identity(doc: documents.Document) -> str:
    return doc.render(list(doc.units))


def test_parsing_keeps_everything_but_the_words():
    assert identity(parse(MARKDOWN, "md")) == MARKDOWN
    doc = parse(MARKDOWN, "md")
    assert doc.units == ["The cat", "a dog runs in the park", "hello world", "the cat sat", "name", "words", "cat",
                         "the cat sat", "trailing spaces mean a break"]
    assert doc.render(["X"] * len(doc.units)).splitlines()[:4] == ["# X", "", "- X", "  1. X"]
    assert 'print("the cat sat")' in doc.render(["X"] * len(doc.units))
    text = "  indented line\n\t- tabbed item\n1990 was a year.\n---\n\n"
    assert identity(parse(text, "txt")) == text and parse(text, "txt").units[2] == "1990 was a year."


def test_subtitle_cues_keep_numbers_timings_and_markup():
    srt = ("1\n00:00:01,000 --> 00:00:02,500\n<i>the cat sat\non the mat</i>\n\n"
           "2\n00:00:03,000 --> 00:00:04,000\n- hello world\n- a dog runs\n")
    doc = parse(srt, "srt")
    assert doc.units == ["the cat sat on the mat", "hello world", "a dog runs"]
    assert doc.render(["le chat est assis sur le tapis", "bonjour", "un chien"]) == (
        "1\n00:00:01,000 --> 00:00:02,500\n<i>le chat est assis\nsur le tapis</i>\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\n- bonjour\n- un chien\n")
    vtt = ("WEBVTT - a title\n\nNOTE the cat\nsat here\n\nSTYLE\n::cue { color: red }\n\n"
           "intro\n00:01.000 --> 00:02.000 align:start\n<v Anna>hello world\n")
    doc = parse(vtt, "vtt")
    assert doc.units == ["hello world"]
    assert doc.render(["hallo"]) == vtt.replace("<v Anna>hello world", "<v Anna>hallo")
    assert balance("one two three four five six", 2) == ["one two three", "four five six"]
    assert balance("one", 3) == ["one"] and balance("a b", 5) == ["a", "b"]


def subtitle_file(count: int, vtt: bool) -> str:
    lines = ["WEBVTT", "", "NOTE made for a test", ""] if vtt else []
    sep = "." if vtt else ","
    for n in range(1, count + 1):
        start = f"00:{n // 60:02d}:{n % 60:02d}{sep}{n * 7 % 1000:03d}"
        end = f"00:{(n + 1) // 60:02d}:{(n + 1) % 60:02d}{sep}000"
        lines += [str(n), f"{start} --> {end}", "the cat sat on the mat." if n % 2 else "hello world",
                  *(["a small dog runs in the park"] if n % 3 == 0 else []), ""]
    return "\n".join(lines)


def cues(text: str) -> list[tuple[str, str, list[str]]]:
    """(number, timing, text lines) of each cue in an .srt/.vtt text."""
    found = []
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        if len(lines) >= 2 and TIMING.match(lines[1]):
            found.append((lines[0], lines[1], lines[2:]))
    return found


@pytest.mark.parametrize("suffix", [".srt", ".vtt"])
def test_fifty_cues_round_trip(tiny_marian, tmp_path, suffix):
    source, out = tmp_path / f"film{suffix}", tmp_path / f"film.fr{suffix}"
    original = subtitle_file(50, vtt=suffix == ".vtt")
    source.write_text(original, encoding="utf-8")
    events = []
    result = translate_file(tiny_marian, source, out, progress=events.append, **FAST)
    written = out.read_text(encoding="utf-8")
    assert result["out"] == str(out) and result["text"] == written and result["units"] == 50
    before, after = cues(original), cues(written)
    assert len(after) == 50
    assert [(n, t) for n, t, _ in after] == [(n, t) for n, t, _ in before]
    assert all(lines and all(line.strip() for line in lines) for _, _, lines in after)
    assert all(len(a) <= len(b) for (_, _, a), (_, _, b) in zip(after, before))
    if suffix == ".vtt":
        assert written.startswith("WEBVTT\n\nNOTE made for a test\n\n")
    expected = translate(tiny_marian, "the cat sat on the mat.", **FAST)
    assert after[0][2] == [expected]
    assert "".join(e.text for e in events if isinstance(e, Partial)) == written


def test_a_long_text_file_keeps_its_lines_blanks_and_indentation(tiny_marian, tmp_path):
    words = ["the cat sat on the mat.", "hello world! a dog runs.", "- le chat est sur le tapis",
             "    1. un petit chien court"]
    lines = ["" if i % 7 == 3 else ("  " * (i % 3)) + words[i % 4] for i in range(200)]
    source, out = tmp_path / "notes.txt", tmp_path / "notes.fr.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    events = []
    translate_file(tiny_marian, source, out, progress=events.append, **FAST)
    result = out.read_text(encoding="utf-8").split("\n")
    assert result[-1] == "" and len(result) - 1 == 200
    for before, after in zip(lines, result):
        assert (before == "") == (after == "")
        if before:
            marker = re.match(r"\s*(?:[-*]\s+|\d+\.\s+)?", before).group(0)
            assert after.startswith(marker) and after[len(marker):].strip(), (before, after)
    streamed = [e.text for e in events if isinstance(e, Partial)]
    assert len(streamed) > 1 and "".join(streamed) == out.read_text(encoding="utf-8")


def test_markdown_code_blocks_are_untouched(tiny_marian, tmp_path):
    source = tmp_path / "readme.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    result = translate_file(tiny_marian, source, **FAST)
    lines, original = result["text"].split("\n"), MARKDOWN.split("\n")
    assert result["out"] is None and len(lines) == len(original)
    for keep in ("```python", 'print("the cat sat")', "```", "    indented code stays", "|------|-------|"):
        assert keep in lines and lines.index(keep) == original.index(keep)
    assert lines[0].startswith("# ") and lines[2].startswith("- ") and lines[3].startswith("  1. ")


def test_stop_leaves_no_output_file(tiny_marian, tmp_path):
    source, out = tmp_path / "film.srt", tmp_path / "film.fr.srt"
    source.write_text(subtitle_file(50, vtt=False), encoding="utf-8")
    token = CancelToken()

    def on_event(event):
        if isinstance(event, Progress) and event.total:
            token.cancel()

    with pytest.raises(Cancelled):
        translate_file(tiny_marian, source, out, progress=on_event, cancel=token, **{**FAST, "batch_size": 4})
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["film.srt"]


def test_file_errors(tiny_marian, tmp_path):
    source = tmp_path / "a.txt"
    source.write_text("hello", encoding="utf-8")
    with pytest.raises(ModelDeskError, match="would replace the original"):
        translate_file(tiny_marian, source, source)
    with pytest.raises(ModelDeskError, match=r"translates .txt, .md, .srt and .vtt files, not a.docx"):
        translate_file(tiny_marian, tmp_path / "a.docx", tmp_path / "b.docx")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ModelDeskError, match="not UTF-8"):
        translate_file(tiny_marian, tmp_path / "bad.txt")
    with pytest.raises(ModelDeskError, match="maximum length"):
        translate(tiny_marian, "hello", max_length=0)


def test_pair_languages_and_a_pivot_through_english(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    de_en = build_marian(tmp_path / "de-en", ("de", "en"))
    en_fr = build_marian(tmp_path / "opus-mt-en-fr")   # languages from the name only
    for folder in (de_en, en_fr):
        store.import_folder(folder)
    assert translator.language_pair(store.inspect(en_fr)) == ("en", "fr")
    facts = describe(de_en)
    assert facts["codes"] == [] and facts["pair"] == ["de", "en"]
    assert facts["pivots"] == [{"target": "fr", "model": str(en_fr.resolve()), "name": "opus-mt-en-fr"}]
    assert describe(en_fr)["pivots"] == []   # it does not end in English
    text = "der Hund läuft im Park. hello world\n\nle chat"
    events = []
    through = translate(de_en, text, pivot=str(en_fr), progress=events.append, **FAST)
    # sentence by sentence: each sentence's English goes on to the second model as it is
    assert through == "\n".join(" ".join(translate(en_fr, translate(de_en, s, **FAST), **FAST) for s in line)
                                for line in translator.split_text(text))
    assert [e.message for e in events if isinstance(e, Progress) and e.total][-1] == \
        "Translated 6/6 sentences (through English)"
    with pytest.raises(ModelDeskError, match="do not chain through English"):
        translate(en_fr, "hello", pivot=str(de_en))
