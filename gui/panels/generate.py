"""The Generate page: a prompt, sampling controls, and output that grows token by token."""
from __future__ import annotations

from typing import Any

from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPlainTextEdit, QSpinBox, QWidget

from models.core.events import Final, Partial
from workers.runner import JobSpec

from .. import jobs
from ..panel import BadInput, TaskPanel
from ..settings import Key


class GeneratePanel(TaskPanel):
    name = "generate"
    title = "Generate text"
    task = "generate"
    run_label = "Generate"

    def build(self) -> None:
        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("Write the beginning of a text; the model continues it…")
        self.prompt.setMaximumHeight(120)
        self.form.addRow("Prompt:", self.prompt)
        self.max_tokens = self._spin(QSpinBox(), Key.GENERATE_MAX_NEW_TOKENS, 1, 4096,
                                     "How many tokens to add at most")
        self.temperature = self._spin(QDoubleSpinBox(), Key.GENERATE_TEMPERATURE, 0.0, 2.0,
                                      "0 always takes the most likely token; higher is more surprising", step=0.1)
        self.top_k = self._spin(QSpinBox(), Key.GENERATE_TOP_K, 0, 1000, "Sample among the K most likely tokens (0: all)")
        self.top_p = self._spin(QDoubleSpinBox(), Key.GENERATE_TOP_P, 0.01, 1.0,
                                "Sample among the most likely tokens that make up this probability (1: all)",
                                step=0.05)
        self.seed = self._spin(QSpinBox(), Key.GENERATE_SEED, -1, 2**31 - 1, "The same seed gives the same text")
        self.seed.setSpecialValueText("random")
        controls = QWidget()
        row = QHBoxLayout(controls)
        row.setContentsMargins(0, 0, 0, 0)
        for label, widget in (("Max tokens", self.max_tokens), ("Temperature", self.temperature),
                              ("Top-k", self.top_k), ("Top-p", self.top_p), ("Seed", self.seed)):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        row.addStretch(1)
        self.form.addRow("Sampling:", controls)
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setPlaceholderText("The continuation appears here as it is generated.")
        self.body.addWidget(self.output, 1)

    def _spin(self, box: Any, key: Key, low: float, high: float, tip: str, step: float = 1) -> Any:
        """A spin box that remembers its value in the settings."""
        box.setRange(low, high)
        box.setSingleStep(step)
        box.setToolTip(tip)
        box.setValue(self.settings.get(key))
        box.valueChanged.connect(lambda value: self.settings.set(key, value))
        return box

    def build_job(self) -> tuple[JobSpec, dict[str, Any]]:
        model = self.model_path()
        prompt = self.prompt.toPlainText()
        if not prompt.strip():
            raise BadInput("Write a prompt first.")
        self.output.clear()
        seed = self.seed.value()
        return jobs.GENERATE, {
            "model": model, "prompt": prompt, "max_new_tokens": self.max_tokens.value(),
            "temperature": self.temperature.value(), "top_k": self.top_k.value(), "top_p": self.top_p.value(),
            "seed": None if seed < 0 else seed}

    def on_partial(self, event: Partial | Final) -> None:
        cursor = self.output.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(event.text)
        self.output.setTextCursor(cursor)
        self.output.ensureCursorVisible()

    def show_result(self, value: Any) -> None:
        if self.output.toPlainText() != value:  # the streamed pieces and the result agree; be sure
            self.output.setPlainText(value)
