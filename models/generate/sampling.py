"""Sampling settings: what shapes the next token, with the presets people expect.

Light on purpose (no torch): the Generate page builds its controls and presets from it, and a
saved conversation stores these settings beside its turns.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Optional

from models.core.events import ModelDeskError


@dataclass(frozen=True)
class Sampling:
    """How the next token is chosen (order as in transformers: repetition penalty, temperature, top-k,
    top-p, min-p), how many tokens at most, the seed and the strings that end the text."""

    temperature: float = 0.8
    top_k: int = 50
    top_p: float = 0.95
    min_p: float = 0.0
    repetition_penalty: float = 1.0
    max_new_tokens: int = 256
    seed: Optional[int] = None
    stop: tuple[str, ...] = ()

    def check(self) -> "Sampling":
        """The settings themselves, or a ModelDeskError naming the first that cannot work."""
        if self.max_new_tokens < 1:
            raise ModelDeskError("Ask for at least one new token.")
        if self.temperature < 0:
            raise ModelDeskError("The temperature cannot be negative (0 means always the most likely token).")
        if self.top_k < 0:
            raise ModelDeskError("Top-k cannot be negative (0 turns it off).")
        if not 0 < self.top_p <= 1:
            raise ModelDeskError("Top-p must be above 0 and at most 1 (1 turns it off).")
        if not 0 <= self.min_p < 1:
            raise ModelDeskError("Min-p must be at least 0 and below 1 (0 turns it off).")
        if self.repetition_penalty <= 0:
            raise ModelDeskError("The repetition penalty must be above 0 (1 turns it off).")
        if any(not isinstance(s, str) or not s for s in self.stop):
            raise ModelDeskError("A stop string cannot be empty.")
        return self

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stop"] = list(self.stop)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> "Sampling":
        """Settings from a saved file: unknown keys are ignored, missing ones take their defaults."""
        if not isinstance(data, dict):
            raise ModelDeskError("The sampling settings in the file are not a JSON object.")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        try:
            if "stop" in values:
                values["stop"] = tuple(str(s) for s in values["stop"])
            for name, kind in (("temperature", float), ("top_p", float), ("min_p", float),
                               ("repetition_penalty", float), ("top_k", int), ("max_new_tokens", int)):
                if name in values:
                    values[name] = kind(values[name])
            if values.get("seed") is not None:
                values["seed"] = int(values["seed"])
        except (TypeError, ValueError):
            raise ModelDeskError("The sampling settings in the file are not numbers where numbers belong.") from None
        return cls(**values).check()

    def with_preset(self, name: str) -> "Sampling":
        """These settings with a preset's sampling values (length, seed and stop strings are kept)."""
        return replace(self, **PRESETS[name])


#: the sampling part of each preset; the token budget, seed and stop strings stay the user's
PRESETS: dict[str, dict[str, Any]] = {
    "precise": {"temperature": 0.0, "top_k": 0, "top_p": 1.0, "min_p": 0.0, "repetition_penalty": 1.1},
    "balanced": {"temperature": 0.7, "top_k": 40, "top_p": 0.9, "min_p": 0.05, "repetition_penalty": 1.1},
    "creative": {"temperature": 1.1, "top_k": 0, "top_p": 0.98, "min_p": 0.02, "repetition_penalty": 1.0},
}


def parse_stop(text: str) -> tuple[str, ...]:
    """Stop strings typed one per line; ``\\n`` and ``\\t`` stand for a line break and a tab."""
    lines = [line for line in text.splitlines() if line != ""]
    return tuple(line.replace("\\n", "\n").replace("\\t", "\t") for line in lines)


def format_stop(stop: tuple[str, ...]) -> str:
    """The inverse of :func:`parse_stop`, for showing saved stop strings in a text box."""
    return "\n".join(s.replace("\n", "\\n").replace("\t", "\\t") for s in stop)
