"""Transcripts: timed text segments and their plain-text, SubRip (SRT) and WebVTT forms.

Kept apart from recognizer.py so the file and live transcription paths (and the
GUI's save dialog) share one exporter without loading any model code.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from models.core import fileio
from models.core.events import ModelDeskError

FORMATS = ("txt", "srt", "vtt")


@dataclass(frozen=True)
class Word:
    """One word and its time span in seconds (the text keeps its leading space, as spoken order joins)."""
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Segment:
    """Committed text and its time span in seconds from the start of the audio; ``words`` when the
    recogniser timed them (Whisper's alignment heads, CTC frames)."""
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()

    def shifted(self, seconds: float) -> "Segment":
        """The same segment ``seconds`` later (a window's times made the file's)."""
        return Segment(self.start + seconds, self.end + seconds, self.text,
                       tuple(Word(w.text, w.start + seconds, w.end + seconds) for w in self.words))


@dataclass
class Transcript:
    """The segments of one recording, in time order."""
    segments: list[Segment] = field(default_factory=list)
    language: Optional[str] = None

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.segments)

    def __len__(self) -> int:
        return len(self.segments)

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())


def _clock(seconds: float, separator: str) -> str:
    """HH:MM:SS<sep>mmm, rounded to the millisecond (SRT uses ',', VTT and text use '.')."""
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def _one_line(text: str) -> str:
    """The text on one line (plain-text transcripts)."""
    return " ".join(text.split())


def _cue_text(text: str) -> str:
    """Cue text keeping its line breaks but no blank line (a blank line would end the cue early)."""
    return "\n".join(line for line in (" ".join(part.split()) for part in text.splitlines()) if line)


def _spoken(segments: Iterable[Segment]) -> list[Segment]:
    return [s for s in segments if _one_line(s.text)]


def to_txt(segments: Iterable[Segment], timestamps: bool = True) -> str:
    """One line per segment, optionally prefixed with ``[start --> end]``."""
    lines = []
    for seg in _spoken(segments):
        text = _one_line(seg.text)
        if timestamps:
            text = f"[{_clock(seg.start, '.')} --> {_clock(seg.end, '.')}] {text}"
        lines.append(text)
    return "\n".join(lines) + "\n" if lines else ""


def to_srt(segments: Iterable[Segment]) -> str:
    """SubRip: numbered cues, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, a blank line after each."""
    cues = [f"{i}\n{_clock(s.start, ',')} --> {_clock(s.end, ',')}\n{_cue_text(s.text)}\n"
            for i, s in enumerate(_spoken(segments), start=1)]
    return "\n".join(cues)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(segments: Iterable[Segment]) -> str:
    """WebVTT: the header, then numbered cues with ``HH:MM:SS.mmm --> HH:MM:SS.mmm``."""
    cues = [f"{i}\n{_clock(s.start, '.')} --> {_clock(s.end, '.')}\n{_vtt_escape(_cue_text(s.text))}\n"
            for i, s in enumerate(_spoken(segments), start=1)]
    return "\n".join(["WEBVTT\n", *cues])


_WRITERS: dict[str, Callable[[Iterable[Segment]], str]] = {"txt": to_txt, "srt": to_srt, "vtt": to_vtt}


def render(segments: Iterable[Segment], fmt: str) -> str:
    """The transcript as text in ``fmt`` (txt, srt or vtt)."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in _WRITERS:
        raise ModelDeskError(f"Unknown transcript format '{fmt}': choose txt, srt or vtt.")
    return _WRITERS[fmt](list(segments))


def export(segments: Iterable[Segment], path: os.PathLike | str, fmt: Optional[str] = None) -> Path:
    """Save the transcript atomically; the format comes from ``fmt`` or the file suffix."""
    path = Path(path)
    chosen = fmt or path.suffix.lstrip(".")
    if not chosen:
        raise ModelDeskError(f"Cannot tell the format of {path.name}: name it .txt, .srt or .vtt, or choose a format.")
    fileio.write_text(path, render(segments, chosen))
    return path
