"""Chinese labelled files: GBK / GB18030 CSVs are detected and read, and one fine-tunes a tiny BERT whose
character-level WordPiece vocabulary is built here, with its Chinese labels intact."""
from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from models.classify.tabular import describe_labelled, locale_codec, read_examples, read_table
from models.classify.training import train_classifier
from models.core import store

pytestmark = pytest.mark.usefixtures("one_torch_thread")
TOPICS = {
    "体育": ("进球", "比赛", "球队", "教练", "联赛", "前锋", "裁判", "球场"),
    "烹饪": ("菜谱", "烤箱", "面粉", "大蒜", "小火慢炖", "酱汁", "烘焙", "厨房"),
    "天气": ("下雨", "暴风", "晴朗", "预报", "大风", "多云", "下雪", "打雷"),
}
FILLER = ("今天", "我们", "看到", "非常", "然后", "真的", "之后", "一些", "，", "。", "！")


def rows(per_class: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for label, words in TOPICS.items():
        for _ in range(per_class):
            parts = [rng.choice(FILLER) for _ in range(rng.randint(2, 6))]
            for _ in range(rng.randint(1, 3)):
                parts.insert(rng.randrange(len(parts) + 1), rng.choice(words))
            out.append(("".join(parts) + "，还有逗号。", label))   # a comma inside the cell: quoted by csv
    rng.shuffle(out)
    return out


def write_csv(path: Path, data: list[tuple[str, str]], encoding: str) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["编号", "文本", "标签"])
    writer.writerows((k, text, label) for k, (text, label) in enumerate(data))
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def chinese_encoder(folder: Path) -> Path:
    """A 32-wide random BERT with a character-level WordPiece vocabulary of every character used here."""
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = sorted({c for words in (*TOPICS.values(), FILLER, ("还有逗号",)) for w in words for c in w} | set("，。！"))
    vocab = {t: i for i, t in enumerate(specials + chars)}
    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(handle_chinese_chars=True)   # a space around every Han character
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.post_processor = processors.BertProcessing(("[SEP]", vocab["[SEP]"]), ("[CLS]", vocab["[CLS]"]))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                        cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64, hidden_dropout_prob=0.0,
                        attention_probs_dropout_prob=0.0)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    assert tokenizer.tokenize("进球，好！") == ["进", "球", "，", "[UNK]", "！"]   # one token a character
    return folder


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_a_gbk_chinese_csv_is_detected_and_read_with_its_labels(tmp_path, encoding):
    data = rows(6, seed=1)
    if encoding == "gb18030":   # characters GBK cannot hold (four-byte GB18030 sequences)
        data[0] = ("𠮷野家的菜谱，很好吃。", "烹饪")
    path = write_csv(tmp_path / f"{encoding}.csv", data, encoding)
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    info = describe_labelled(path)
    assert info["encoding"] == "gb18030" and info["text_column"] == "文本" and info["label_column"] == "标签"
    examples = read_examples(path)
    assert list(zip(examples.texts, examples.labels)) == data


def test_a_short_gbk_file_follows_a_chinese_locale(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "short.csv", [("好", "正面"), ("差", "负面")], "gbk")
    for variable in ("LC_ALL", "LC_CTYPE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert locale_codec() == "gb18030"
    table = read_table(path)
    assert table.encoding == "gb18030" and [r["标签"] for r in table.rows] == ["正面", "负面"]


def test_a_gbk_chinese_csv_fine_tunes_and_classifies(tmp_path, monkeypatch):
    from models.classify.classifier import Classifier

    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    encoder = chinese_encoder(tmp_path / "tiny-chinese-bert")
    path = write_csv(tmp_path / "train.csv", rows(16, seed=2), "gbk")
    result = train_classifier(model=str(encoder), train=str(path), out_name="中文分类", epochs=10, lr=1e-2,
                              batch_size=8, patience=0, device="cpu")
    assert result.status == "completed" and sorted(result.labels) == sorted(TOPICS)
    info = store.open_model(Path(result.model_path), task="classify")
    assert sorted(info.manifest["labels"]) == sorted(TOPICS)
    held = rows(5, seed=3)   # held-out rows, not seen in training
    clf = Classifier.load(result.model_path, device="cpu")
    predicted = clf.predict([text for text, _ in held])
    labels = [p.label for p in predicted]
    assert set(labels) <= set(TOPICS)
    accuracy = sum(p == want for p, (_, want) in zip(labels, held)) / len(held)
    assert accuracy >= 0.8, accuracy
