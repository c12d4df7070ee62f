"""Conversations: the turns of a chat, its system prompt and its sampling settings, as JSON.

Light (no torch): the Generate page keeps its conversation in one of these and the CLI prints
one with ``--json``. A saved file reloads into the same conversation, which then continues.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.core import fileio
from models.core.events import ModelDeskError
from models.generate.sampling import Sampling

FORMAT = "modeldesk-conversation"
VERSION = 1
ROLES = ("user", "assistant")


@dataclass
class Conversation:
    """``messages`` alternate user and assistant turns (dicts with "role" and "content")."""

    system: str = ""
    messages: list[dict[str, str]] = field(default_factory=list)
    sampling: Sampling = field(default_factory=Sampling)
    model: str = ""
    #: how the last reply was fitted to the context: {"policy": ..., "dropped_turns": N, "tokens": ..., "context": ...}
    context: dict[str, Any] = field(default_factory=dict)

    def add(self, role: str, content: str) -> None:
        if role not in ROLES:
            raise ModelDeskError(f"A turn is spoken by the user or the assistant, not '{role}'.")
        self.messages.append({"role": role, "content": content})

    def for_model(self) -> list[dict[str, str]]:
        """The messages a chat template takes: the system prompt first when there is one."""
        head = [{"role": "system", "content": self.system}] if self.system.strip() else []
        return head + [dict(m) for m in self.messages]

    def without_last_reply(self) -> "Conversation":
        """The conversation before its last assistant turn (what Regenerate asks again)."""
        if not self.messages or self.messages[-1]["role"] != "assistant":
            raise ModelDeskError("There is no reply to regenerate yet.")
        return Conversation(self.system, [dict(m) for m in self.messages[:-1]], self.sampling, self.model,
                            dict(self.context))

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "model": self.model, "system": self.system,
                "messages": [dict(m) for m in self.messages], "sampling": self.sampling.to_dict(),
                "context": dict(self.context), "saved": time.strftime("%Y-%m-%dT%H:%M:%S")}

    @classmethod
    def from_dict(cls, data: Any) -> "Conversation":
        """A conversation from its JSON form, or a ModelDeskError saying what is wrong with it."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelDeskError("This file is not a ModelDesk conversation.")
        if int(data.get("version", 0)) > VERSION:
            raise ModelDeskError("This conversation was saved by a newer ModelDesk.")
        messages = data.get("messages")
        if not isinstance(messages, list):
            raise ModelDeskError("The conversation's turns are missing.")
        conversation = cls(system=str(data.get("system") or ""), model=str(data.get("model") or ""),
                           sampling=Sampling.from_dict(data.get("sampling") or {}),
                           context=_context(data.get("context")))
        for message in messages:
            if not isinstance(message, dict) or not isinstance(message.get("content"), str):
                raise ModelDeskError("A turn in the conversation has no text.")
            conversation.add(str(message.get("role")), message["content"])
        return conversation


def _context(value: Any) -> dict[str, Any]:
    """The saved context record, keeping only what it is made of (older files have none)."""
    if not isinstance(value, dict):
        return {}
    return {k: value[k] for k in ("policy", "dropped_turns", "tokens", "context") if k in value}


def save(conversation: dict, path: os.PathLike | str) -> str:
    """Write a conversation (its ``to_dict`` form) to ``path`` atomically; returns the path written."""
    checked = Conversation.from_dict(conversation)
    fileio.write_text(path, json.dumps(checked.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return str(path)


def load(path: os.PathLike | str) -> dict:
    """A saved conversation, checked, in its ``to_dict`` form (plain data, so it crosses to the GUI)."""
    text = fileio.read_user_text(path)
    try:
        data = json.loads(text)
    except ValueError:
        raise ModelDeskError(f"{Path(path).name} is not JSON.") from None
    return Conversation.from_dict(data).to_dict()
