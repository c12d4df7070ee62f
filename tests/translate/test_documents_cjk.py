"""Chinese documents through translation: punctuation kept, no spaces between Chinese characters or sentences."""
from __future__ import annotations

import pytest

from models.translate import translator
from models.translate.documents import balance, parse
from models.translate.translator import translate_file
from tests.translate.test_documents import FAST, cues

pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")]
ZH_SRT = ("1\n00:00:01,000 --> 00:00:03,500\n今天我们来讲一下，\n如何用大模型做文本分类。\n\n"
          "2\n00:00:04,000 --> 00:00:06,000\n<i>首先，准备数据集。</i>\n")
ZH_MD = "# 第一章：数据准备\n\n- 准备一份带标签的数据集；\n- 在验证集上评估。\n\n```\nprint(\"你好\")\n```\n"


def test_chinese_cue_lines_join_without_a_space_and_translations_wrap_by_character():
    doc = parse(ZH_SRT, "srt")
    assert doc.units == ["今天我们来讲一下，如何用大模型做文本分类。", "首先，准备数据集。"]
    assert doc.render(list(doc.units)).split("\n")[2:4] == ["今天我们来讲一下，如何", "用大模型做文本分类。"]   # by width
    # the translator joins a unit's sentences with a space: none is left between Chinese sentences
    english = parse("1\n00:00:01,000 --> 00:00:03,500\nWe start today.\nThen we train the model.\n", "srt")
    joined = translator.split_sentences("我们今天开始。然后训练模型。")
    rendered = english.render([" ".join(joined)])
    assert rendered.split("\n")[2:4] == ["我们今天开始。", "然后训练模型。"]
    assert balance("使用 GPU 训练模型，然后在验证集上评估准确率。", 2) == ["使用 GPU 训练模型，然后", "在验证集上评估准确率。"]
    md = parse(ZH_MD, "md")
    assert md.units == ["第一章：数据准备", "准备一份带标签的数据集；", "在验证集上评估。"]
    assert md.render(["Chapter one", "标签 数据集。 第二句。", "评估"]).split("\n")[:4] == [
        "# Chapter one", "", "- 标签数据集。第二句。", "- 评估"]


@pytest.mark.parametrize("suffix,text", [(".srt", ZH_SRT), (".md", ZH_MD), (".txt", "第一行，有逗号。\n\n  第二行！\n")])
def test_a_chinese_file_translates_with_its_structure_kept(tiny_marian, tmp_path, suffix, text):
    source, out = tmp_path / f"zh{suffix}", tmp_path / f"en{suffix}"
    source.write_text(text, encoding="utf-8")
    result = translate_file(tiny_marian, source, out, **FAST)
    written = out.read_text(encoding="utf-8")
    assert result["units"] == len(parse(text, suffix.lstrip(".")).units) > 0
    if suffix == ".srt":
        assert [(n, t) for n, t, _ in cues(written)] == [(n, t) for n, t, _ in cues(text)]
        assert "<i>" in written and "</i>" in written
    else:
        assert written.count("\n") == text.count("\n") and written.startswith("# " if suffix == ".md" else "")
    if suffix == ".md":
        assert 'print("你好")' in written                                   # code kept byte for byte
