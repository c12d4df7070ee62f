"""Context policies, the meter's figures, broken chat templates and "Show prompt", in the models and the CLI."""
from __future__ import annotations

import io
import json
import shutil

import pytest

from models.core.events import Data, Log
from models.generate import generator, prompts
from models.generate.chat import Conversation
from models.generate.generator import context_usage, generate
from tests.cli.test_cli_text import run_cli
from tests.generate.test_chat import first_step_ids

pytestmark = pytest.mark.usefixtures("one_torch_thread")
LONG_TURN = "the film was good and the actors were great " * 3


def long_conversation() -> Conversation:
    conversation = Conversation(system="be brief")
    for i in range(6):
        conversation.add("user", f"{i} {LONG_TURN}")
        conversation.add("assistant", "the cat sat")
    conversation.add("user", "last question")
    return conversation


def test_drop_oldest_keeps_the_system_prompt_and_says_how_many_turns_went(tiny_chat_gpt2, monkeypatch):
    lm = generator.load(tiny_chat_gpt2)
    seen = first_step_ids(lm, monkeypatch)
    events = []
    generate(tiny_chat_gpt2, messages=long_conversation().for_model(), max_new_tokens=8, temperature=0,
             context_policy="drop-oldest", progress=events.append)
    (facts,) = [e.payload for e in events if isinstance(e, Data) and e.kind == "prompt"]
    assert facts["policy"] == "drop-oldest" and facts["dropped_turns"] >= 2 and facts["dropped_turns"] % 2 == 0
    assert facts["text"] == lm.tokenizer.decode(seen[0], skip_special_tokens=False)   # exactly what it received
    assert facts["text"].startswith("<|system|>be brief\n<|user|>") and "0 the film" not in facts["text"]
    assert facts["tokens"] == len(seen[0]) and facts["context"] == lm.max_positions
    notes = [e.message for e in events if isinstance(e, Log)]
    assert any(f"oldest {facts['dropped_turns']} turns were left out" in n for n in notes), notes


def test_stop_policy_generates_nothing_and_says_why(tiny_chat_gpt2):
    events = []
    with pytest.raises(prompts.ContextFull, match="clear the conversation, or let the oldest turns be dropped"):
        generate(tiny_chat_gpt2, messages=long_conversation().for_model(), max_new_tokens=8,
                 context_policy="stop", progress=events.append)
    assert not any(isinstance(e, Data) for e in events)
    short = [{"role": "user", "content": "hello"}]
    assert generate(tiny_chat_gpt2, messages=short, max_new_tokens=4, temperature=0, context_policy="stop") == \
        generate(tiny_chat_gpt2, messages=short, max_new_tokens=4, temperature=0)


def test_the_meter_counts_the_draft_and_foresees_the_drop(tiny_chat_gpt2):
    short = [{"role": "user", "content": "hello"}]
    usage = context_usage(tiny_chat_gpt2, messages=short, max_new_tokens=8)
    lm = generator.load(tiny_chat_gpt2)
    assert usage["tokens"] == len(prompts.chat(lm.tokenizer, short, None, 0).ids) and usage["fits"]
    assert usage["context"] == lm.max_positions and usage["would_drop"] == 0
    longer = context_usage(tiny_chat_gpt2, messages=[{"role": "user", "content": "hello " + LONG_TURN}])
    assert longer["tokens"] > usage["tokens"]
    full = context_usage(tiny_chat_gpt2, messages=long_conversation().for_model(), max_new_tokens=8,
                         context_policy="stop")
    assert not full["fits"] and full["tokens"] > lm.max_positions and full["would_drop"] >= 2
    assert full["policy"] == "stop"
    assert context_usage(tiny_chat_gpt2, prompt="the film")["tokens"] == len(lm.tokenizer("the film")["input_ids"])


@pytest.fixture
def broken_template(tiny_chat_gpt2, tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(tiny_chat_gpt2, folder)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config["chat_template"] = "{% for m in messages %}{{ m['content'] | nosuchfilter }}{% endfor %}"
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    (folder / "chat_template.jinja").unlink(missing_ok=True)
    return folder


def test_a_broken_template_is_one_line_that_offers_plain_mode(broken_template):
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"}]
    with pytest.raises(prompts.TemplateFailed) as caught:
        generate(broken_template, messages=messages, max_new_tokens=2)
    message = str(caught.value)
    assert "\n" not in message and "nosuchfilter" in message and "plain mode" in message
    events = []
    reply = generate(broken_template, messages=messages, max_new_tokens=3, temperature=0,
                     chat_template="plain", progress=events.append)
    (facts,) = [e.payload for e in events if isinstance(e, Data) and e.kind == "prompt"]
    assert facts["text"] == "System: be brief\nUser: hello\nAssistant:" and isinstance(reply, str)


def test_cli_policies_json_and_show_prompt(capsys, monkeypatch, tiny_chat_gpt2, broken_template):
    turns = "".join(f"{i} {LONG_TURN}\n" for i in range(6)) + "last question\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(turns))
    code, out, err = run_cli(capsys, "generate", "--model", str(tiny_chat_gpt2), "--chat", "--system", "be brief",
                             "--temperature", "0", "--max-new-tokens", "4", "--json")
    assert code == 0, err
    saved = json.loads(out)
    assert saved["context"]["policy"] == "drop-oldest" and saved["context"]["dropped_turns"] >= 2
    assert len(saved["messages"]) == 14 and "left out" in err
    monkeypatch.setattr("sys.stdin", io.StringIO(turns))
    code, out, err = run_cli(capsys, "generate", "--model", str(tiny_chat_gpt2), "--chat", "--system", "be brief",
                             "--temperature", "0", "--max-new-tokens", "4", "--json", "--context-policy", "stop")
    assert code == 2 and err.count("\n") == 1 and "clear the conversation" in err
    kept = json.loads(out)   # the turns that fitted are not lost
    assert 2 <= len(kept["messages"]) < 14 and kept["messages"][-1]["role"] == "assistant"
    code, out, err = run_cli(capsys, "generate", "--model", str(tiny_chat_gpt2), "the film", "--temperature", "0",
                             "--max-new-tokens", "3", "--show-prompt", "--json")
    assert code == 0 and "--- prompt (" in err and "\nthe film\n---" in err
    tokens = len(generator.load(tiny_chat_gpt2).tokenizer("the film")["input_ids"])
    assert json.loads(out)["context"]["tokens"] == tokens
    monkeypatch.setattr("sys.stdin", io.StringIO("hello\n"))
    code, out, err = run_cli(capsys, "generate", "--model", str(broken_template), "--chat", "--max-new-tokens", "2")
    assert code == 2 and err.count("\n") == 1 and "nosuchfilter" in err and "plain mode" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("hello\n"))
    code, out, err = run_cli(capsys, "generate", "--model", str(broken_template), "--chat", "--max-new-tokens", "2",
                             "--template", "plain", "--show-prompt")
    assert code == 0 and "User: hello\nAssistant:" in err
