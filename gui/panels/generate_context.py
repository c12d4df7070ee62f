"""The Generate page's context pieces: the meter (tokens used / the model's context, as the user types),
and the "Show prompt" view of the exact text the model last received.

The meter asks the engine (``generator.context_usage``) at each change, the latest request winning
(a count in flight gives way, older waiting ones are dropped), so typing never waits for the tokenizer
and no count is left pending once the page's jobs have ended.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from PySide6.QtCore import QLocale, QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QVBoxLayout, QWidget

from workers.runner import JobRunner

from .. import jobs
from ..lifetime import while_alive

#: the overflow policies as shown (translated where shown, context "generate_context")
POLICY_LABELS = {"drop-oldest": QT_TRANSLATE_NOOP("generate_context", "Drop the oldest turns (keep the system prompt)"),
                 "stop": QT_TRANSLATE_NOOP("generate_context", "Stop and ask")}


class ContextMeter(QWidget):
    """"312 / 2,048 tokens" with a bar; ``request()`` returns the job's kwargs, or None when there is no model."""

    def __init__(self, runner: JobRunner, key: str, request: Callable[[], Optional[dict]],
                 parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.key = key
        self.request = request
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(160)
        self.bar.setMaximumHeight(10)
        self.label = QLabel("")
        self.label.setToolTip(self.tr("Tokens the next prompt takes (your draft included) of the model's context"))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar)
        row.addWidget(self.label, 1)
        self.usage: dict[str, Any] = {}

    def schedule(self) -> None:
        """Count again (the latest request wins)."""
        kwargs = self.request()
        if kwargs is None:
            return
        job = self.runner.start_latest(self.key, jobs.GENERATE_CONTEXT, **kwargs)
        job.result.connect(while_alive(self, self.show_usage))
        job.error.connect(while_alive(self, lambda message, _details: self.label.setText("")))

    def show_usage(self, usage: dict[str, Any]) -> None:
        self.usage = usage
        tokens, context = usage["tokens"], usage.get("context")
        if not context:
            self.bar.setRange(0, 1)
            self.bar.setValue(0)
            self.label.setText(self.tr("{0} tokens (context length unknown)").format(QLocale().toString(tokens)))
            return
        self.bar.setRange(0, context)
        self.bar.setValue(min(tokens, context))
        text = self.tr("{0} / {1} tokens").format(QLocale().toString(tokens), QLocale().toString(context))
        if not usage["fits"]:
            text += (self.tr(" · over the context: the oldest turns will be dropped") if usage["policy"] == "drop-oldest"
                     else self.tr(" · over the context: sending will stop and ask"))
        self.label.setText(text)


class PromptView(QDialog):
    """The exact text the model received for the last reply (special tokens included), read-only."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("The prompt the model received"))
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.caption = QLabel("")
        column = QVBoxLayout(self)
        column.addWidget(self.caption)
        column.addWidget(self.text)
        self.resize(640, 420)

    def show_prompt(self, facts: Optional[dict]) -> None:
        if facts is None:
            self.caption.setText(self.tr("Nothing has been sent yet."))
            self.text.setPlainText("")
        else:
            dropped = facts.get("dropped_turns") or 0
            number = QLocale().toString
            self.caption.setText(self.tr("{0} tokens").format(number(facts["tokens"]))
                                 + (self.tr(" of {0}").format(number(facts["context"])) if facts.get("context") else "")
                                 + (self.tr(" · the oldest {0} turns left out").format(dropped) if dropped else ""))
            self.text.setPlainText(facts["text"])
        self.show()
        self.raise_()
