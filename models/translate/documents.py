"""Documents cut into what a translator may touch and what it must keep: text, Markdown, SRT and WebVTT.

``parse`` turns a document into *units* (plain text to translate, one line's words or one
subtitle cue's lines joined) and a template of output lines that mixes kept text with those units;
``Document.render`` puts translations back. What is kept, byte for byte: line breaks, blank
lines, indentation, list and heading markers, Markdown code blocks and table pipes, subtitle cue
numbers, identifiers, timestamps with their settings, WebVTT headers and NOTE/STYLE/REGION blocks,
and markup wrapped around a cue (``<i>…</i>``, ``{\\an8}``, ``<v Speaker>``). Chinese and Japanese
text keeps its punctuation and gets no spaces between characters or sentences (``core.scripts``).
Torch-free.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from models.core.events import ModelDeskError
from models.core.scripts import close_cjk_gaps, display_width, join, units

KINDS = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".srt": "srt", ".vtt": "vtt"}

#: indentation, then a list marker (with a task box), heading hashes or quote marks
_MARKER = re.compile(r"^(\s*(?:(?:[-*+•‣◦]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?|#{1,6}\s+|(?:>\s?)+)?)")
_LETTER = re.compile(r"[^\W\d_]")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TIMING = re.compile(r"-->")
_VTT_KEPT = ("WEBVTT", "NOTE", "STYLE", "REGION")
#: markup that wraps a whole cue: opening tags or ASS overrides, and closing tags
_OPENING = re.compile(r"^((?:<[^/>][^>]*>|\{\\[^}]*\})+)")
_CLOSING = re.compile(r"((?:</[^>]+>)+)$")


@dataclass(frozen=True)
class Wrapped:
    """A unit shown over ``lines`` lines (a subtitle cue keeps its line count where the words allow)."""
    unit: int
    lines: int


Part = Union[str, int, Wrapped]


@dataclass
class Document:
    kind: str
    entries: list[list[Part]] = field(default_factory=list)   # one per output line (a Wrapped may add more)
    units: list[str] = field(default_factory=list)
    final_newline: bool = False

    def add_unit(self, text: str) -> int:
        self.units.append(text)
        return len(self.units) - 1

    def needs(self, entry: list[Part]) -> int:
        """The highest unit an entry shows (-1 if none): the entry is ready when that one is translated."""
        return max((p if isinstance(p, int) else p.unit for p in entry if not isinstance(p, str)), default=-1)

    def render_entry(self, entry: list[Part], translations: list[str]) -> str:
        out = []
        for part in entry:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, int):
                out.append(close_cjk_gaps(translations[part]))
            else:
                out.append("\n".join(balance(close_cjk_gaps(translations[part.unit]), part.lines)))
        return "".join(out)

    def render(self, translations: list[str]) -> str:
        text = "\n".join(self.render_entry(e, translations) for e in self.entries)
        return text + "\n" if self.final_newline else text


def kind_of(path: Path | str) -> str:
    """The document kind a file name says, or a ModelDeskError listing those ModelDesk translates."""
    kind = KINDS.get(Path(path).suffix.lower())
    if kind is None:
        raise ModelDeskError(f"ModelDesk translates .txt, .md, .srt and .vtt files, not {Path(path).name}.")
    return kind


def balance(text: str, lines: int) -> list[str]:
    """``text`` over at most ``lines`` lines of similar display width, broken between words (between
    characters in Chinese, Japanese and Thai, which join again without spaces)."""
    words = units(text)
    if lines <= 1 or len(words) <= 1:
        return [text]
    lines = min(lines, len(words))
    target = display_width(join(words)) / lines
    out: list[list[str]] = [[]]
    used = 0
    for i, word in enumerate(words):
        left = len(words) - i
        width = display_width(word.strip())
        if out[-1] and len(out) < lines and (used + width / 2 > target * len(out) or left < lines - len(out) + 1):
            out.append([])
        out[-1].append(word)
        used += width + (1 if word[:1].isspace() else 0)
    return [join(line) for line in out]


def parse(text: str, kind: str) -> Document:
    """Cut a document of ``kind`` ("txt", "md", "srt" or "vtt") into kept text and units to translate."""
    doc = Document(kind, final_newline=text.endswith("\n"))
    lines = text.split("\n")
    if doc.final_newline:
        lines.pop()
    if kind in ("srt", "vtt"):
        _parse_subtitles(doc, lines)
    else:
        _parse_lines(doc, lines, markdown=kind == "md")
    return doc


def _text_line(doc: Document, line: str) -> list[Part]:
    """A line of prose: its marker and indentation and its trailing spaces kept, the words a unit."""
    prefix = _MARKER.match(line).group(1) or ""
    body = line[len(prefix):]
    stripped = body.rstrip()
    if not _LETTER.search(stripped):
        return [line]
    return [prefix, doc.add_unit(stripped), body[len(stripped):]]


def _table_row(doc: Document, line: str) -> list[Part]:
    """A Markdown table row: pipes and the spaces around each cell kept, each cell's words a unit."""
    parts: list[Part] = []
    for i, cell in enumerate(line.split("|")):
        if i:
            parts.append("|")
        words = cell.strip()
        if _LETTER.search(words):
            start = cell.index(words)
            parts += [cell[:start], doc.add_unit(words), cell[start + len(words):]]
        else:
            parts.append(cell)
    return parts


def _parse_lines(doc: Document, lines: list[str], markdown: bool) -> None:
    fence = ""           # the open code fence (``` or ~~~), if any
    previous = "blank"   # what the line before was: blank, code, list, text
    for line in lines:
        if markdown and (fence or _FENCE.match(line)):
            opened = _FENCE.match(line)
            if not fence:
                fence = opened.group(1)
            elif opened and opened.group(1) == fence:
                fence = ""
            doc.entries.append([line])
            previous = "code"
            continue
        if not line.strip():
            doc.entries.append([line])
            previous = "blank" if previous != "list" else "list"
            continue
        indented = line.startswith(("    ", "\t"))
        if markdown and indented and previous in ("blank", "code"):
            doc.entries.append([line])   # an indented code block
            previous = "code"
            continue
        if markdown and line.lstrip().startswith("|"):
            doc.entries.append(_table_row(doc, line))
        else:
            doc.entries.append(_text_line(doc, line))
        marker = _MARKER.match(line).group(1) or ""
        previous = "list" if (marker.strip()[:1] in ("-", "*", "+", "•") or marker.strip()[:1].isdigit()
                              or (indented and previous == "list")) else "text"


def _parse_subtitles(doc: Document, lines: list[str]) -> None:
    """Blocks between blank lines; in a cue block, the lines up to the timing line are kept, the rest is text."""
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            doc.entries.append([lines[i]])
            i += 1
            continue
        end = i
        while end < len(lines) and lines[end].strip():
            end += 1
        block = lines[i:end]
        timing = next((k for k, line in enumerate(block) if _TIMING.search(line)), None)
        if timing is None or (doc.kind == "vtt" and block[0].startswith(_VTT_KEPT)):
            doc.entries += [[line] for line in block]
        else:
            doc.entries += [[line] for line in block[:timing + 1]]
            _cue_text(doc, block[timing + 1:])
        i = end


def _cue_text(doc: Document, text: list[str]) -> None:
    """A cue's text lines: joined into one unit (shown again over as many lines), or one unit per line when
    each line is a speaker's turn (starting with a dash)."""
    if not text:
        return
    if len(text) > 1 and all(line.lstrip().startswith("-") for line in text):
        for line in text:
            doc.entries.append(_text_line(doc, line))
        return
    joined = join(line.strip() for line in text)   # Chinese lines join without a space
    opening = _OPENING.match(joined)
    head = opening.group(1) if opening else ""
    closing = _CLOSING.search(joined[len(head):])
    tail = closing.group(1) if closing else ""
    body = joined[len(head):len(joined) - len(tail)].strip()
    if not _LETTER.search(body):
        doc.entries += [[line] for line in text]
        return
    doc.entries.append([head, Wrapped(doc.add_unit(body), len(text)), tail])
