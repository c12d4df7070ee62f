"""Whisper's greedy decoding loop, with or without timestamps, shared by every backend.

A backend only has to give ``step(ids) -> logits`` (numpy, float32, the prediction after the
last id it was fed; its key/value cache grows with each call). Everything else happens here on
numpy: the suppression lists, the timestamp rules of the reference decoders, the no-speech
probability and the mean log probability, and turning the tokens into timed segments. So torch
and ONNX Runtime decode with exactly the same rules, and their tokens can be compared one for one.

The timestamp rules (``timestamp_rules``), as the reference Whisper applies them:
- timestamps come in pairs: after a lone timestamp only a timestamp or the end may follow,
  after a pair only text;
- they never go backwards (and only the closing one of a pair may equal the one before);
- the first token is a timestamp no later than ``max_initial`` seconds;
- when the timestamps together are more likely than any text token, a timestamp is chosen;
- here also: never past the audio of the window (``limit``).

The safeguards of the reference's ``transcribe`` (``with_fallback``): a window is decoded at
temperature 0 and, when its text looks like a loop (zlib packs it better than 2.4, or it ran to
its token budget without an end) or the model doubts it (mean log probability under -1), again
at 0.2, 0.4, ... 1.0 by seeded sampling, so a run repeats exactly. The first attempt that passes
is kept; when none does, the most likely one that is not a loop; only a window that loops at
every temperature is given up, and the caller says so with its time range. The budget grows
with the window's audio (``token_budget``), so a loop on 2 s of speech stops after a few dozen
tokens instead of at the model's limit.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

#: seconds per timestamp token (Whisper's encoder frames, two mel frames each)
TIME_PRECISION = 0.02
#: Whisper's own rule for "this window is silence": both must hold
NO_SPEECH_THRESHOLD = 0.6
LOGPROB_THRESHOLD = -1.0
#: ...but small models say a confident "you" on silence, so a near-certain no-speech wins alone
SURE_NO_SPEECH = 0.9
#: text that zlib compresses better than this is a repetition loop (the reference's rule)
COMPRESSION_RATIO_THRESHOLD = 2.4
#: the first timestamp comes within this many seconds of the window's start (the reference's default)
MAX_INITIAL_TIMESTAMP = 1.0
#: the reference's fallback temperatures; sampling above 0 is seeded with FALLBACK_SEED
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
FALLBACK_SEED = 0
#: after a window decoded this hot, the next one is not conditioned on its text (the reference's rule)
PROMPT_RESET_TEMPERATURE = 0.5
#: tokens a window may take: a floor plus this many per second of audio. Speech runs at 2-4 text
#: tokens a second and timestamps add about one; twice the fastest leaves room for dense speech
TOKENS_PER_SECOND = 8.0
MIN_TOKENS = 24

NEG_INF = -np.inf
Step = Callable[[list], np.ndarray]


@dataclass(frozen=True)
class Specials:
    """The token ids the loop needs; ``timestamp_begin`` is <|0.00|> (None: no timestamp tokens)."""
    eot: int
    sot: int
    no_timestamps: Optional[int]
    timestamp_begin: Optional[int]
    no_speech: Optional[int]
    suppress: tuple[int, ...] = ()
    suppress_begin: tuple[int, ...] = ()
    max_tokens: int = 448


@dataclass
class Window:
    """What one greedy decode produced: the sampled tokens (timestamps included) and its evidence."""
    tokens: list[int] = field(default_factory=list)
    no_speech_prob: Optional[float] = None
    avg_logprob: Optional[float] = None
    language: Optional[str] = None


@dataclass(frozen=True)
class TimedTokens:
    """A segment of a window: its text tokens between two timestamps (seconds from the window's start)."""
    start: float
    end: float
    tokens: tuple[int, ...]


def log_softmax(x: np.ndarray) -> np.ndarray:
    top = np.max(x)
    shifted = x - top
    return shifted - np.log(np.sum(np.exp(shifted)))


def timestamp_rules(logits: np.ndarray, sampled: Sequence[int], specials: Specials, limit: int,
                    max_initial: int) -> None:
    """Mask ``logits`` in place so that the next token keeps the timestamp rules (module docstring).

    ``sampled`` are the tokens chosen so far in this window, ``limit`` the last allowed
    timestamp index (the audio's length in 20 ms steps), ``max_initial`` the last allowed
    index for the first one.
    """
    begin, eot = specials.timestamp_begin, specials.eot
    assert begin is not None
    if specials.no_timestamps is not None:
        logits[specials.no_timestamps] = NEG_INF
    last_was_time = len(sampled) >= 1 and sampled[-1] >= begin
    before_was_time = len(sampled) < 2 or sampled[-2] >= begin
    if last_was_time:
        if before_was_time:
            logits[begin:] = NEG_INF        # a pair was closed: text (or the end) follows
        else:
            logits[:eot] = NEG_INF          # a lone timestamp: its partner or the end follows
    times = [t for t in sampled if t >= begin]
    if times:
        floor = times[-1] if last_was_time and not before_was_time else times[-1] + 1
        logits[begin:floor] = NEG_INF       # never backwards
    else:
        logits[:begin] = NEG_INF            # the window opens with a timestamp ...
        logits[begin + max_initial + 1:] = NEG_INF   # ... near its start
    logits[begin + max(0, limit) + 1:] = NEG_INF     # never past the audio
    logprobs = log_softmax(logits)
    stamps = logprobs[begin:]
    if np.isfinite(stamps).any():
        top = np.max(stamps[np.isfinite(stamps)])
        mass = top + math.log(float(np.sum(np.exp(stamps[np.isfinite(stamps)] - top))))
        text = logprobs[:begin]
        if np.isfinite(text).any() and mass > np.max(text):
            logits[:begin] = NEG_INF


def greedy(step: Step, logits: np.ndarray, specials: Specials, budget: int, timestamps: bool = False,
           limit: int = 1500, max_initial: float = MAX_INITIAL_TIMESTAMP,
           on_step: Optional[Callable[[], None]] = None, temperature: float = 0.0,
           rng: Optional[np.random.Generator] = None) -> tuple[list[int], float]:
    """Tokens from ``logits`` (the prediction after the forced prefix) until the end token:
    the most likely at temperature 0, else sampled with ``rng`` from the tempered distribution.

    Returns (the sampled tokens without the end token, the sum of their log probabilities and the
    end's, both untempered as the reference scores them). ``on_step`` runs between two decoder
    steps (a live session listens to new audio there).
    """
    if temperature > 0 and rng is None:
        rng = np.random.default_rng(FALLBACK_SEED)
    eot = specials.eot
    begin = specials.timestamp_begin if timestamps else None
    first_special = eot + 1
    tokens: list[int] = []
    total = 0.0
    initial = int(round(max_initial / TIME_PRECISION))
    for i in range(max(0, budget)):
        logits = np.array(logits, dtype=np.float32, copy=True)
        # specials all follow <|endoftext|>; with timestamps those from <|0.00|> on stay
        logits[first_special:begin] = NEG_INF
        if specials.suppress:
            logits[list(specials.suppress)] = NEG_INF
        if i == 0 and specials.suppress_begin:
            logits[list(specials.suppress_begin)] = NEG_INF
        if begin is not None:
            timestamp_rules(logits, tokens, specials, limit, initial)
        logprobs = log_softmax(logits)
        if temperature > 0:
            assert rng is not None
            probs = np.exp(log_softmax(logits.astype(np.float64) / temperature))
            token = int(rng.choice(probs.size, p=probs / probs.sum()))
        else:
            token = int(np.argmax(logprobs))
        total += float(logprobs[token])
        if token == eot:
            break
        tokens.append(token)
        if on_step is not None:
            on_step()
        logits = step([token])
    return tokens, total


def split_segments(tokens: Sequence[int], timestamp_begin: int, duration: float) -> tuple[list[TimedTokens], float]:
    """The window's segments and how far (seconds) the window is done.

    A window whose last segment was left open (the budget ran out, or the end came after text
    with no closing timestamp) is done only up to its last complete timestamp: the caller
    decodes again from there. One that ends with a lone timestamp, or holds no complete pair,
    is done whole.
    """
    is_time = [t >= timestamp_begin for t in tokens]
    ends_single = len(tokens) >= 2 and is_time[-1] and not is_time[-2]
    pairs = [i for i in range(1, len(tokens)) if is_time[i] and is_time[i - 1]]
    seconds = [min(duration, (t - timestamp_begin) * TIME_PRECISION) for t in tokens]
    segments: list[TimedTokens] = []
    if pairs:
        cuts = pairs + ([len(tokens)] if ends_single else [])
        last = 0
        for cut in cuts:
            piece = tokens[last:cut]
            text = tuple(t for t in piece if t < timestamp_begin)
            start, end = seconds[last], seconds[cut - 1]
            if text:
                segments.append(TimedTokens(start, max(start, end), text))
            last = cut
        done = duration if ends_single else seconds[last - 1]
        return segments, done
    text = tuple(t for t in tokens if t < timestamp_begin)
    times = [s for s, flag in zip(seconds, is_time) if flag]
    start = times[0] if times else 0.0
    end = times[-1] if len(times) > 1 and times[-1] > start else duration
    if text:
        segments.append(TimedTokens(start, end, text))
    return segments, duration


def compression_ratio(text: str) -> float:
    """How well zlib packs the text: a repetition loop packs far better than speech."""
    data = text.encode("utf-8")
    return len(data) / max(1, len(zlib.compress(data))) if data else 0.0


def looks_silent(text: str, no_speech_prob: Optional[float], avg_logprob: Optional[float],
                 no_speech_threshold: float = NO_SPEECH_THRESHOLD,
                 logprob_threshold: float = LOGPROB_THRESHOLD) -> bool:
    """True when the model itself says there was no speech (Whisper's gate against hallucinations)."""
    if not text.strip():
        return True
    if no_speech_prob is None or avg_logprob is None:
        return False
    if no_speech_prob > SURE_NO_SPEECH:
        return True
    return no_speech_prob > no_speech_threshold and avg_logprob < logprob_threshold


def token_budget(seconds: float, limit: int) -> int:
    """How many tokens a window of ``seconds`` of audio may take (module docstring), at most ``limit``."""
    return max(1, min(limit, MIN_TOKENS + math.ceil(TOKENS_PER_SECOND * seconds)))


@dataclass(frozen=True)
class Attempt:
    """One decode of a window at one temperature. ``finished``: it ended with the end token
    (not at its budget); ``avg_logprob`` counts the end token too, as the reference does."""
    tokens: tuple[int, ...]
    text: str
    avg_logprob: float
    temperature: float
    finished: bool

    @property
    def loops(self) -> bool:
        """Text that repeats itself: packed too well by zlib, or still going at its budget."""
        return not self.finished or compression_ratio(self.text) > COMPRESSION_RATIO_THRESHOLD


@dataclass(frozen=True)
class Fallback:
    """The attempt kept for a window; ``gave_up``: it looped at every temperature (nothing kept)."""
    chosen: Attempt
    attempts: int
    gave_up: bool = False


def with_fallback(attempt: Callable[[float, Optional[np.random.Generator]], Attempt],
                  no_speech_prob: Optional[float], temperatures: Sequence[float] = TEMPERATURES,
                  seed: int = FALLBACK_SEED) -> Fallback:
    """Decode at each temperature in turn until an attempt passes (module docstring).

    A window the model calls silence (no_speech_prob above 0.6 with a doubtful mean, or above
    0.9) passes as it is: the caller drops it, and sampling could only invent words for it.
    """
    tried: list[Attempt] = []
    for k, temperature in enumerate(temperatures):
        rng = np.random.default_rng([seed, k]) if temperature > 0 else None
        result = attempt(temperature, rng)
        tried.append(result)
        silence = no_speech_prob is not None and (no_speech_prob > SURE_NO_SPEECH or (
            no_speech_prob > NO_SPEECH_THRESHOLD and result.avg_logprob < LOGPROB_THRESHOLD))
        if silence or (not result.loops and result.avg_logprob >= LOGPROB_THRESHOLD):
            return Fallback(result, len(tried))
    usable = [a for a in tried if not a.loops]
    if usable:
        return Fallback(max(usable, key=lambda a: a.avg_logprob), len(tried))
    return Fallback(tried[-1], len(tried), gave_up=True)


def _plain(word: str) -> str:
    return word.strip(".,!?;:\"'()").lower()


def without_repeats(words: Sequence[str], keep: int = 0, min_run: int = 3, longest: int = 40) -> list[str]:
    """``words`` with what a decoding loop repeats taken out (the guard on live committed text):
    a run of ``min_run`` or more words said again right after itself, a sentence of two or more
    words said again later in the same text, and an unfinished last sentence that begins one of
    them again. The first ``keep`` words (already committed)
    never change; a repeat that reaches into them loses only its part after them.
    """
    out: list[str] = []
    plain: list[str] = []
    for word in words:
        out.append(word)
        plain.append(_plain(word))
        for n in range(min_run, min(longest, len(out) // 2) + 1):
            if plain[-1] == plain[-1 - n] and plain[-n:] == plain[-2 * n:-n]:
                cut = max(len(out) - n, keep)
                del out[cut:], plain[cut:]
                break
    kept: list[str] = []
    seen: set[tuple[str, ...]] = set()
    sentence: list[str] = []
    for k, word in enumerate(out):
        sentence.append(word)
        if word[-1:] in ".!?" or k == len(out) - 1:
            key = tuple(_plain(w) for w in sentence)
            # a repeat is dropped, but for its committed words (nothing before it was dropped then)
            repeat = len(key) >= 2 and key in seen or (word[-1:] not in ".!?" and _starts_a_repeat(key, seen))
            kept += sentence[:max(0, keep - len(kept))] if repeat else sentence
            seen.add(key)
            sentence = []
    return kept


def _starts_a_repeat(tail: tuple[str, ...], seen: set[tuple[str, ...]]) -> bool:
    """An unfinished last sentence of three words or more that begins one said before."""
    return len(tail) >= 3 and any(sentence[:len(tail)] == tail for sentence in seen)
