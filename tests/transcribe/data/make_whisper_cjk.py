"""Writes whisper_cjk.json: Chinese and Japanese sentences as the multilingual Whisper tokenizer encodes them.

Not a test: run once with the reference tokenizer at hand (openai-whisper's sdist ships
``whisper/assets/multilingual.tiktoken``; tiktoken reads it):
    python make_whisper_cjk.py PATH/TO/openai_whisper-*/whisper
The JSON holds each text's token ids and the bytes of every id used, so the tests decode the
real token sequences without the 800 kB vocabulary.
"""
import base64
import json
import sys
from pathlib import Path

TEXTS = {
    "zh": "今天我们来讲一下如何用大模型做文本分类。首先，准备一份带标签的数据集，然后在验证集上评估模型的准确率。"
          "如果效果不好，可以调整学习率，或者换一个更大的预训练模型再试一次。",
    "ja": "今日は大規模言語モデルを使ったテキスト分類について説明します。まず、ラベル付きのデータセットを用意して、"
          "検証データで精度を確認しましょう。うまくいかない場合は、学習率を調整してください。",
}

if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])
    import tokenizer  # the reference package's tokenizer module (needs only tiktoken)

    encoding = tokenizer.get_encoding("multilingual")
    out = {"source": "openai-whisper 20250625, whisper/assets/multilingual.tiktoken", "texts": {}, "bytes": {}}
    for language, text in TEXTS.items():
        ids = encoding.encode(" " + text)   # Whisper's segments start with a space
        out["texts"][language] = {"text": text, "tokens": ids}
        for token in ids:
            out["bytes"][str(token)] = base64.b64encode(encoding.decode_single_token_bytes(token)).decode()
    Path(__file__).with_name("whisper_cjk.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n",
                                                            encoding="utf-8")
