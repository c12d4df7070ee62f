"""Chat through the tokenizer's template, stop strings, saved conversations, GGUF files."""
from __future__ import annotations

import json

import pytest

from models.core import store
from models.core.events import Data, Log, ModelDeskError, Partial
from models.generate import chat, generator, prompts
from models.generate.chat import Conversation
from models.generate.generator import generate
from models.generate.sampling import PRESETS, Sampling, format_stop, parse_stop
from models.generate.text_stream import StopFilter

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def first_step_ids(lm, monkeypatch) -> list[list[int]]:
    """Records the ids each decoding's first step feeds the network (the prompt it sees)."""
    seen: list[list[int]] = []
    start = lm.net.start

    def recording_start():
        step = start()
        calls = {"n": 0}

        def wrapped(ids):
            if calls["n"] == 0:
                seen.append(list(ids))
            calls["n"] += 1
            return step(ids)

        return wrapped

    monkeypatch.setattr(lm.net, "start", recording_start)
    return seen


def test_the_model_sees_its_chat_template(tiny_chat_gpt2, monkeypatch):
    lm = generator.load(tiny_chat_gpt2)
    assert lm.chat
    messages = Conversation(system="be brief", messages=[{"role": "user", "content": "hello world"},
                                                         {"role": "assistant", "content": "the cat"},
                                                         {"role": "user", "content": "a dog?"}]).for_model()
    seen = first_step_ids(lm, monkeypatch)
    generate(tiny_chat_gpt2, messages=messages, max_new_tokens=3, temperature=0)
    expected = lm.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
    expected = expected["input_ids"] if isinstance(expected, dict) or hasattr(expected, "keys") else expected
    assert seen == [list(expected)]
    text = lm.tokenizer.decode(seen[0])
    assert text.startswith("<|system|>be brief\n<|user|>hello world\n") and text.endswith("<|assistant|>")


def test_a_model_without_a_template_cannot_chat(tiny_gpt2):
    assert generator.describe(tiny_gpt2)["chat"] is False
    with pytest.raises(ModelDeskError, match="has no chat template"):
        generate(tiny_gpt2, messages=[{"role": "user", "content": "hi"}], max_new_tokens=2)
    with pytest.raises(ModelDeskError, match="must be the user's"):
        generate(tiny_gpt2, messages=[{"role": "assistant", "content": "hi"}], max_new_tokens=2)


def test_a_long_conversation_drops_its_oldest_turns_with_a_notice(tiny_chat_gpt2, monkeypatch):
    lm = generator.load(tiny_chat_gpt2)
    long_turn = "the film was good and the actors were great " * 3
    conversation = Conversation(system="be brief")
    for i in range(6):
        conversation.add("user", f"{i} {long_turn}")
        conversation.add("assistant", "the cat sat")
    conversation.add("user", "last question")
    assert len(prompts.chat(lm.tokenizer, conversation.for_model(), None, 0).ids) > lm.max_positions
    seen = first_step_ids(lm, monkeypatch)
    events = []
    generate(tiny_chat_gpt2, messages=conversation.for_model(), max_new_tokens=8, temperature=0,
             progress=events.append)
    prompt = lm.tokenizer.decode(seen[0])
    assert prompt.startswith("<|system|>be brief\n<|user|>") and prompt.endswith("last question\n<|assistant|>")
    assert "0 the film" not in prompt   # the oldest turn went first
    assert len(seen[0]) + 8 <= lm.max_positions
    notes = [e.message for e in events if isinstance(e, Log)]
    assert any("oldest" in n and "left out" in n for n in notes), notes


def test_a_stop_string_ends_the_text_before_it(tiny_gpt2):
    free = generate(tiny_gpt2, "the film", max_new_tokens=30, temperature=0)
    stop = free[len(free) // 2: len(free) // 2 + 2]
    cut = free.index(stop)
    assert 0 < cut < len(free) - 2
    events = []
    text = generate(tiny_gpt2, "the film", max_new_tokens=30, temperature=0, stop=["zzzz-never", stop],
                    progress=events.append)
    assert text == free[:cut]
    assert "".join(e.text for e in events if isinstance(e, Partial)) == text   # nothing of the stop string shown
    assert [e.payload["ended"] for e in events if isinstance(e, Data) and e.kind == "generation"] == ["stop"]


def test_stop_filter_holds_back_what_may_start_a_stop_string():
    stops = StopFilter(["</s>", "User:"])
    assert stops.push("Hello <") == "Hello "
    assert stops.push("/b> ok ") == "</b> ok "
    assert stops.push("Us") == ""
    assert stops.push("er: next") == "" and stops.hit
    other = StopFilter(["\n\n"])
    assert other.push("a\n") == "a" and other.push("b") == "\nb" and other.flush() == ""


def test_seeds_and_readouts(tiny_gpt2):
    settings = dict(max_new_tokens=12, temperature=1.0, top_k=0, top_p=1.0, min_p=0.01, repetition_penalty=1.2)
    first = generate(tiny_gpt2, "hello", seed=11, **settings)
    assert generate(tiny_gpt2, "hello", seed=11, **settings) == first
    assert generate(tiny_gpt2, "hello", seed=12, **settings) != first
    events = []
    generate(tiny_gpt2, "hello", seed=11, progress=events.append, **settings)
    readouts = [e.message for e in events if getattr(e, "message", "").startswith("2 tokens")]
    assert readouts and "first token" in readouts[0] and readouts[0].endswith("tokens/s")
    (stats,) = [e.payload for e in events if isinstance(e, Data) and e.kind == "generation"]
    assert stats["tokens"] == 12 and stats["first_token_s"] > 0 and stats["tokens_per_s"] > 0


def test_a_saved_conversation_reloads_and_continues(tiny_chat_gpt2, tmp_path):
    sampling = Sampling(temperature=0.0, max_new_tokens=6, stop=("\n\n",), repetition_penalty=1.1)
    conversation = Conversation(system="be brief", sampling=sampling, model=str(tiny_chat_gpt2))
    conversation.add("user", "hello world")
    conversation.add("assistant", generate(tiny_chat_gpt2, messages=conversation.for_model(),
                                           **sampling.to_dict()))
    conversation.add("user", "and then?")
    path = tmp_path / "talk.json"
    chat.save(conversation.to_dict(), path)
    assert json.loads(path.read_text(encoding="utf-8"))["sampling"]["stop"] == ["\n\n"]
    again = Conversation.from_dict(chat.load(path))
    assert again.messages == conversation.messages and again.system == "be brief"
    assert again.sampling == sampling and again.model == str(tiny_chat_gpt2)
    reply = generate(again.model, messages=again.for_model(), **again.sampling.to_dict())
    assert reply == generate(tiny_chat_gpt2, messages=conversation.for_model(), **sampling.to_dict())
    again.add("assistant", reply)
    assert again.without_last_reply().messages == conversation.messages


@pytest.mark.parametrize("content, message", [("{", "is not JSON"), ('{"format": "x"}', "not a ModelDesk"),
                                              ('{"format": "modeldesk-conversation", "messages": [{"role": "x", '
                                               '"content": "a"}]}', "not 'x'")])
def test_bad_conversation_files(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ModelDeskError, match=message):
        chat.load(path)


def test_presets_and_stop_strings_text():
    assert Sampling().with_preset("precise").temperature == 0.0
    creative = Sampling(seed=4, stop=("x",)).with_preset("creative")
    assert creative.temperature == PRESETS["creative"]["temperature"] and creative.seed == 4 and creative.stop == ("x",)
    assert parse_stop("User:\n\\n\\n\n") == ("User:", "\n\n")
    assert parse_stop(format_stop(("a\tb", "\n"))) == ("a\tb", "\n")
    with pytest.raises(ModelDeskError, match="Min-p"):
        Sampling(min_p=1.0).check()
    with pytest.raises(ModelDeskError, match="repetition penalty"):
        Sampling(repetition_penalty=0).check()


def test_a_gguf_file_generates_the_same_greedy_tokens(tiny_gpt2, tiny_gpt2_gguf, monkeypatch):
    info = store.inspect(tiny_gpt2_gguf)
    assert (info.task, info.weights, info.name) == ("generate", "gguf", "tiny-gpt2-f32")
    original, from_gguf = generator.load(tiny_gpt2), generator.load(tiny_gpt2_gguf)
    assert from_gguf.max_positions == original.max_positions and from_gguf.stop_ids == original.stop_ids
    ids = original.tokenizer("the film")["input_ids"]
    assert from_gguf.tokenizer("the film")["input_ids"] == ids
    assert generator.greedy_tokens(from_gguf.net.start, ids, 24) == generator.greedy_tokens(original.net.start, ids, 24)
    assert generate(tiny_gpt2_gguf, "the film", max_new_tokens=24, temperature=0) == \
        generate(tiny_gpt2, "the film", max_new_tokens=24, temperature=0)


def test_gguf_errors(tmp_path, tiny_gpt2_gguf):
    import gguf

    other = tmp_path / "encoder.gguf"
    writer = gguf.GGUFWriter(str(other), "bert")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(ModelDeskError, match="'bert' architecture.*load for llama, mistral"):
        generate(other, "x")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a gguf file at all")
    with pytest.raises(ModelDeskError, match="not a readable GGUF file"):
        generate(broken, "x")
    with pytest.raises(ModelDeskError, match="runs on PyTorch only"):
        generate(tiny_gpt2_gguf, "x", backend="onnx-int8")
