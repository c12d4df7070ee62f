"""What the model is given: a completion prompt, or chat turns through the model's template (or plain
text), fitted to the context by a policy the user chose.

Policies, when the conversation and the reply's room do not fit the model's context:
``drop-oldest`` leaves out the oldest turns (the system prompt stays, a reply never without its
question) and says how many; ``stop`` stops before generating and asks the user to clear or switch
policy. ``Prompt.text`` is exactly what the model receives (the decoded token ids), for "Show prompt".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from models.core.events import Log, ModelDeskError, ProgressFn, emit

POLICIES = {"drop-oldest": "drop the oldest turns (the system prompt stays)", "stop": "stop and ask"}
TEMPLATES = ("model", "plain")


class ContextFull(ModelDeskError):
    """The conversation does not fit the context and the policy says stop."""


class TemplateFailed(ModelDeskError):
    """The model's chat template raised while rendering."""


@dataclass
class Prompt:
    ids: list[int]
    text: str                 # the token ids decoded with their special tokens: what the model reads
    used: int                 # tokens of the prompt
    context: Optional[int]    # the model's context length (None: unknown)
    dropped: int = 0          # oldest turns left out (chat)
    policy: str = ""

    def facts(self) -> dict[str, Any]:
        return {"text": self.text, "tokens": self.used, "context": self.context, "dropped_turns": self.dropped,
                "policy": self.policy}


def check_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise ModelDeskError(f"Unknown context policy '{policy}'; choose {' or '.join(POLICIES)}.")
    return policy


def check_messages(messages: Any) -> list[dict[str, str]]:
    if not isinstance(messages, list) or not messages:
        raise ModelDeskError("Write a message first.")
    for message in messages:
        if not isinstance(message, dict) or not isinstance(message.get("content"), str) \
                or message.get("role") not in ("system", "user", "assistant"):
            raise ModelDeskError("Each chat turn needs a role (system, user or assistant) and a text.")
    if messages[-1]["role"] != "user":
        raise ModelDeskError("The last chat turn must be the user's: the model answers it.")
    return messages


def plain_text(messages: list[dict[str, str]]) -> str:
    """Turns as "Role: text" lines ending with an open "Assistant:" (for a model without a working template)."""
    return "".join(f"{m['role'].capitalize()}: {m['content']}\n" for m in messages) + "Assistant:"


def render(tokenizer: Any, messages: list[dict[str, str]], template: str = "model") -> str:
    """The chat as text through the model's template (or plain), or one line naming the template's error."""
    if template == "plain":
        return plain_text(messages)
    if not getattr(tokenizer, "chat_template", None):
        raise TemplateFailed("This model has no chat template; use plain mode (no template) or plain completion.")
    try:
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    except Exception as exc:  # jinja2's TemplateError, or any error the template's own code raises
        detail = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
        raise TemplateFailed(f"The model's chat template failed: {type(exc).__name__}: {detail}. "
                             "Use plain mode (no template) to go on.") from None


def _ids(tokenizer: Any, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]


def _decoded(tokenizer: Any, ids: list[int]) -> str:
    return tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)


def completion(tokenizer: Any, prompt: str, context: Optional[int], progress: ProgressFn = None) -> Prompt:
    """The prompt's token ids, cut from the left when it leaves no room to generate."""
    if not isinstance(prompt, str):
        raise ModelDeskError("The prompt must be text.")
    ids = tokenizer(prompt, verbose=False)["input_ids"] if prompt else []
    if not ids:
        bos = tokenizer.bos_token_id
        if bos is None:
            raise ModelDeskError("Write a prompt first: this model has no start token to begin from nothing.")
        ids = [bos]
    if context and len(ids) >= context:
        keep = max(1, context // 2)
        emit(progress, Log(f"The prompt has {len(ids)} tokens but the model sees at most {context}; "
                           f"only its last {keep} tokens are used.", level="warning"))
        ids = ids[-keep:]
    return Prompt(ids, _decoded(tokenizer, ids), len(ids), context)


def chat(tokenizer: Any, messages: list[dict[str, str]], context: Optional[int], reserve: int,
         policy: str = "drop-oldest", template: str = "model", progress: ProgressFn = None) -> Prompt:
    """The chat prompt, leaving ``reserve`` tokens for the reply, fitted by ``policy``."""
    check_policy(policy)
    system = messages[:1] if messages[0]["role"] == "system" else []
    turns = messages[len(system):]
    ids = _ids(tokenizer, render(tokenizer, messages, template))
    if not context:
        return Prompt(ids, _decoded(tokenizer, ids), len(ids), context, 0, policy)
    room = context - reserve
    if len(ids) > room and policy == "stop":
        raise ContextFull(f"The conversation needs {len(ids)} tokens and the reply {reserve} more, but the model "
                          f"sees {context}: clear the conversation, or let the oldest turns be dropped.")
    dropped = 0
    while len(ids) > room and len(turns) > 1:
        turns = turns[1:]
        while turns and turns[0]["role"] != "user":   # a reply without its question would confuse the model
            turns = turns[1:]
        dropped = len(messages) - len(system) - len(turns)
        ids = _ids(tokenizer, render(tokenizer, system + turns, template))
    if dropped:
        emit(progress, Log(f"The conversation outgrew the model's context of {context} tokens: its oldest "
                           f"{dropped} turn{'s were' if dropped > 1 else ' was'} left out; the system prompt "
                           "stays.", level="warning"))
    if len(ids) > room:
        emit(progress, Log(f"The last message alone has {len(ids)} tokens; only its last {room} are used.",
                           level="warning"))
        ids = ids[-room:]
    return Prompt(ids, _decoded(tokenizer, ids), len(ids), context, dropped, policy)
