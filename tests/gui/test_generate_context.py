"""The Generate page's context meter, overflow policies, Show prompt and broken templates, driven with qtbot."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui.panels.generate import GeneratePanel
from models.core.events import Data
from models.generate import chat, generator, prompts
from tests.generate.test_context import broken_template, long_conversation  # noqa: F401 (fixture)
from tests.gui.test_text_pages import WAIT_MS, ctx, page, run_and_wait  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def chat_page(qtbot, ctx, folder):
    panel = page(qtbot, GeneratePanel, ctx)
    panel.picker.set_path(str(folder))
    qtbot.waitUntil(lambda: panel.chat_mode, timeout=WAIT_MS)
    panel.preset.setCurrentText("precise")
    panel.max_tokens.setValue(6)
    return panel


def settle(qtbot, panel) -> None:
    """The meter's last count done, so the test ends with no job of its own in flight."""
    qtbot.waitUntil(lambda: not panel.runner.is_running(panel.meter.key), timeout=WAIT_MS)


def open_long(qtbot, panel, tmp_path) -> None:
    conversation = long_conversation()
    conversation.messages.pop()   # the last question is typed on the page
    chat.save(conversation.to_dict(), tmp_path / "long.json")
    panel.open_conversation(str(tmp_path / "long.json"))
    qtbot.waitUntil(lambda: panel.status.text().startswith("Opened long.json"), timeout=WAIT_MS)


def test_the_meter_follows_the_typing_and_drop_oldest_says_what_it_dropped(qtbot, ctx, tiny_chat_gpt2, tmp_path):
    panel = chat_page(qtbot, ctx, tiny_chat_gpt2)
    lm = generator.load(tiny_chat_gpt2)

    def counted(draft: str) -> int:   # what the model would be given, draft included
        return len(prompts.chat(lm.tokenizer, [{"role": "user", "content": draft}], None, 0).ids)

    qtbot.waitUntil(lambda: panel.meter.label.text() == f"{counted('')} / 128 tokens", timeout=WAIT_MS)
    qtbot.keyClicks(panel.prompt, "the film was good")
    qtbot.waitUntil(lambda: panel.meter.label.text() == f"{counted('the film was good')} / 128 tokens",
                    timeout=WAIT_MS)
    assert counted("the film was good") > counted("")
    panel.prompt.clear()
    open_long(qtbot, panel, tmp_path)
    assert panel.policy.currentData() == "drop-oldest"
    qtbot.keyClicks(panel.prompt, "last question")
    qtbot.waitUntil(lambda: "the oldest turns will be dropped" in panel.meter.label.text(), timeout=WAIT_MS)
    assert panel.meter.bar.value() == panel.meter.bar.maximum() == 128
    run_and_wait(qtbot, panel)
    status = panel.status.text()
    assert "oldest" in status and "left out" in status and "system prompt stays" in status
    assert panel.conversation.context["policy"] == "drop-oldest" and panel.conversation.context["dropped_turns"] >= 2
    assert len(panel.conversation.messages) == 14   # the page keeps every turn; only the prompt left some out
    expected = []
    generator.generate(tiny_chat_gpt2, messages=panel.conversation.for_model()[:-1], progress=expected.append,
                       **panel.sampling().to_dict())
    (facts,) = [e.payload for e in expected if isinstance(e, Data) and e.kind == "prompt"]
    qtbot.mouseClick(panel.show_prompt_button, Qt.MouseButton.LeftButton)
    assert panel.prompt_view.isVisible() and panel.prompt_view.text.toPlainText() == facts["text"]
    assert facts["text"].startswith("<|system|>be brief") and facts["text"].endswith("last question\n<|assistant|>")
    assert f"the oldest {facts['dropped_turns']} turns left out" in panel.prompt_view.caption.text()
    settle(qtbot, panel)


def test_stop_and_ask_keeps_the_message_and_offers_to_drop(qtbot, ctx, tiny_chat_gpt2, tmp_path):
    panel = chat_page(qtbot, ctx, tiny_chat_gpt2)
    panel.policy.setCurrentIndex(panel.policy.findData("stop"))
    assert panel.settings.get(panel_key("GENERATE_CONTEXT_POLICY")) == "stop"
    open_long(qtbot, panel, tmp_path)
    qtbot.keyClicks(panel.prompt, "last question")
    qtbot.waitUntil(lambda: "sending will stop and ask" in panel.meter.label.text(), timeout=WAIT_MS)
    run_and_wait(qtbot, panel)
    assert "clear the conversation, or let the oldest turns be dropped" in panel.status.text()
    assert panel.fit_button.isVisible() and not panel.plain_button.isVisible()
    assert panel.prompt.toPlainText() == "last question" and len(panel.conversation.messages) == 12
    qtbot.mouseClick(panel.fit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.run_button.isEnabled() and not panel.runner.is_running(panel.job_key()),
                    timeout=WAIT_MS)
    assert len(panel.conversation.messages) == 14 and panel.conversation.context["dropped_turns"] >= 2
    assert "left out" in panel.status.text() and not panel.fit_button.isVisible()
    assert panel.policy.currentData() == "stop"   # the setting stays; dropping was for this once
    settle(qtbot, panel)


def test_a_broken_template_says_so_in_one_line_and_plain_mode_goes_on(qtbot, ctx, broken_template):  # noqa: F811
    panel = chat_page(qtbot, ctx, broken_template)
    panel.system.setPlainText("be brief")
    qtbot.keyClicks(panel.prompt, "hello")
    run_and_wait(qtbot, panel)
    status = panel.status.text()
    assert "nosuchfilter" in status and "plain mode" in status and "\n" not in status
    assert panel.plain_button.isVisible() and panel.prompt.toPlainText() == "hello"
    qtbot.mouseClick(panel.plain_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.conversation.messages) == 2, timeout=WAIT_MS)
    assert panel.template.currentData() == "plain" and "plain" in panel.mode_label.text()
    qtbot.mouseClick(panel.show_prompt_button, Qt.MouseButton.LeftButton)
    assert panel.prompt_view.text.toPlainText() == "System: be brief\nUser: hello\nAssistant:"
    settle(qtbot, panel)


def panel_key(name: str):
    from gui.settings import Key

    return getattr(Key, name)
