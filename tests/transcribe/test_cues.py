"""The cue builder's rules, and SRT/VTT/TXT from the same cues parsed by the srt and webvtt-py libraries."""
from __future__ import annotations

import io

import srt
import webvtt

from models.transcribe.cues import CueRules, build_cues, spread_words, wrap
from models.transcribe.transcript import Segment, Word, render


def timed(text: str, start: float, step: float = 0.3, gaps: dict[int, float] | None = None) -> list[Word]:
    """Words of ``text`` ``step`` seconds each from ``start``; ``gaps`` adds a pause before word k."""
    words, at = [], start
    for k, part in enumerate(text.split()):
        at += (gaps or {}).get(k, 0.0)
        words.append(Word(" " + part, at, at + step))
        at += step
    return words


def segment(words: list[Word]) -> Segment:
    return Segment(words[0].start, words[-1].end, " ".join(w.text.strip() for w in words), tuple(words))


def test_every_cue_fits_the_limits_and_keeps_the_words_in_order() -> None:
    text = ("This is a rather long stretch of speech without any pause at all and it goes on and on "
            "because the speaker never stops to breathe or to let the audience catch up with the story")
    words = timed(text, 0.0, step=0.35)
    cues = build_cues([segment(words)])
    assert len(cues) > 2
    for cue in cues:
        lines = cue.text.split("\n")
        assert cue.end - cue.start <= 7.0 and len(lines) <= 2 and all(len(line) <= 42 for line in lines)
    assert " ".join(c.text.replace("\n", " ") for c in cues) == text
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))


def test_breaks_prefer_sentence_ends_then_pauses_then_commas() -> None:
    sentence = timed("We met at noon. Then we walked along the river for a long time, talking about work", 0.0)
    cues = build_cues([segment(sentence)], CueRules(line_chars=30))
    assert cues[0].text.replace("\n", " ") == "We met at noon."
    paused = timed("We walked along the river for a long time talking about work and the weather today", 0.0,
                   gaps={7: 0.4})   # a 0.4 s pause before "long"
    cues = build_cues([segment(paused)], CueRules(line_chars=30))
    assert cues[0].text.replace("\n", " ") == "We walked along the river for a"
    comma = timed("We walked along the river, for a long time talking about work and the weather today", 0.0)
    cues = build_cues([segment(comma)], CueRules(line_chars=30))
    assert cues[0].text.replace("\n", " ") == "We walked along the river,"


def test_a_long_pause_is_never_inside_a_cue_and_short_cues_get_their_minimum() -> None:
    words = timed("Yes. Okay then", 1.0, step=0.2, gaps={1: 1.5})
    cues = build_cues([segment(words)])
    assert [c.text for c in cues] == ["Yes.", "Okay then"]
    assert cues[0].end - cues[0].start == 1.0                      # stretched to the minimum duration
    assert cues[0].end <= cues[1].start - 0.08                      # and still a gap before the next
    close = timed("Hi. There", 0.0, step=0.2, gaps={1: 0.7})        # too little room for a whole second
    first, second = build_cues([segment(close)], CueRules(split_pause=0.5))
    assert abs(first.end - (second.start - CueRules().min_gap)) < 1e-9


def test_segments_without_word_timings_are_spread_by_length() -> None:
    words = spread_words(Segment(10.0, 12.0, "a bb ccc"))
    assert [w.text for w in words] == [" a", " bb", " ccc"]
    assert words[0].start == 10.0 and abs(words[-1].end - 12.0) < 1e-9
    assert words[2].end - words[2].start > words[0].end - words[0].start
    assert wrap("one two three four", 9) == ["one two", "three", "four"]
    assert wrap("one two three four", 9, max_lines=2) is None
    assert wrap("aaaa bbbb cccc", 10) == ["aaaa", "bbbb cccc"]


def test_srt_vtt_and_txt_come_from_the_same_cues_and_parse() -> None:
    words = timed("First sentence is here. Second one, with a comma, follows it now.", 0.5, gaps={4: 1.2})
    cues = build_cues([segment(words)])
    parsed = list(srt.parse(render(cues, "srt")))
    captions = webvtt.from_buffer(io.StringIO(render(cues, "vtt"))).captions
    txt = render(cues, "txt").splitlines()
    assert [c.content for c in parsed] == [c.text for c in captions] == [c.text for c in cues]
    assert [round(c.start.total_seconds(), 3) for c in parsed] == [round(c.start, 3) for c in cues]
    assert len(txt) == len(cues) and all(line.endswith(c.text.replace("\n", " ")) for line, c in zip(txt, cues))
