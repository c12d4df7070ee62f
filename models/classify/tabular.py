"""Labelled text files: CSV, TSV and JSON Lines, in whatever encoding they were saved.

Users bring spreadsheets exported from anywhere, so this module is forgiving about
the shape (delimiter, encoding, column names) and strict about the meaning: a file
with no usable text or label column is refused with one sentence, and rows with an
empty text or label are skipped and counted rather than silently trained on.
No torch, no Qt: the GUI can call it to fill its column pickers.
"""
from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from models.core.events import ModelDeskError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
TEXT_NAMES = ("text", "sentence", "content", "body", "review", "document", "comment", "message", "utterance",
              "title", "question", "tweet", "description")
LABEL_NAMES = ("label", "labels", "class", "category", "target", "topic", "sentiment", "intent", "y", "tag")
#: a label column has at most this many distinct values, or at most this share of the rows
MAX_LABELS = 200
MAX_LABEL_SHARE = 0.5
#: the legacy encoding preferred when charset-normalizer's guesses are nearly tied (percent of "chaos")
WESTERN = "cp1252"
NEAR_TIE = 10.0


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


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was in (UTF-8 first, then charset-normalizer's guess)."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None or best.encoding is None:
        raise ModelDeskError(f"The encoding of {path.name} could not be detected; save it as UTF-8 and try again.")
    # Short Western European samples often score a Baltic or Central European code page a little
    # better; spreadsheets export Windows-1252 far more often, so it wins a near tie.
    for match in matches:
        if WESTERN in match.could_be_from_charset and match.percent_chaos <= best.percent_chaos + NEAR_TIE:
            return data.decode(WESTERN), WESTERN
    return str(best), best.encoding


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


def _read_delimited(path: Path, text: str, delimiter: str) -> tuple[list[str], list[dict[str, str]]]:
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))  # one cell may hold a whole long text
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    kind = "TSV" if delimiter == "\t" else "CSV"
    try:
        header = next(reader)
    except StopIteration:
        return [], []
    except csv.Error as exc:
        raise ModelDeskError(f"{path.name} is not a readable {kind} file ({exc}).") from None
    columns = _unique_names([h.strip() for h in header])
    rows: list[dict[str, str]] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            rows.append({col: (cells[i] if i < len(cells) else "") for i, col in enumerate(columns)})
    except csv.Error as exc:
        raise ModelDeskError(f"{path.name} is not a readable {kind} file at line {reader.line_num} ({exc}).") from None
    return columns, rows


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


def _read_jsonl(text: str) -> tuple[list[str], list[dict[str, str]], int]:
    columns: list[str] = []
    rows: list[dict[str, str]] = []
    malformed = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            malformed += 1
            continue
        if not isinstance(obj, dict):
            malformed += 1
            continue
        for key in obj:
            if key not in columns:
                columns.append(str(key))
        rows.append({str(k): _cell(v) for k, v in obj.items()})
    return columns, rows, malformed


def read_table(path: os.PathLike | str) -> Table:
    """Read a CSV, TSV or JSON Lines file; raise ModelDeskError if it is missing, empty or unreadable."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ModelDeskError(f"The data file {path} does not exist." if not path.exists()
                             else f"{path} is a folder, not a data file.")
    data = path.read_bytes()
    if not data.strip():
        raise ModelDeskError(f"{path.name} is empty.")
    text, encoding = _decode(path, data)
    fmt = _sniff_format(path, text)
    malformed = 0
    if fmt == "jsonl":
        columns, rows, malformed = _read_jsonl(text)
        if not rows and malformed:
            raise ModelDeskError(f"{path.name} is not JSON Lines: no line holds a JSON object.")
    else:
        columns, rows = _read_delimited(path, text, "\t" if fmt == "tsv" else ",")
    if not rows:
        raise ModelDeskError(f"{path.name} has a header but no rows.")
    return Table(path=path, columns=columns, rows=rows, encoding=encoding, format=fmt, malformed=malformed)


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
