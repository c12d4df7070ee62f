"""Text in scripts written without spaces (Chinese, Japanese, Thai, Lao, Burmese, Khmer).

Subtitles, the transcript editor and document translation split and join text by words. In
these scripts every character is its own unit (a word boundary is not marked), so a line can
break between any two characters and the pieces join back without spaces. Punctuation stays on
its character: closing marks (。，」) on the one before, opening marks (「《) on the one after, so
no line starts with a comma. Width is display width: an East Asian wide or full-width character
takes two columns, a combining mark none. Pure Python (unicodedata).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

#: code point ranges of scripts written without spaces between words
_UNSPACED = (
    (0x0E00, 0x0EFF),    # Thai, Lao
    (0x1000, 0x109F),    # Myanmar (Burmese)
    (0x1780, 0x17FF),    # Khmer
    (0x2E80, 0x2FDF),    # CJK radicals
    (0x3000, 0x303F),    # CJK symbols and punctuation
    (0x3040, 0x30FF),    # Hiragana, Katakana
    (0x3100, 0x312F),    # Bopomofo
    (0x31F0, 0x31FF),    # Katakana extensions
    (0x3400, 0x4DBF),    # CJK extension A
    (0x4E00, 0x9FFF),    # CJK unified ideographs
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0xFE30, 0xFE4F),    # CJK compatibility forms
    (0xFF00, 0xFF60),    # full-width forms (，！（）)
    (0xFF61, 0xFF9F),    # half-width Katakana and CJK punctuation
    (0x20000, 0x3FFFF),  # CJK extensions B onwards
)
#: languages (ISO 639-1 and Whisper's codes) written without spaces between words
UNSPACED_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "my", "km", "yue", "bo"})
#: marks that belong to the character before them (never start a line)
CLOSING = set("。，、；：？！…）》」』】〕〉”’・ー～ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ.,;:?!)]}%\"'")   # with small kana
#: marks that belong to the character after them (never end a line)
OPENING = set("（《「『【〔〈“‘([{เแโใไ")   # with Thai's vowels written before their consonant


def unspaced(char: str) -> bool:
    """Whether ``char`` belongs to a script written without spaces."""
    code = ord(char)
    return any(low <= code <= high for low, high in _UNSPACED)


def char_width(char: str) -> int:
    """Display columns of one character: 2 for East Asian wide/full-width, 0 for a combining mark."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Display columns of ``text`` (a subtitle line's width)."""
    return sum(char_width(c) for c in text)


def _cjk(char: str) -> bool:
    """Han, Kana and their punctuation: scripts where a space between characters is never right."""
    code = ord(char)
    return 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFE30 <= code <= 0xFFEF or code >= 0x20000


def has_unspaced(text: str) -> bool:
    return any(unspaced(c) for c in text)


def attaches_back(char: str) -> bool:
    """A character that cannot begin a unit: closing punctuation or a combining mark (Thai vowels)."""
    return char in CLOSING or char_width(char) == 0


def units(text: str) -> list[str]:
    """``text`` in the smallest pieces a line may break between.

    Words of spaced scripts (split at whitespace) and single characters of unspaced scripts,
    each with its punctuation; a piece keeps one leading space where the text had whitespace
    before it, so ``join(units(t))`` gives ``t`` back with its whitespace normalised.
    """
    out: list[str] = []
    for k, word in enumerate(text.split()):
        pieces: list[str] = []
        for char in word:
            if not pieces or attaches_back(char) or all(c in OPENING for c in pieces[-1]):
                if pieces:
                    pieces[-1] += char
                else:
                    pieces.append(char)
            elif unspaced(char) or unspaced(pieces[-1][-1]):
                pieces.append(char)
            else:
                pieces[-1] += char
        if pieces and k > 0:
            pieces[0] = " " + pieces[0]
        out.extend(pieces)
    return out


def join(pieces: Iterable[str]) -> str:
    """Pieces (words or units) as one text: a space between spaced-script words and none next to
    an unspaced character, unless the piece starts with one (Thai separates phrases by spaces);
    never a space between two Chinese or Japanese characters."""
    text = ""
    for piece in pieces:
        stripped = piece.strip()
        if not stripped:
            continue
        if not text:
            text = stripped
        elif piece[:1].isspace() and not (_cjk(text[-1]) and _cjk(stripped[0])):
            text += " " + stripped
        elif unspaced(text[-1]) or unspaced(stripped[0]):
            text += stripped
        else:
            text += " " + stripped
    return text


#: spaces between two Han/Kana characters or their punctuation (never right in Chinese or Japanese)
_CJK_GAP = re.compile(r"(?<=[\u2e80-\u9fff\uf900-\ufaff\ufe30-\uffef])[ \t]+(?=[\u2e80-\u9fff\uf900-\ufaff\ufe30-\uffef])")


def close_cjk_gaps(text: str) -> str:
    """``text`` without the spaces between Chinese or Japanese characters (sentences joined by a
    translator, a model's tokenizer spacing); spaces next to Latin words stay."""
    return _CJK_GAP.sub("", text)
