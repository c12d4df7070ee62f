"""Labelled text files: CSV, TSV and JSON Lines, in whatever encoding they were saved.

Users bring spreadsheets exported from anywhere, so this module is forgiving about
the shape (delimiter, encoding, column names) and strict about the meaning: a file
with no usable text or label column is refused with one sentence, and rows with an
empty text or label are skipped and counted rather than silently trained on.
No torch, no Qt: the GUI can call it to fill its column pickers.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import locale
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from models.core.events import ModelDeskError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
TEXT_NAMES = ("text", "sentence", "content", "body", "review", "document", "comment", "message", "utterance",
              "title", "question", "tweet", "description",
              "文本", "内容", "句子", "正文", "评论", "评价", "留言", "标题", "问题", "描述", "文字")
LABEL_NAMES = ("label", "labels", "class", "category", "target", "topic", "sentiment", "intent", "y", "tag",
               "标签", "类别", "分类", "类型", "情感", "主题", "意图", "标注", "类")
#: a label column has at most this many distinct values, or at most this share of the rows
MAX_LABELS = 200
MAX_LABEL_SHARE = 0.5
#: the legacy encoding preferred when charset-normalizer's guesses are nearly tied (percent of "chaos")
WESTERN = "cp1252"
NEAR_TIE = 10.0
#: the code page a spreadsheet saves "ANSI" text in, by the user's locale (Excel on Chinese Windows: GBK)
LOCALE_CODECS = {"zh_cn": "gb18030", "zh_sg": "gb18030", "zh_tw": "big5hkscs", "zh_hk": "big5hkscs",
                 "ja": "cp932", "ko": "cp949"}
#: a guess read as its superset, so that characters beyond the sample still decode (GB2312 ⊂ GBK ⊂ GB18030)
SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "euc_kr": "cp949", "shift_jis": "cp932"}
_ANSI = {"cp936": "gb18030", "gbk": "gb18030", "gb2312": "gb18030", "gb18030": "gb18030", "cp950": "big5hkscs",
         "big5": "big5hkscs", "cp932": "cp932", "shift_jis": "cp932", "cp949": "cp949", "euc_kr": "cp949"}
#: how much of a file tells its encoding and format; also the block size of the UTF-8 check
SAMPLE_BYTES = 1 << 20
#: rows at a time from TableReader.chunks: what a streaming job holds in memory
CHUNK_ROWS = 4096


@dataclass
class Table:
    """A file's rows as dictionaries of strings, with how it was read."""
    path: Path
    columns: list[str]
    rows: list[dict[str, str]]
    encoding: str = "utf-8"
    format: str = "csv"
    malformed: int = 0   # lines that could not be parsed (JSON Lines)


@dataclass
class Examples:
    """Texts with their labels, and what was left out and why."""
    texts: list[str]
    labels: list[str]
    text_column: str
    label_column: str
    skipped: int = 0
    notes: list[str] = field(default_factory=list)


def _first_non_utf8(path: Path) -> Optional[int]:
    """Where the file stops being UTF-8 (a byte offset), or None if all of it is; read block by block."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as fh:
        while block := fh.read(SAMPLE_BYTES):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return offset + max(0, exc.start)
            offset += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return offset
    return None


def locale_codec() -> Optional[str]:
    """The East Asian legacy code page of the user's locale (gb18030 for zh_CN), or None.

    Windows names its ANSI code page (cp936); elsewhere the language of LC_ALL, LC_CTYPE or LANG
    tells it (their codeset is UTF-8 there; Python sets LC_CTYPE=C.UTF-8 where that locale is missing)."""
    codec = codecs.lookup(locale.getpreferredencoding(False)).name.replace("-", "_")
    if codec in _ANSI:
        return _ANSI[codec]
    names = (os.environ.get(v, "").split(".")[0] for v in ("LC_ALL", "LC_CTYPE", "LANG"))
    language = next((n for n in names if n and n not in ("C", "POSIX")), "").lower().replace("-", "_")
    return LOCALE_CODECS.get(language) or LOCALE_CODECS.get(language.split("_")[0])


def _encoding(path: Path, sample: bytes) -> str:
    """The codec to read the file with: UTF-8 when the whole file is (a byte-order mark is dropped), else
    charset-normalizer's guess from the first megabyte and the place where UTF-8 stops fitting."""
    bad = _first_non_utf8(path)
    if bad is None:
        return "utf-8-sig"
    if bad >= len(sample):
        with open(path, "rb") as fh:
            fh.seek(max(0, bad - SAMPLE_BYTES // 2))
            sample += fh.read(SAMPLE_BYTES)
    from charset_normalizer import from_bytes

    matches = from_bytes(sample)
    best = matches.best()
    binary = " it holds binary data, not the text of a CSV, TSV or JSON Lines file."
    if best is None or best.encoding is None:
        why = binary if b"\x00" in sample else " save it as UTF-8 and try again."
        raise ModelDeskError(f"The encoding of {path.name} could not be detected;{why}")
    if b"\x00" in sample and not best.encoding.startswith(("utf_16", "utf_32")):
        raise ModelDeskError(f"The encoding of {path.name} could not be detected;{binary}")
    # Short samples often score several code pages alike (a few GBK characters read as Korean or
    # Western just as well); spreadsheets save in the locale's code page, so it wins a near tie, then
    # Windows-1252 (Western European text scores Baltic or Central European code pages a little better).
    for preferred in filter(None, (locale_codec(), WESTERN)):
        for match in matches:
            names = {SUPERSETS.get(c, c) for c in match.could_be_from_charset}
            if preferred in names and match.percent_chaos <= best.percent_chaos + NEAR_TIE:
                return preferred
    return SUPERSETS.get(best.encoding, best.encoding)


def _sniff_format(path: Path, text: str) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt:
        return fmt
    first = text.lstrip()[:1]
    if first == "{":
        return "jsonl"
    head = text.splitlines()[0] if text else ""
    return "tsv" if head.count("\t") > head.count(",") else "csv"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _unique_names(names: list[str]) -> list[str]:
    """Blank or repeated headers get a position suffix so every column can be chosen."""
    seen: set[str] = set()
    out: list[str] = []
    for i, name in enumerate(names):
        name = name or f"column {i + 1}"
        while name in seen:
            name = f"{name} ({i + 1})"
        seen.add(name)
        out.append(name)
    return out


def _json_object(line: str) -> Optional[dict]:
    """A JSON Lines line's object, or None for a line that holds none (counted as malformed)."""
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


class TableReader:
    """A CSV, TSV or JSON Lines file read as it is used: the format, encoding and columns are known once
    it is open, the rows come in chunks, so a file of millions of rows never sits in memory whole.

    Opening raises ModelDeskError if the file is missing, empty, binary or has no rows at all.
    """

    def __init__(self, path: os.PathLike | str) -> None:
        path = Path(path).expanduser()
        if not path.is_file():
            raise ModelDeskError(f"The data file {path} does not exist." if not path.exists()
                                 else f"{path} is a folder, not a data file.")
        self.path = path
        self.size = path.stat().st_size
        with open(path, "rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
        if not sample.strip():
            raise ModelDeskError(f"{path.name} is empty.")
        codec = _encoding(path, sample)
        self.encoding = "utf-8" if codec == "utf-8-sig" else codec
        self.format = _sniff_format(path, sample.decode(codec, errors="ignore"))
        self.malformed = 0   # lines that could not be parsed (JSON Lines)
        self._binary = open(path, "rb")
        self._text = io.TextIOWrapper(self._binary, encoding=codec, newline="")
        self.line = 0        # the last line read, for messages
        try:
            self.columns = self._json_columns() if self.format == "jsonl" else self._header()
            self._rows = self._iter_rows()
            self._first = list(itertools.islice(self._rows, CHUNK_ROWS))
            if not self._first:
                raise ModelDeskError(f"{path.name} is not JSON Lines: no line holds a JSON object."
                                     if self.format == "jsonl" and self.malformed else
                                     f"{path.name} has a header but no rows.")
        except BaseException:
            self.close()
            raise

    @property
    def position(self) -> int:
        """Bytes read so far (for progress against ``size``)."""
        return self._binary.tell()

    def sample(self) -> Table:
        """The first chunk of rows as a Table (enough to detect the text and label columns)."""
        return Table(self.path, self.columns, self._first, self.encoding, self.format, self.malformed)

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[list[dict[str, str]]]:
        """Every row once, ``size`` at a time (the first chunk is the one read at opening)."""
        first, self._first = self._first, []
        pending = iter(first)
        while chunk := list(itertools.islice(itertools.chain(pending, self._rows), size)):
            yield chunk

    def _lines(self) -> Iterator[str]:
        kind = "JSON Lines" if self.format == "jsonl" else self.format.upper()
        try:
            for self.line, line in enumerate(self._text, start=self.line + 1):
                yield line
        except UnicodeDecodeError:
            raise ModelDeskError(f"{self.path.name} is not readable {kind} in {self.encoding} after line "
                                 f"{self.line}; save it as UTF-8 and try again.") from None

    def _header(self) -> list[str]:
        csv.field_size_limit(max(csv.field_size_limit(), self.size))  # one cell may hold a whole long text
        self._reader = csv.reader(self._lines(), delimiter="\t" if self.format == "tsv" else ",")
        try:
            header = next(self._reader, [])
        except csv.Error as exc:
            raise ModelDeskError(f"{self.path.name} is not a readable {self.format.upper()} file ({exc}).") from None
        return _unique_names([h.strip() for h in header])

    def _json_columns(self) -> list[str]:
        """Every key of every object, in order of appearance (one pass; the rows are read in a second)."""
        columns: dict[str, None] = {}
        for line in self._lines():
            obj = _json_object(line) if line.strip() else None
            if obj is not None:
                columns.update(dict.fromkeys(map(str, obj)))
        self._text.seek(0)
        self.line = 0
        return list(columns)

    def _iter_rows(self) -> Iterator[dict[str, str]]:
        if self.format == "jsonl":
            for line in self._lines():
                if not line.strip():
                    continue
                obj = _json_object(line)
                if obj is None:
                    self.malformed += 1
                    continue
                yield {str(k): _cell(v) for k, v in obj.items()}
            return
        kind = self.format.upper()
        try:
            for cells in self._reader:
                if any(c.strip() for c in cells):
                    yield {col: (cells[i] if i < len(cells) else "") for i, col in enumerate(self.columns)}
        except csv.Error as exc:
            raise ModelDeskError(f"{self.path.name} is not a readable {kind} file at line {self._reader.line_num} "
                                 f"({exc}).") from None

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> "TableReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_table(path: os.PathLike | str) -> Table:
    """Read a whole CSV, TSV or JSON Lines file; raise ModelDeskError if it is missing, empty or unreadable."""
    with TableReader(path) as reader:
        rows = [row for chunk in reader.chunks() for row in chunk]
        return Table(path=reader.path, columns=reader.columns, rows=rows, encoding=reader.encoding,
                     format=reader.format, malformed=reader.malformed)


def _filled(table: Table, column: str) -> list[str]:
    return [v for v in (r.get(column, "").strip() for r in table.rows) if v]


def _by_name(columns: list[str], names: tuple[str, ...]) -> Optional[str]:
    lowered = {c.lower().strip(): c for c in columns}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def _label_like(table: Table, column: str) -> bool:
    values = _filled(table, column)
    distinct = len(set(values))
    return bool(values) and distinct <= MAX_LABELS and distinct <= max(2, MAX_LABEL_SHARE * len(values))


def _mean_length(table: Table, column: str) -> float:
    values = _filled(table, column)
    return sum(len(v) for v in values) / len(values) if values else 0.0


def detect_columns(table: Table) -> tuple[Optional[str], Optional[str]]:
    """Guess (text column, label column); either is None when no column fits.

    Names win (``text``, ``label``, ``category``…); otherwise the text column is
    the one with the longest values and the label column the one with few distinct values.
    """
    columns = [c for c in table.columns if _filled(table, c)]
    text = _by_name(columns, TEXT_NAMES)
    label = _by_name([c for c in columns if c != text], LABEL_NAMES)
    if label is not None and not _label_like(table, label):
        label = None
    if text is None:
        candidates = [c for c in columns if c != label]
        text = max(candidates, key=lambda c: _mean_length(table, c), default=None)
    if label is None:
        candidates = [c for c in columns if c != text and _label_like(table, c)]
        label = min(candidates, key=lambda c: len(set(_filled(table, c))), default=None)
    return text, label


def labelled_examples(table: Table, text_column: Optional[str] = None,
                      label_column: Optional[str] = None) -> Examples:
    """The table's (text, label) pairs, skipping and counting rows where either is empty.

    Columns not given are detected; a named column missing from the file, or no
    usable column at all, raises ModelDeskError.
    """
    guessed_text, guessed_label = detect_columns(table)
    text_column = text_column or guessed_text
    label_column = label_column or guessed_label
    name = table.path.name
    for role, column in (("text", text_column), ("label", label_column)):
        if column is None:
            raise ModelDeskError(f"{name} has no usable {role} column; choose one "
                                 f"(columns: {', '.join(table.columns)}).")
        if column not in table.columns:
            raise ModelDeskError(f"{name} has no column named '{column}' (columns: {', '.join(table.columns)}).")
    if text_column == label_column:
        raise ModelDeskError(f"The text and label columns of {name} must differ (both are '{text_column}').")
    texts: list[str] = []
    labels: list[str] = []
    skipped = 0
    for row in table.rows:
        text, label = row.get(text_column, "").strip(), row.get(label_column, "").strip()
        if not text or not label:
            skipped += 1
            continue
        texts.append(text)
        labels.append(label)
    if not texts:
        raise ModelDeskError(f"{name} has no row with both a text ('{text_column}') and a label ('{label_column}').")
    notes = []
    if skipped:
        notes.append(f"{skipped} row{'s' if skipped != 1 else ''} of {name} with an empty text or label "
                     f"{'were' if skipped != 1 else 'was'} skipped.")
    if table.malformed:
        notes.append(f"{table.malformed} line{'s' if table.malformed != 1 else ''} of {name} "
                     f"{'were' if table.malformed != 1 else 'was'} not valid JSON and skipped.")
    return Examples(texts=texts, labels=labels, text_column=text_column, label_column=label_column,
                    skipped=skipped + table.malformed, notes=notes)


def read_examples(path: os.PathLike | str, text_column: Optional[str] = None,
                  label_column: Optional[str] = None) -> Examples:
    """``labelled_examples(read_table(path), ...)`` in one call."""
    return labelled_examples(read_table(path), text_column, label_column)


def describe_labelled(path: os.PathLike | str) -> dict:
    """What the GUI shows when a labelled file is picked: its columns, the detected text and label
    columns, the row and label counts, its format and encoding (read in the engine, never on the
    GUI thread)."""
    table = read_table(path)
    text, label = detect_columns(table)
    labels = len({r.get(label, "").strip() for r in table.rows} - {""}) if label else 0
    return {"columns": list(table.columns), "text_column": text, "label_column": label, "rows": len(table.rows),
            "labels": labels, "format": table.format, "encoding": table.encoding}
