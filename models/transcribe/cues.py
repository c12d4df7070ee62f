"""Subtitle cues from timed words: short enough to read, broken where the speech breaks.

One builder serves file transcription, the live session's export and the editor, so SRT, VTT
and TXT all come from the same cues. The rules (``CueRules``): a cue lasts at most
``max_seconds`` and wraps into at most ``max_lines`` lines of ``line_chars`` display columns
(``wide_line_chars`` full-width characters for Chinese and Japanese text); a
pause of ``split_pause`` or more never lies inside a cue; when a run of speech is too long for
one cue it is broken at a sentence end if one fits, else at a pause, else after a comma, else
between any two words, taking the latest such place that fits. Cues then last at least
``min_seconds`` where the next one leaves room, and keep ``min_gap`` between them.

Words come from the recogniser's word timings; a segment without them has its words spread
over its span in proportion to their length. Scripts written without spaces (``core.scripts``)
count every character as a word, and cue text joins them without spaces. Pure Python: the GUI uses it for its exports.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from models.core.scripts import display_width, has_unspaced, join, units
from models.transcribe.transcript import Segment, Word

SENTENCE_END = (".", "?", "!", "…", "。", "？", "！")
CLAUSE_END = (",", ";", ":", "，", "、", "；")
#: closing marks that may follow a sentence's last letter (`"Yes."` still ends a sentence)
CLOSERS = "\"')]}”’"


@dataclass(frozen=True)
class CueRules:
    """How cues are cut (seconds and characters); the defaults follow common subtitle guidelines."""
    max_seconds: float = 7.0
    max_lines: int = 2
    line_chars: int = 42        # display columns: a Chinese character takes two
    wide_line_chars: int = 16   # full-width characters a line where most text is Chinese/Japanese
    min_seconds: float = 1.0
    min_gap: float = 0.08
    pause: float = 0.3          # a gap between words this long counts as a pause (a place to break)
    split_pause: float = 1.0    # a gap this long always ends the cue


def _by_unit(word: Word) -> list[Word]:
    """A word of several characters of a script written without spaces (a many-character token,
    a segment's text) as one word per character, its time shared by display width."""
    pieces = units(word.text) if has_unspaced(word.text) else []
    if len(pieces) < 2:
        return [word]
    if word.text[:1].isspace():
        pieces[0] = " " + pieces[0]
    total = sum(display_width(p.strip()) for p in pieces) or 1
    out, at = [], word.start
    for piece in pieces:
        step = (word.end - word.start) * display_width(piece.strip()) / total
        out.append(Word(piece, at, at + step))
        at += step
    return out


def spread_words(segment: Segment) -> list[Word]:
    """The segment's words, one per character in scripts written without spaces: its timed ones,
    else its text spread over its span by display width."""
    if segment.words:
        return [piece for w in segment.words if w.text.strip() for piece in _by_unit(w)]
    parts = units(segment.text)
    if not parts:
        return []
    total = sum(display_width(p) + 1 for p in parts)
    span = max(0.0, segment.end - segment.start)
    words, at = [], segment.start
    for k, part in enumerate(parts):
        step = span * (display_width(part) + 1) / total
        words.append(Word(part if k else " " + part, at, at + step))
        at += step
    return words


def line_width(rules: CueRules, text: str) -> int:
    """The line width (display columns) for ``text``: ``wide_line_chars`` full-width characters
    where most of it is in a wide script (Chinese practice: about 16 a line), else ``line_chars``."""
    wide = sum(1 for c in text if display_width(c) == 2)
    if wide * 2 > len(text.replace(" ", "")):
        return min(rules.line_chars, 2 * rules.wide_line_chars)
    return rules.line_chars


def wrap(text: str, line_chars: int, max_lines: Optional[int] = None) -> Optional[list[str]]:
    """``text`` in at most ``max_lines`` lines of at most ``line_chars`` display columns, the lines
    as even as possible; None when it does not fit (a single overlong word stands alone). Chinese
    and Japanese break between any two characters, and their lines join without spaces."""
    words = units(text)
    if not words:
        return []
    lines: list[list[str]] = []
    for word in words:   # greedy filling: the fewest lines
        if lines and display_width(join(lines[-1] + [word])) <= line_chars:
            lines[-1].append(word)
        else:
            lines.append([word])
    if max_lines is not None and len(lines) > max_lines and len(words) > 1:
        return None
    if len(lines) == 2:   # balance two lines: the split whose longer line is shortest
        best = min(range(1, len(words)),
                   key=lambda k: max(display_width(join(words[:k])), display_width(join(words[k:]))))
        first, second = words[:best], words[best:]
        if max(display_width(join(first)), display_width(join(second))) <= line_chars:
            lines = [first, second]
    return [join(line) for line in lines]


def _ends(word: Word, marks: Sequence[str]) -> bool:
    return word.text.strip().rstrip(CLOSERS).endswith(tuple(marks))


def _text(words: Sequence[Word]) -> str:
    return join(w.text for w in words)


def _fits(words: Sequence[Word], rules: CueRules) -> bool:
    if len(words) <= 1:
        return True
    if words[-1].end - words[0].start > rules.max_seconds:
        return False
    text = _text(words)
    return wrap(text, line_width(rules, text), rules.max_lines) is not None


def _break_rank(words: Sequence[Word], k: int, rules: CueRules) -> int:
    """How good a break after words[k] is: 3 a sentence end, 2 a pause, 1 a comma, 0 anywhere."""
    if _ends(words[k], SENTENCE_END):
        return 3
    if k + 1 < len(words) and words[k + 1].start - words[k].end >= rules.pause:
        return 2
    if _ends(words[k], CLAUSE_END):
        return 1
    return 0


def _runs(words: list[Word], rules: CueRules) -> list[list[Word]]:
    """The words cut at every long pause (no cue may hold one)."""
    runs: list[list[Word]] = []
    for word in words:
        if runs and word.start - runs[-1][-1].end < rules.split_pause:
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def _cut(run: list[Word], rules: CueRules) -> list[list[Word]]:
    """A run of speech cut into cues that fit, each break at the best place available."""
    cues: list[list[Word]] = []
    i = 0
    while i < len(run):
        j = i + 1
        while j < len(run) and _fits(run[i:j + 1], rules):
            j += 1
        if j < len(run):   # run[i:j] fits but the rest does not: choose the break
            rank = [_break_rank(run, k, rules) for k in range(i, j)]
            best = max(rank)
            j = i + max(k for k, r in enumerate(rank) if r == best) + 1
        cues.append(run[i:j])
        i = j
    return cues


def build_cues(segments: Iterable[Segment], rules: CueRules = CueRules()) -> list[Segment]:
    """Subtitle cues (text with a newline between lines) from timed segments; see the module docstring."""
    words = sorted((w for seg in segments for w in spread_words(seg)), key=lambda w: w.start)
    groups = [cue for run in _runs(words, rules) for cue in _cut(run, rules)]
    cues: list[Segment] = []
    for k, group in enumerate(groups):
        start = group[0].start
        end = min(max(group[-1].end, start), start + rules.max_seconds)
        following = groups[k + 1][0].start if k + 1 < len(groups) else None
        if end - start < rules.min_seconds:
            end = start + rules.min_seconds
        if following is not None and end > following - rules.min_gap:
            end = max(start + 0.001, following - rules.min_gap)
        text = _text(group)
        lines = wrap(text, line_width(rules, text)) or [""]
        cues.append(Segment(start, end, "\n".join(lines), tuple(group)))
    return cues
