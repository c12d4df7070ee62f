"""The Generate page: chat through the model's template (or plain completion), sampling controls with
presets, a live speed readout, a context meter with an overflow policy, "Show prompt", and
conversations saved and opened as JSON."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from PySide6.QtCore import QCoreApplication, QLocale, QT_TRANSLATE_NOOP
from PySide6.QtGui import QGuiApplication, QShowEvent, QTextCursor
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit,
                               QPushButton, QSpinBox, QWidget)

from models.core.events import Data, Final, ModelDeskError, Partial, Progress
from models.generate.chat import Conversation
from models.generate.sampling import PRESETS, Sampling, format_stop, parse_stop
from workers.runner import Job, JobSpec

from .. import jobs
from ..lifetime import while_alive
from ..panel import BadInput, TaskPanel
from ..settings import Key
from .generate_context import POLICY_LABELS, ContextMeter, PromptView

CUSTOM = "custom"
#: the presets' names as shown (translated)
PRESET_NAMES = {CUSTOM: QT_TRANSLATE_NOOP("GeneratePanel", "custom"), "precise": QT_TRANSLATE_NOOP("GeneratePanel", "precise"),
                "balanced": QT_TRANSLATE_NOOP("GeneratePanel", "balanced"),
                "creative": QT_TRANSLATE_NOOP("GeneratePanel", "creative")}
SPEAKERS = {"user": QT_TRANSLATE_NOOP("GeneratePanel", "You"),
            "assistant": QT_TRANSLATE_NOOP("GeneratePanel", "Assistant")}


def _row(*widgets: Any) -> QWidget:
    """Labels and widgets side by side (strings become labels)."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        row.addWidget(QLabel(widget) if isinstance(widget, str) else widget)
    row.addStretch(1)
    return holder


class GeneratePanel(TaskPanel):
    name = "generate"
    title = QT_TRANSLATE_NOOP("TaskPanel", "Generate text")
    task = "generate"
    run_label = QT_TRANSLATE_NOOP("TaskPanel", "Generate")

    def build(self) -> None:
        self.chat_mode = False
        self.conversation = Conversation()
        self._regenerating = False
        self._wanted_model = ""
        self._described: Optional[str] = None
        self.mode_label = QLabel(self.tr("Completion: the model continues your text."))
        self.gguf_button = QPushButton(self.tr("Open a .gguf file…"))
        self.gguf_button.setToolTip(self.tr("A GGUF model file from another local-LLM app (llama, mistral, qwen2/3, phi3, "
                                    "gemma2/3, gpt2, falcon, …); it is dequantised to run with PyTorch"))
        self.gguf_button.clicked.connect(self._open_gguf)
        self.form.addRow(self.tr("Mode:"), _row(self.mode_label, self.gguf_button))
        self.system = QPlainTextEdit(self.settings.get(Key.GENERATE_SYSTEM))
        self.system.setPlaceholderText(self.tr("System prompt (chat models): who the assistant is and how it answers"))
        self.system.setMaximumHeight(56)
        self.system.textChanged.connect(lambda: self.settings.set(Key.GENERATE_SYSTEM, self.system.toPlainText()))
        self.form.addRow(self.tr("System:"), self.system)
        self._build_context()
        self._build_sampling()
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setPlaceholderText(self.tr("The text appears here as it is generated."))
        self.body.addWidget(self.output, 1)
        self.prompt = QPlainTextEdit()
        self.prompt.setMaximumHeight(100)
        self.body.addWidget(self.prompt)
        self.meter = ContextMeter(self.runner, f"{self.name}-context", self._meter_request)
        self.prompt.textChanged.connect(self.meter.schedule)
        self.system.textChanged.connect(self.meter.schedule)
        self.show_prompt_button = QPushButton(self.tr("Show prompt"))
        self.show_prompt_button.setToolTip(self.tr("The exact text the model received for the last reply"))
        self.show_prompt_button.clicked.connect(self.show_prompt)
        self.fit_button = QPushButton(self.tr("Drop the oldest turns and send"))
        self.fit_button.clicked.connect(lambda: self._retry(policy="drop-oldest"))
        self.plain_button = QPushButton(self.tr("Use plain mode and send"))
        self.plain_button.clicked.connect(lambda: self._retry(template="plain"))
        for button in (self.fit_button, self.plain_button):
            button.setVisible(False)
        self.body.addWidget(_row(self.meter, self.show_prompt_button, self.fit_button, self.plain_button))
        self.prompt_view = PromptView(self)
        self.last_prompt: Optional[dict] = None
        self._once: dict[str, str] = {}
        self.clear_button = QPushButton(self.tr("Clear"))
        self.regenerate_button = QPushButton(self.tr("Regenerate"))
        self.copy_button = QPushButton(self.tr("Copy"))
        self.save_button = QPushButton(self.tr("Save…"))
        self.open_button = QPushButton(self.tr("Open…"))
        self.readout = QLabel("")
        self.readout.setToolTip(self.tr("Time to the first token, then tokens per second"))
        self.clear_button.clicked.connect(self.clear)
        self.regenerate_button.clicked.connect(self.regenerate)
        self.copy_button.clicked.connect(self.copy)
        self.save_button.clicked.connect(self._save_dialog)
        self.open_button.clicked.connect(self._open_dialog)
        self.copy_button.setToolTip(self.tr("Copy the last reply"))
        self.body.addWidget(_row(self.clear_button, self.regenerate_button, self.copy_button, self.save_button,
                                 self.open_button, self.readout))
        self.set_chat(False)
        if self.backend is not None:
            self.backend.offer("onnx-int4")
        if self.picker is not None:
            self.picker.changed.connect(self._model_changed)
            self._model_changed(self.picker.path())

    # --- context -----------------------------------------------------------------
    def _build_context(self) -> None:
        self.policy = QComboBox()
        for value, label in POLICY_LABELS.items():
            self.policy.addItem(QCoreApplication.translate("generate_context", label), value)
        self.policy.setToolTip(self.tr("What happens when the conversation no longer fits the model's context"))
        self.policy.setCurrentIndex(max(0, self.policy.findData(self.settings.get(Key.GENERATE_CONTEXT_POLICY))))
        self.policy.currentIndexChanged.connect(self._policy_changed)
        self.template = QComboBox()
        self.template.addItem(self.tr("the model's chat template"), "model")
        self.template.addItem(self.tr("plain (Role: text lines)"), "plain")
        self.template.setToolTip(self.tr("Plain mode chats without the model's template (for a missing or broken one)"))
        self.template.setCurrentIndex(max(0, self.template.findData(self.settings.get(Key.GENERATE_TEMPLATE))))
        self.template.currentIndexChanged.connect(self._template_changed)
        self.form.addRow(self.tr("When full:"), _row(self.policy, self.tr("Chat as"), self.template))

    def _policy_changed(self, _index: int) -> None:
        self.settings.set(Key.GENERATE_CONTEXT_POLICY, self.policy.currentData())
        self.meter.schedule()

    def _template_changed(self, _index: int) -> None:
        self.settings.set(Key.GENERATE_TEMPLATE, self.template.currentData())
        self.set_chat(self.chat_mode or self.template.currentData() == "plain", self._context)

    def _messages(self, draft: str) -> list[dict[str, str]]:
        """The conversation as the model would get it, with ``draft`` as the next user turn."""
        self.conversation.system = self.system.toPlainText()
        return self.conversation.for_model() + [{"role": "user", "content": draft}]

    def _meter_request(self) -> Optional[dict]:
        model = self.picker.path() if self.picker is not None else ""
        if not model or self._described != model:
            return None
        text = self.prompt.toPlainText()
        kwargs = {"model": model, "max_new_tokens": self.max_tokens.value(),
                  "context_policy": self.policy.currentData(), "chat_template": self.template.currentData()}
        return {**kwargs, "messages": self._messages(text)} if self.chat_mode else {**kwargs, "prompt": text}

    def show_prompt(self) -> None:
        self.prompt_view.show_prompt(self.last_prompt)

    def _retry(self, policy: str = "", template: str = "") -> None:
        """The answer to "stop and ask" (drop the oldest turns, this once) or to a broken template (plain mode)."""
        if template:
            self.template.setCurrentIndex(self.template.findData(template))
        if policy:
            self._once["context_policy"] = policy
        self.run()

    # --- sampling ---------------------------------------------------------------
    def _build_sampling(self) -> None:
        self.preset = QComboBox()
        for name in (CUSTOM, *PRESETS):
            self.preset.addItem(QCoreApplication.translate("GeneratePanel", PRESET_NAMES.get(name, name)), name)
        self.preset.setToolTip(self.tr("precise: always the likeliest token; balanced: everyday answers; creative: surprising"))
        self.preset.currentIndexChanged.connect(lambda _row: self.apply_preset(self.preset.currentData()))
        self.max_tokens = self._spin(QSpinBox(), Key.GENERATE_MAX_NEW_TOKENS, 1, 8192, self.tr("How many tokens to add at most"))
        self.temperature = self._spin(QDoubleSpinBox(), Key.GENERATE_TEMPERATURE, 0.0, 2.0,
                                      self.tr("0 always takes the most likely token; higher is more surprising"), step=0.1)
        self.top_k = self._spin(QSpinBox(), Key.GENERATE_TOP_K, 0, 1000, self.tr("Sample among the K most likely tokens (0: all)"))
        self.top_p = self._spin(QDoubleSpinBox(), Key.GENERATE_TOP_P, 0.01, 1.0,
                                self.tr("Sample among the most likely tokens that make up this probability (1: all)"),
                                step=0.05)
        self.min_p = self._spin(QDoubleSpinBox(), Key.GENERATE_MIN_P, 0.0, 0.99,
                                self.tr("Drop tokens less likely than this share of the most likely one (0: off)"), step=0.01)
        self.repetition = self._spin(QDoubleSpinBox(), Key.GENERATE_REPETITION_PENALTY, 0.5, 2.0,
                                     self.tr("Above 1 makes tokens already in the text less likely (1: off)"), step=0.05)
        self.seed = self._spin(QSpinBox(), Key.GENERATE_SEED, -1, 2**31 - 1, self.tr("The same seed gives the same text"))
        self.seed.setSpecialValueText(self.tr("random"))
        self.stop_edit = QPlainTextEdit(self.settings.get(Key.GENERATE_STOP))
        self.stop_edit.setPlaceholderText(self.tr("Stop strings, one per line (\\n stands for a line break)"))
        self.stop_edit.setMaximumHeight(44)
        self.stop_edit.textChanged.connect(lambda: self.settings.set(Key.GENERATE_STOP, self.stop_edit.toPlainText()))
        self.form.addRow(self.tr("Sampling:"), _row(self.tr("Preset"), self.preset, self.tr("Max tokens"), self.max_tokens, self.tr("Seed"), self.seed))
        self.form.addRow("", _row(self.tr("Temperature"), self.temperature, self.tr("Top-k"), self.top_k, self.tr("Top-p"), self.top_p,
                                  self.tr("Min-p"), self.min_p, self.tr("Repetition penalty"), self.repetition))
        self.form.addRow(self.tr("Stop at:"), self.stop_edit)
        self._follow_preset()

    def _spin(self, box: Any, key: Key, low: float, high: float, tip: str, step: float = 1) -> Any:
        """A spin box that remembers its value in the settings."""
        box.setRange(low, high)
        box.setSingleStep(step)
        box.setToolTip(tip)
        box.setValue(self.settings.get(key))
        box.valueChanged.connect(lambda value: self.settings.set(key, value))
        box.valueChanged.connect(self._follow_preset)
        return box

    def _sampling_boxes(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "top_k": self.top_k, "top_p": self.top_p, "min_p": self.min_p,
                "repetition_penalty": self.repetition}

    def apply_preset(self, name: str) -> None:
        """Set the sampling boxes to a preset (the token budget, seed and stop strings stay)."""
        if name not in PRESETS:
            return
        for field, box in self._sampling_boxes().items():
            box.blockSignals(True)
            box.setValue(PRESETS[name][field])
            box.blockSignals(False)
            box.valueChanged.emit(box.value())

    def _follow_preset(self, *_: Any) -> None:
        """Show the preset the boxes match, or "custom"."""
        values = {field: box.value() for field, box in self._sampling_boxes().items()}
        match = next((name for name, preset in PRESETS.items()
                      if all(abs(values[f] - v) < 1e-6 for f, v in preset.items())), CUSTOM)
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.findData(match))
        self.preset.blockSignals(False)

    def sampling(self) -> Sampling:
        seed = self.seed.value()
        return Sampling(temperature=self.temperature.value(), top_k=self.top_k.value(), top_p=self.top_p.value(),
                        min_p=self.min_p.value(), repetition_penalty=self.repetition.value(),
                        max_new_tokens=self.max_tokens.value(), seed=None if seed < 0 else seed,
                        stop=parse_stop(self.stop_edit.toPlainText()))

    def show_sampling(self, sampling: Sampling) -> None:
        for field, box in {**self._sampling_boxes(), "max_new_tokens": self.max_tokens}.items():
            box.setValue(getattr(sampling, field))
        self.seed.setValue(-1 if sampling.seed is None else sampling.seed)
        self.stop_edit.setPlainText(format_stop(sampling.stop))

    # --- the model: chat or completion ---------------------------------------------
    def _open_gguf(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a GGUF model file"), "", self.tr("GGUF models (*.gguf)"))
        if path and self.picker is not None:
            self.picker.set_path(path)

    def _model_changed(self, path: str) -> None:
        self._wanted_model = path
        if self.isVisible():   # a hidden page loads its model when first shown, not at start-up
            self._describe()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._wanted_model != self._described:
            self._describe()

    def _describe(self) -> None:
        """Load the chosen model in the engine and learn whether it can chat; the latest choice wins."""
        path = self._described = self._wanted_model
        if not path:
            return
        self.mode_label.setText(self.tr("Reading the model…"))
        job = self.runner.start_latest(f"{self.name}-describe", jobs.GENERATE_DESCRIBE, model=path)
        job.progress.connect(while_alive(self, lambda event: event.message and self.mode_label.setText(event.message)))
        job.result.connect(while_alive(self, lambda facts: self.set_chat(facts["chat"], facts.get("context"))))
        job.error.connect(while_alive(self, lambda message, _details: (self.set_chat(False),
                                                                       self.set_status(message, error=True))))

    def set_chat(self, chat: bool, context: Optional[int] = None) -> None:
        """Switch the page between chat (the model has a chat template, or plain mode is chosen) and plain
        completion."""
        plain = self.template.currentData() == "plain"
        self.chat_mode = chat or plain
        self._context = context
        limit = self.tr(" (context {0} tokens)").format(QLocale().toString(context)) if context else ""
        self.mode_label.setText((self.tr("Chat in plain 'Role: text' lines{0}.").format(limit) if plain else
                                 self.tr("Chat with the model's own template{0}.").format(limit)) if self.chat_mode
                                else self.tr("Completion: the model continues your text{0}.").format(limit))
        chat = self.chat_mode
        self.run_button.setText(self.tr("Send") if chat else self.tr("Generate"))
        self.prompt.setPlaceholderText(self.tr("Write a message…") if chat
                                       else self.tr("Write the beginning of a text; the model continues it…"))
        self.system.setEnabled(chat)
        for button in (self.regenerate_button, self.save_button, self.open_button):
            button.setEnabled(chat)
        self.render()
        self.meter.schedule()

    # --- conversation ------------------------------------------------------------
    def render(self, open_reply: bool = False) -> None:
        """Show the conversation (chat mode); ``open_reply`` leaves an assistant turn for streamed text."""
        if not self.chat_mode:
            return
        speakers = {role: self.tr(name) for role, name in SPEAKERS.items()}
        turns = [f"{speakers[m['role']]}: {m['content']}" for m in self.conversation.messages]
        self.output.setPlainText("\n\n".join(turns + ([f"{speakers['assistant']}: "] if open_reply else [])))
        self.output.moveCursor(QTextCursor.MoveOperation.End)

    def clear(self) -> None:
        if self.runner.is_running(self.job_key()):
            return
        self.conversation = Conversation()
        self.output.clear()
        self.readout.clear()
        self.meter.schedule()

    def regenerate(self) -> None:
        """Ask for the last reply again (with the sampling settings as they are now)."""
        if self.runner.is_running(self.job_key()):
            return
        try:
            self.conversation = self.conversation.without_last_reply()
        except ModelDeskError as exc:
            self.set_status(str(exc), error=True)
            return
        self._regenerating = True
        self.run()

    def copy(self) -> None:
        replies = [m["content"] for m in self.conversation.messages if m["role"] == "assistant"]
        text = (replies[-1] if replies else "") if self.chat_mode else self.output.toPlainText()
        QGuiApplication.clipboard().setText(text)
        self.set_status(self.tr("Copied the reply.") if text else self.tr("Nothing to copy yet."))

    def build_job(self) -> tuple[JobSpec, dict[str, Any]]:
        model = self.model_path()
        try:
            sampling = self.sampling().check()
        except ModelDeskError as exc:
            raise BadInput(str(exc)) from None
        regenerating, self._regenerating = self._regenerating, False
        text = self.prompt.toPlainText()
        self.readout.clear()
        for button in (self.fit_button, self.plain_button):
            button.setVisible(False)
        context = {"context_policy": self.policy.currentData(), "chat_template": self.template.currentData(),
                   **self._once}
        self._once = {}
        if not self.chat_mode:
            if not text.strip():
                raise BadInput(self.tr("Write a prompt first."))
            self.output.clear()
            return jobs.GENERATE, {"model": model, "prompt": text, **sampling.to_dict(), **context}
        if not regenerating:
            if not text.strip():
                raise BadInput(self.tr("Write a message first."))
            self.conversation.add("user", text)
            self.prompt.clear()
        self.conversation.system = self.system.toPlainText()
        self.conversation.sampling = sampling
        self.conversation.model = model
        self.render(open_reply=True)
        return jobs.GENERATE, {"model": model, "messages": self.conversation.for_model(), **sampling.to_dict(),
                               **context}

    def connect_job(self, job: Job) -> None:
        job.progress.connect(self._on_progress)
        job.data.connect(self._on_data)
        if self.chat_mode:
            job.cancelled.connect(while_alive(self, lambda value: value is None and self._take_back_turn()))
            job.error.connect(while_alive(self, lambda _message, _details: self._take_back_turn()))
        job.error.connect(while_alive(self, self._offer_way_out))

    def _offer_way_out(self, _message: str, details: str) -> None:
        """After "stop and ask" or a broken template, the button that goes on (the message is in the status line)."""
        last = details.strip().splitlines()[-1] if details.strip() else ""
        self.fit_button.setVisible(".ContextFull" in last.split(":", 1)[0])
        self.plain_button.setVisible(".TemplateFailed" in last.split(":", 1)[0])

    def _take_back_turn(self) -> None:
        """No reply came: the message goes back into the box, to send again."""
        if self.conversation.messages and self.conversation.messages[-1]["role"] == "user":
            turn = self.conversation.messages.pop()
            if not self.prompt.toPlainText().strip():
                self.prompt.setPlainText(turn["content"])
        self.render()

    def _on_progress(self, event: Progress) -> None:
        if "first token" in event.message:
            self.readout.setText(event.message)

    def _on_data(self, event: Data) -> None:
        if event.kind == "generation" and event.payload.get("readout"):
            self.readout.setText(event.payload["readout"])
        elif event.kind == "prompt":
            self.last_prompt = event.payload
            self.conversation.context = {k: event.payload[k] for k in ("policy", "dropped_turns", "tokens",
                                                                        "context")}

    def on_partial(self, event: Partial | Final) -> None:
        cursor = self.output.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(event.text)
        self.output.setTextCursor(cursor)
        self.output.ensureCursorVisible()

    def show_result(self, value: Any) -> None:
        self.meter.schedule()
        if self.chat_mode:
            self.conversation.add("assistant", value)
            self.render()
        elif self.output.toPlainText() != value:  # the streamed pieces and the result agree; be sure
            self.output.setPlainText(value)

    # --- conversation files ----------------------------------------------------------
    def _save_dialog(self) -> None:
        folder = self.settings.get(Key.GENERATE_DIR)
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the conversation"), folder, self.tr("Conversations (*.json)"))
        if path:
            self.save_conversation(path if path.lower().endswith(".json") else path + ".json")

    def _open_dialog(self) -> None:
        folder = self.settings.get(Key.GENERATE_DIR)
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a conversation"), folder, self.tr("Conversations (*.json)"))
        if path:
            self.open_conversation(path)

    def save_conversation(self, path: str) -> None:
        """Save the conversation with its system prompt, sampling settings and model (in the engine, atomically)."""
        self.settings.set(Key.GENERATE_DIR, str(Path(path).parent))
        self.conversation.system = self.system.toPlainText()
        self.conversation.sampling = self.sampling()
        self.conversation.model = self.picker.path() if self.picker else ""
        job = self.runner.start_latest(f"{self.name}-file", jobs.SAVE_CONVERSATION,
                                       conversation=self.conversation.to_dict(), path=path)
        job.result.connect(while_alive(self, lambda written: self.set_status(self.tr("Saved the conversation to {0}.").format(written))))
        job.error.connect(while_alive(self, lambda message, _details: self.set_status(message, error=True)))

    def open_conversation(self, path: str) -> None:
        """Open a saved conversation: its turns, system prompt and sampling settings (and its model, if here)."""
        self.settings.set(Key.GENERATE_DIR, str(Path(path).parent))
        job = self.runner.start_latest(f"{self.name}-file", jobs.LOAD_CONVERSATION, path=path)
        job.result.connect(while_alive(self, lambda data: self._opened(Path(path).name, data)))
        job.error.connect(while_alive(self, lambda message, _details: self.set_status(message, error=True)))

    def _opened(self, name: str, data: dict) -> None:
        self.conversation = Conversation.from_dict(data)
        self.system.setPlainText(self.conversation.system)
        self.show_sampling(self.conversation.sampling)
        model = self.conversation.model
        if model and self.picker is not None and model != self.picker.path() and Path(model).exists():
            self.picker.set_path(model)
        self.render()
        self.meter.schedule()
        self.set_status(self.tr("Opened {0}: {1} turns.").format(name, len(self.conversation.messages)))
