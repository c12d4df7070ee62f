"""The subtitle editor on Chinese cues: shown, edited, split and merged without spaces; saved wrapped."""
from __future__ import annotations

import srt
from PySide6.QtCore import Qt

from gui.widgets.transcript_editor import TEXT, TranscriptEditor
from models.core.scripts import display_width
from models.transcribe.cues import CueRules, build_cues
from models.transcribe.transcript import Segment


def test_a_chinese_cue_splits_between_characters_and_merges_back(qtbot, tmp_path) -> None:
    editor = TranscriptEditor(lambda: CueRules())
    qtbot.addWidget(editor)
    cues = build_cues([Segment(0.0, 4.0, "今天我们来讲一下，如何用大模型做文本分类。"),
                       Segment(5.5, 7.0, "首先准备数据集。")])
    editor.load(cues)
    assert editor.table.item(0, TEXT).text() == "今天我们来讲一下，如何用大模型做文本分类。"   # lines joined, no space
    editor.table.selectRow(0)
    qtbot.mouseClick(editor.split_button, Qt.MouseButton.LeftButton)
    first, second = editor.cues[0], editor.cues[1]
    assert first.text + second.text == "今天我们来讲一下，如何用大模型做文本分类。"
    assert abs(len(first.text) - len(second.text)) <= 2 and " " not in first.text + second.text
    assert first.end == second.start and 0.0 < first.end < cues[0].end
    editor.table.selectRow(1)
    qtbot.mouseClick(editor.merge_button, Qt.MouseButton.LeftButton)
    assert editor.cues[1].text == second.text + "首先准备数据集。"
    editor.table.item(0, TEXT).setText("今天 我们来讲。")                   # a typed space between characters
    assert editor.cues[0].text == "今天我们来讲。"
    target = tmp_path / "zh.srt"
    editor.save(str(target))
    parsed = list(srt.parse(target.read_text(encoding="utf-8")))
    assert [p.content.replace("\n", "") for p in parsed] == [c.text for c in editor.cues]
    assert all(display_width(line) <= 32 for p in parsed for line in p.content.split("\n"))
    assert parsed[1].content.count("\n") == 1                               # 19 characters: two lines
