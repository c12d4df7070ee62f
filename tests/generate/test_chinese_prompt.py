"""Generation from a Chinese prompt and a Chinese chat, with a byte-level BPE trained on Chinese text here:
every streamed piece is whole characters, the pieces make the answer, and a Chinese stop string ends it."""
from __future__ import annotations

from pathlib import Path

import pytest

from models.core.events import Partial
from models.generate.generator import generate
from tests.fixtures.text_models import CHAT_TEMPLATE

pytestmark = pytest.mark.usefixtures("one_torch_thread")
CORPUS = ["今天天气很好，我们去公园散步。", "明天可能会下雨，记得带伞。", "这部电影非常好看，演员的表演很自然。",
          "学习率太大时，训练的损失会震荡。", "请把这段话翻译成英文。", "模型在验证集上的准确率提高了。"] * 8

MESSAGES = [{"role": "system", "content": "你是一个有帮助的助手。"}, {"role": "user", "content": "明天天气怎么样？"}]


@pytest.fixture(scope="module")
def chinese_gpt2(tmp_path_factory) -> Path:
    """A one-layer GPT-2 whose byte-level BPE is trained on Chinese sentences (a character is 3 bytes, and a
    token may hold part of one) and whose tokenizer has a chat template."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("zh-gpt2")
    eos = "<|endoftext|>"
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(CORPUS, trainers.BpeTrainer(vocab_size=400, special_tokens=[eos], show_progress=False,
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=eos, bos_token=eos, unk_token=eos,
                                        model_max_length=128)
    tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=tok.get_vocab_size(), n_embd=32, n_layer=1, n_head=2, n_positions=128,
                        bos_token_id=tok.token_to_id(eos), eos_token_id=tok.token_to_id(eos))
    model = GPT2LMHeadModel(config)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # the module's fixture runs before the per-test one_torch_thread
    ids = torch.tensor([tokenizer("".join(CORPUS[:6]))["input_ids"][:120]])
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-2)
    for _ in range(40):   # learn the corpus a little, so greedy decoding continues it in Chinese
        loss = model(ids, labels=ids).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    torch.set_num_threads(threads)
    model.eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    assert any(len(tok.decode([i])) == 0 or "\ufffd" in tok.decode([i]) for i in range(tok.get_vocab_size()))
    return folder


def test_a_chinese_prompt_streams_whole_characters(chinese_gpt2):
    events: list = []
    text = generate(chinese_gpt2, "今天天气", max_new_tokens=24, temperature=0, progress=events.append)
    pieces = [e.text for e in events if isinstance(e, Partial)]
    assert text and "".join(pieces) == text
    assert not any("\ufffd" in piece for piece in pieces)
    assert all("\u4e00" <= c <= "\u9fff" or c in "，。" for c in text), text   # Chinese, as it learnt
    assert text.startswith("很好")                                              # it continues the sentence


def test_a_chinese_chat_and_a_chinese_stop_string(chinese_gpt2):
    events: list = []
    answer = generate(chinese_gpt2, messages=MESSAGES, max_new_tokens=8, temperature=0, progress=events.append)
    assert answer == "".join(e.text for e in events if isinstance(e, Partial))   # the chat template took it
    stopped = generate(chinese_gpt2, "今天天气", max_new_tokens=24, temperature=0, stop=["，"])
    full = generate(chinese_gpt2, "今天天气", max_new_tokens=24, temperature=0)
    assert "，" in full and stopped == full[:full.index("，")]
