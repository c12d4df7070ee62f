"""Reading labelled files: formats, encodings, column detection, skipped rows and clear refusals."""
from __future__ import annotations

import pytest

from models.core.events import ModelDeskError
from models.classify.tabular import detect_columns, labelled_examples, read_examples, read_table
from tests.fixtures.training_data import make_rows


@pytest.mark.parametrize("name", ["data.csv", "data.tsv", "data.jsonl"])
def test_each_format_reads_the_same_rows(labelled_file, name):
    rows = make_rows(4, seed=5)
    table = read_table(labelled_file(name, rows))
    assert table.format == name.rsplit(".", 1)[1]
    assert table.columns == ["text", "label"]
    assert [(r["text"], r["label"]) for r in table.rows] == [(r["text"], r["label"]) for r in rows]


def test_quoted_commas_newlines_and_unknown_suffix(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text('label,text\npos,"good, really good"\nneg,"two\nlines"\n', encoding="utf-8")
    examples = read_examples(path)
    assert examples.texts == ["good, really good", "two\nlines"]
    assert examples.labels == ["pos", "neg"]


def test_columns_are_detected_by_name_and_by_content(labelled_file):
    named = read_table(labelled_file("named.csv", [{"id": str(i), "category": c, "body": f"text number {i} here"}
                                                   for i, c in enumerate("abab")]))
    assert detect_columns(named) == ("body", "category")
    rows = [{"n": str(i), "words": " ".join(["word"] * (i + 5)), "y2": "xy"[i % 2]} for i in range(10)]
    unnamed = read_table(labelled_file("unnamed.csv", rows))
    assert detect_columns(unnamed) == ("words", "y2")  # longest values; few distinct values


def test_user_choice_overrides_detection(labelled_file):
    rows = [{"text": f"t{i}", "label": "ab"[i % 2], "other": "xy"[i // 2 % 2]} for i in range(8)]
    examples = labelled_examples(read_table(labelled_file("c.csv", rows)), label_column="other")
    assert examples.label_column == "other"
    assert examples.labels == [r["other"] for r in rows]


def test_empty_texts_and_labels_are_skipped_and_counted(labelled_file):
    rows = make_rows(3, seed=1)
    rows[0]["text"] = "   "
    rows[1]["label"] = ""
    examples = read_examples(labelled_file("gaps.csv", rows))
    assert len(examples.texts) == len(rows) - 2
    assert examples.skipped == 2
    assert "2 rows of gaps.csv with an empty text or label were skipped." in examples.notes


def test_broken_json_lines_are_counted(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"text": "one", "label": 1}\nnot json\n[1, 2]\n{"text": "two", "label": 2}\n', encoding="utf-8")
    examples = read_examples(path)
    assert examples.labels == ["1", "2"]
    assert examples.skipped == 2
    assert any("2 lines of mixed.jsonl were not valid JSON" in n for n in examples.notes)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "cp1252"])
def test_non_utf8_files_are_decoded(labelled_file, encoding):
    rows = [{"text": f"Le café était très agréable, déjà prêt à {i} heures, naïve élève", "label": "fr"}
            for i in range(6)] + [{"text": f"Über die Brücke gehen {i} Mädchen schön", "label": "de"} for i in range(6)]
    table = read_table(labelled_file(f"{encoding}.csv", rows, encoding=encoding))
    assert table.encoding.replace("_", "-").lower() != "utf-8"
    assert [r["text"] for r in table.rows] == [r["text"] for r in rows]


def test_undetectable_encoding_is_a_clear_error(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ModelDeskError, match="encoding of binary.csv could not be detected"):
        read_table(path)


@pytest.mark.parametrize("content, message", [
    ("", "empty"),
    ("   \n\n", "empty"),
    ("text,label\n", "header but no rows"),
    ("not json\nstill not\n", "no line holds a JSON object"),
])
def test_unusable_files_are_refused(tmp_path, content, message):
    path = tmp_path / ("bad.jsonl" if "json" in content else "bad.csv")
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ModelDeskError, match=message):
        read_table(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ModelDeskError, match="does not exist"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(ModelDeskError, match="is a folder"):
        read_table(tmp_path)


def test_no_usable_label_or_text_column(labelled_file):
    unique = [{"text": f"sentence {i}", "label": f"id-{i}"} for i in range(10)]  # every label differs
    with pytest.raises(ModelDeskError, match="no usable label column"):
        read_examples(labelled_file("unique.csv", unique))
    with pytest.raises(ModelDeskError, match="no column named 'body'"):
        read_examples(labelled_file("named.csv"), text_column="body")
    blank = [{"text": "", "label": "a"}, {"text": "x", "label": ""}]
    with pytest.raises(ModelDeskError, match="no row with both a text"):
        read_examples(labelled_file("blank.csv", blank), text_column="text", label_column="label")


def test_central_european_text_is_not_forced_to_western(labelled_file):
    rows = [{"text": f"Zażółć gęślą jaźń, łódka płynie po jeziorze {i}", "label": "pl"} for i in range(6)]
    table = read_table(labelled_file("polish.csv", rows, encoding="cp1250"))
    assert [r["text"] for r in table.rows] == [r["text"] for r in rows]
