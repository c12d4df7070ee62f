"""Turning generated token ids into text that can be shown at once: pieces, and the stop strings.

Both classes are torch-free; the generator feeds them one token (or one piece) at a time.
"""
from __future__ import annotations

from typing import Any


class StreamDecoder:
    """Turns token ids into text pieces as they arrive.

    A byte-level BPE token may hold half a UTF-8 character and SentencePiece
    drops a word's leading space when a token is decoded alone, so each new
    piece is the difference between decoding a short window with and without
    the newest tokens, held back while it ends in an incomplete character.
    """

    def __init__(self, tokenizer: Any, context: list[int]) -> None:
        self.tokenizer = tokenizer
        self.ids = list(context)
        self.prefix = 0
        self.read = len(self.ids)

    def _text(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def push(self, token_id: int) -> str:
        self.ids.append(token_id)
        before = self._text(self.ids[self.prefix:self.read])
        after = self._text(self.ids[self.prefix:])
        if after.endswith("\ufffd") or len(after) <= len(before):
            return ""
        self.prefix, self.read = self.read, len(self.ids)
        return after[len(before):]

    def flush(self) -> str:
        """Whatever is still held back (an incomplete character at the very end)."""
        before = self._text(self.ids[self.prefix:self.read])
        after = self._text(self.ids[self.prefix:])
        self.prefix = self.read = len(self.ids)
        return after[len(before):] if len(after) > len(before) else ""


class StopFilter:
    """Passes streamed text on until a stop string appears; the text ends just before it.

    Text that might be the beginning of a stop string is held back until the next piece
    says whether it is, so nothing that belongs to a stop string is ever shown.
    """

    def __init__(self, stops: tuple[str, ...] | list[str]) -> None:
        self.stops = tuple(s for s in stops if s)
        self.held = ""
        self.hit = False

    def push(self, piece: str) -> str:
        """The part of ``piece`` (with what was held) that is safe to show; sets ``hit`` at a stop string."""
        if not self.stops:
            return piece
        text = self.held + piece
        found = [i for i in (text.find(s) for s in self.stops) if i >= 0]
        if found:
            self.hit, self.held = True, ""
            return text[:min(found)]
        keep = max((n for s in self.stops for n in range(min(len(s) - 1, len(text)), 0, -1)
                    if text.endswith(s[:n])), default=0)
        self.held = text[len(text) - keep:] if keep else ""
        return text[:len(text) - keep]

    def flush(self) -> str:
        """What was held back when the text ended without reaching a stop string."""
        held, self.held = self.held, ""
        return held
