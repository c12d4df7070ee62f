"""The streaming recogniser: 16 kHz audio in, partial and committed text out.

Audio is cut into utterances by voice activity: one ends after ``end_silence`` of silence
or is forced at ``max_utterance`` (Whisper sees at most 30 s). While an utterance grows it is
decoded again every ``partial_every`` seconds (less often when decodes are slow, so they
take at most ``busy_share`` of the time); words that two consecutive decodes agree on are
committed (LocalAgreement-2) and never change afterwards.

Latency from the end of speech to the final text is the time to notice the end plus one
decode, and nothing else: when the speaker pauses for ``pause`` seconds the utterance is
decoded at once, so that when the pause turns out to be the end its final text is ready or
nearly so; and a running partial decode listens to the audio arriving meanwhile and is cut
short by that pause instead of making the final decode wait (see listening_while_decoding).

``end_silence`` is 0.35 s: through the virtual microphone the median latency was 0.58 s at 0.5 s
and 0.42 s at 0.35 s, with the same WER and segments (live_transcribe.py --end-silence 0.5,0.35).

Decoding safeguards (issue 18): the decodes that make final text (at a pause and at the end) use
the temperature fallback and token budget (decoding.with_fallback); greedy partials that the
fallback would not keep (a loop, or mean log-probability under -1) give no words. Every decode's
words go through decoding.without_repeats (a committed segment never repeats a sentence); no
prompt follows a decode hotter than 0.5. The encoder input fits the utterance (a second more,
``window_floor`` 10 s to ``window`` 30 s; files get 30 s): on the whole held-out corpus (52 clips)
on a core of its own (benchmarks/live_simulated.py) WER was 0.245 with either input, the median
latency 1.00 -> 0.60 s and CPU per audio second 0.184 -> 0.111 s (espeak tuning corpus: WER
0.134 -> 0.150).

Falling behind: partials wait for ``caught_up``; past ``catch_up`` seconds waiting, a pause ends
the utterance only once it holds ``catch_up_window`` seconds, so one encoder pass serves several
waiting sentences and the session catches up instead of losing audio.

The recogniser is synchronous and knows nothing about devices: ``accept`` feeds it audio and
returns the events that audio caused. live.py drives it.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional, Protocol

import numpy as np

from models.transcribe import audio, decoding
from models.transcribe import vad as detectors
from models.core.events import Event, Final, Log, Metric, ModelDeskError, Partial
from models.transcribe.recognizer import LOGPROB_THRESHOLD, NO_SPEECH_THRESHOLD, Decoded

RATE = audio.TARGET_RATE
#: a forced cut falls in the last this-many seconds before ``max_utterance``
CUT_WINDOW = 3.0
#: how often (seconds) a running early decode looks at newly arrived audio
LISTEN_EVERY = 0.01
#: consecutive speech frames that count as the speaker resuming after a pause
RESUME_FRAMES = 2
FIT_MARGIN = 1.0   # seconds a fitted encoder input keeps after the utterance


class Decoder(Protocol):
    """What the recogniser needs from a speech model (recognizer.Recognizer has it)."""

    def decode(self, audio: np.ndarray, language: Optional[str] = None, task: str = "transcribe",
               prompt_text: Optional[str] = None, fallback: bool = True) -> Decoded:
        """The text of one utterance of at most 30 s, with Whisper's no-speech evidence;
        ``fallback``: with the temperature fallback (a ``window`` keyword, the encoder's input
        in seconds, is passed only when it is under 30 s: see encoder_input)."""


@dataclass(frozen=True)
class LivePartial(Partial):
    """The utterance in progress: ``committed`` never changes any more, ``text`` (the rest) may."""
    committed: str = ""


@dataclass
class StreamConfig:
    """Segmentation, decoding cadence and hallucination gate (seconds unless stated)."""
    vad: str = "auto"               # silero when installed, else energy
    speech_threshold: float = 0.5   # VAD score that counts as speech
    end_silence: float = 0.35       # silence that ends an utterance: the latency's floor (module docstring)
    pause: float = 0.09             # silence after which the utterance is decoded ahead of its end
    partial_every: float = 0.8      # new audio between two partial decodes while speaking ...
    busy_share: float = 0.5         # ... or more, so partials keep the decoder at most this busy
    max_utterance: float = 28.0     # force a cut (at the quietest recent moment) past this
    min_speech: float = 0.25        # less speech than this in an utterance is a click, not words
    preroll: float = 0.25           # audio kept before the detected onset (soft first consonants)
    tail: float = 0.09              # audio kept after the last speech frame (at most ``pause``)
    no_speech_threshold: float = NO_SPEECH_THRESHOLD   # Whisper's rule: drop text when no_speech_prob
    logprob_threshold: float = LOGPROB_THRESHOLD       # is above this and avg_logprob below this
    prompt: bool = True             # condition each decode on the previous committed text
    window: float = 30.0            # Whisper's encoder input (s) at most ...
    window_floor: float = 10.0      # ... and at least: it fits the utterance in between (module docstring)
    catch_up: float = 10.0          # audio waiting (s) past which the session is behind: a few sentences ...
    catch_up_window: float = 14.0   # ... and a pause ends an utterance only once it holds this much audio


def make_vad(kind: str) -> Any:
    """The configured detector; ``auto`` prefers silero (it measured far better in noise)."""
    if kind != "auto":
        return detectors.make_vad(kind)
    try:
        return detectors.make_vad("silero")
    except (ModelDeskError, ImportError, OSError, RuntimeError):  # no silero-vad or onnxruntime
        return detectors.make_vad("energy")


@dataclass
class _Utterance:
    start: int                       # absolute index of its first sample (onset minus preroll)
    onset: int                       # first speech sample
    chunks: list = field(default_factory=list)
    length: int = 0
    speech: int = 0                  # speech samples seen
    speech_end: int = 0              # end of the last speech frame
    scores: list = field(default_factory=list)   # per frame (for choosing a forced cut)
    committed: list = field(default_factory=list)
    previous: Optional[list] = None  # words of the previous decode (LocalAgreement)
    last_words: Optional[list] = None
    decoded_to: int = -1             # absolute index the last decode covered
    checked: bool = False            # the last decode had the temperature fallback (a final may reuse it)

    def add(self, samples: np.ndarray) -> None:
        self.chunks.append(samples)
        self.length += samples.size

    def audio(self, upto: Optional[int] = None) -> np.ndarray:
        data = np.concatenate(self.chunks) if len(self.chunks) != 1 else self.chunks[0]
        self.chunks = [data]
        return data if upto is None else data[:max(0, upto - self.start)]

    @property
    def end(self) -> int:
        return self.start + self.length


class Preempted(Exception):
    """Cuts an early decode short once it has gone stale (see listening_while_decoding)."""


class StreamingRecognizer:
    """Feed 16 kHz mono audio with ``accept``; call ``finish`` at the end of the stream."""

    def __init__(self, decoder: Decoder, config: Optional[StreamConfig] = None, language: Optional[str] = None,
                 task: str = "transcribe", vad: Any = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.decoder = decoder
        self.config = config or StreamConfig()
        self.language = language
        self.task = task
        self.vad = vad if vad is not None else make_vad(self.config.vad)
        self.clock = clock
        self.index = 0                       # absolute index of the next sample
        self.decodes = 0
        self.decode_seconds = 0.0            # recent decode time (moving average)
        self.preemptions = 0                 # early decodes cut short
        self._decoding: Optional[tuple[str, _Utterance]] = None   # the early decode running, if any
        self._speech_run = 0                 # consecutive speech frames
        self.segments: list[Final] = []
        self._prompt_from = 0                # segments before this are not a prompt (a hot decode)
        self._notes: list[Event] = []        # warnings from decodes, sent with the next events
        self._pending = np.zeros(0, dtype=np.float32)
        self._history: deque = deque()      # recent non-utterance audio, for the preroll
        self._history_len = 0
        self._utt: Optional[_Utterance] = None
        self._silence = 0                    # samples since the last speech frame
        self._arrivals: deque = deque(maxlen=4096)   # (end index, arrival time) for latency
        self._waiting = 0.0                  # seconds of audio queued behind the block being accepted
        self.merged, self._behind = 0, False  # pauses kept inside an utterance while behind; behind now

    # --- feeding --------------------------------------------------------------
    def accept(self, samples: np.ndarray, start: Optional[int] = None, arrived: Optional[float] = None,
               caught_up: bool = True, waiting: float = 0.0) -> list[Event]:
        """Process new audio; ``start`` past the current index means audio was lost there.

        ``caught_up`` says no more audio is waiting: only then are partial decodes worth
        their time (while behind, the recogniser only finalises utterances). ``waiting``: seconds
        of audio queued after this block (with what waits here, heard during a decode).
        """
        events: list[Event] = []
        if start is not None and start > self.index + self._pending.size:
            events += self._finalise(self.index)      # a gap: close what was heard before it
            self._pending = np.zeros(0, dtype=np.float32)
            self.index = start
            self._clear_history()
        samples = np.asarray(samples, dtype=np.float32)
        if arrived is not None:
            self._arrivals.append((self.index + self._pending.size + samples.size, arrived))
        data = np.concatenate([self._pending, samples]) if self._pending.size else samples
        size, used = self.vad.frame_samples, 0
        while data.size - used >= size:
            if self._decoding is not None and self._would_close(size):
                break   # closing the utterance waits for the decode in progress
            self._waiting = waiting + (data.size - used - size) / RATE
            events += self._frame(data[used:used + size])
            used += size
            if self._decoding is not None and self._should_preempt():
                self._pending = data[used:].copy()
                self.preemptions += 1
                raise Preempted()
        self._pending = data[used:].copy()
        if caught_up:
            events += self._maybe_decode_early()
        return events

    @contextmanager
    def listening_while_decoding(self, listen: Callable[[], None]) -> Iterator[None]:
        """Let early decodes hear the audio that arrives while they run.

        While active, an early decode calls ``listen`` every few milliseconds (between decoder
        steps through the Recognizer's ``step_hooks``, on any backend; for another decoder, from
        forward pre-hooks on its torch ``model``); ``listen`` passes the new audio to ``accept``
        (with ``caught_up=False``), which follows the speaker and raises Preempted out of the
        decode when it has gone stale: a partial when the speaker pauses (so the decode for
        the pause starts at once rather than after it), a pause decode when speech resumes.
        A decoder with neither simply is not interrupted.
        """
        thread = threading.get_ident()
        last = [0.0]

        def hook(*_args: Any) -> None:
            if self._decoding is not None and threading.get_ident() == thread:
                now = time.monotonic()
                if now - last[0] >= LISTEN_EVERY:
                    last[0] = now
                    listen()

        hooks = getattr(self.decoder, "step_hooks", None)
        if isinstance(hooks, list):   # the Recognizer: between two decoder steps, on any backend
            hooks.append(hook)
            try:
                yield
            finally:
                hooks.remove(hook)
            return
        model = getattr(self.decoder, "model", None)
        if not hasattr(model, "modules"):
            yield
            return
        handles = [module.register_forward_pre_hook(hook) for module in model.modules()]
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    def _should_preempt(self) -> bool:
        assert self._decoding is not None
        kind, utt = self._decoding
        if kind == "partial":
            return self._silence >= self.config.pause * RATE
        return self._speech_run >= RESUME_FRAMES

    def _would_close(self, frame_size: int) -> bool:
        """Would one more frame end (or force-cut) the utterance? Not while a decode runs."""
        utt, cfg = self._utt, self.config
        return utt is not None and (self._silence + frame_size >= cfg.end_silence * RATE
                                    or utt.length + frame_size >= cfg.max_utterance * RATE)

    def finish(self) -> list[Event]:
        """The end of the stream: finalise the utterance in progress."""
        events: list[Event] = []
        if self._utt is not None and self._pending.size:
            self._utt.add(self._pending)
        self.index += self._pending.size
        self._pending = np.zeros(0, dtype=np.float32)
        events += self._finalise(self.index)
        return events

    # --- per frame ------------------------------------------------------------
    def _frame(self, frame: np.ndarray) -> list[Event]:
        cfg = self.config
        score = float(self.vad(frame))
        speech = score >= cfg.speech_threshold
        begin = self.index
        self.index += frame.size
        events: list[Event] = []
        utt = self._utt
        if utt is None:
            if not speech:
                self._remember(frame)
                return events
            preroll = self._take_history(int(cfg.preroll * RATE))
            utt = self._utt = _Utterance(start=begin - preroll.size, onset=begin)
            if preroll.size:
                utt.add(preroll)
        utt.add(frame)
        utt.scores.append(score)
        if speech:
            utt.speech += frame.size
            utt.speech_end = self.index
            self._silence = 0
            self._speech_run += 1
        else:
            self._silence += frame.size
            self._speech_run = 0
        if self._silence >= cfg.end_silence * RATE and not self._catching_up(utt, frame.size):
            events += self._finalise(min(self.index, utt.speech_end + int(cfg.tail * RATE)))
        elif utt.length >= cfg.max_utterance * RATE:
            events += self._force_cut()
        return events + self._take_notes()

    def _catching_up(self, utt: _Utterance, frame_size: int) -> bool:
        """Behind the audio, with room left in the utterance: this pause does not end it."""
        cfg, behind = self.config, self._waiting > self.config.catch_up
        if behind and not self._behind:
            self._notes.append(Log(f"Recognition is {self._waiting:.0f} s behind the audio: the sentences waiting "
                                   "are decoded together until it catches up (no audio is lost).",
                                   level="warning"))
        self._behind = behind
        merge = behind and utt.length < cfg.catch_up_window * RATE
        self.merged += merge and self._silence - frame_size < cfg.end_silence * RATE   # once per pause
        return merge

    def _remember(self, frame: np.ndarray) -> None:
        self._history.append(frame)
        self._history_len += frame.size
        limit = int(self.config.preroll * RATE) + frame.size
        while self._history and self._history_len - self._history[0].size >= limit:
            self._history_len -= self._history.popleft().size

    def _take_history(self, count: int) -> np.ndarray:
        data = np.concatenate(list(self._history)) if self._history else np.zeros(0, dtype=np.float32)
        self._clear_history()
        return data[-count:] if count else np.zeros(0, dtype=np.float32)

    def _clear_history(self) -> None:
        self._history.clear()
        self._history_len = 0

    # --- decoding -------------------------------------------------------------
    def _maybe_decode_early(self) -> list[Event]:
        """A partial decode while speaking, or a decode as soon as the speaker pauses.

        Either may be cut short (Preempted) by what the speaker does meanwhile: a partial by a
        pause, which wants its own decode now; a pause decode by speech resuming, which makes
        it stale. Then the next decision is taken on the spot.
        """
        while True:
            plan = self._next_early_decode()
            if plan is None:
                return []
            kind, utt, upto = plan
            self._decoding = (kind, utt)
            try:
                result = self._run_decode(utt.audio(upto), fallback=kind == "pause")
            except Preempted:
                continue
            finally:
                self._decoding = None
            return self._agree(utt, self._apply(utt, upto, *result, checked=kind == "pause")) + self._take_notes()

    def _next_early_decode(self) -> Optional[tuple[str, _Utterance, int]]:
        """("pause" | "partial", utterance, decode up to) or None."""
        utt, cfg = self._utt, self.config
        if utt is None or utt.speech < cfg.min_speech * RATE:
            return None
        if utt.length >= (cfg.max_utterance - CUT_WINDOW) * RATE:
            return None   # nothing gets committed where a forced cut may fall
        if self._silence >= cfg.pause * RATE:
            if utt.decoded_to >= utt.speech_end:
                return None
            return "pause", utt, min(utt.end, utt.speech_end + int(cfg.tail * RATE))
        every = max(cfg.partial_every, self.decode_seconds / cfg.busy_share)
        if self._silence > 0 or utt.end - max(utt.decoded_to, utt.start) < every * RATE:
            return None
        return "partial", utt, utt.end

    def _run_decode(self, samples: np.ndarray, fallback: bool = True) -> tuple[Decoded, float]:
        """One decode and how long it took."""
        prompt = None
        recent = self.segments[max(self._prompt_from, len(self.segments) - 3):]
        if self.config.prompt and recent:
            prompt = " ".join(s.text for s in recent)[-200:]
        began = time.perf_counter()
        window = encoder_input(samples.size / RATE, self.config)
        kwargs: dict[str, Any] = {"window": window} if window < 30.0 else {}
        if not fallback:
            kwargs["fallback"] = False
        result = self.decoder.decode(samples, language=self.language, task=self.task, prompt_text=prompt, **kwargs)
        return result, time.perf_counter() - began

    def _apply(self, utt: _Utterance, upto: int, result: Decoded, took: float, checked: bool = True) -> list[str]:
        """Record a decode of ``utt`` up to ``upto``; the hallucination gate may leave no words,
        and the repeat guard takes out what a loop said again."""
        cfg = self.config
        self.decode_seconds = took if not self.decodes else 0.7 * self.decode_seconds + 0.3 * took
        self.decodes += 1
        utt.decoded_to, utt.checked = upto, checked
        if result.gave_up and checked:   # a greedy partial that loops just gives no words
            self._notes.append(Log(f"No text kept for {utt.start / RATE:.1f}-{upto / RATE:.1f} s: the model "
                                   "repeated itself at every temperature there.", level="warning"))
        if result.gave_up or result.temperature > decoding.PROMPT_RESET_TEMPERATURE:
            self._prompt_from = len(self.segments) + 1   # not even this utterance's own text
        silent = result.looks_silent(cfg.no_speech_threshold, cfg.logprob_threshold)
        # a greedy partial the fallback would have decoded again (the model doubts it) commits nothing
        doubtful = not checked and result.avg_logprob is not None and result.avg_logprob < cfg.logprob_threshold
        utt.last_words = [] if silent or doubtful else decoding.without_repeats(result.text.split())
        return utt.last_words

    def _take_notes(self) -> list[Event]:
        notes, self._notes = self._notes, []
        return notes

    def _agree(self, utt: _Utterance, words: list[str]) -> list[Event]:
        """LocalAgreement-2: commit what this decode and the previous one agree on."""
        n = len(utt.committed)
        if utt.previous is not None:
            agreed = _common_prefix(utt.previous, words)
            if len(agreed) > n and agreed[:n] == utt.committed:
                utt.committed = agreed
        utt.previous = words
        committed = utt.committed
        tail = words[len(committed):] if words[:len(committed)] == committed else []
        if not committed and not tail:
            return []
        return [LivePartial(" ".join(tail), committed=" ".join(committed))]

    def _finalise(self, upto: int) -> list[Event]:
        """Close the utterance: reuse a decode that already covered all its speech, or decode."""
        utt, cfg = self._utt, self.config
        if utt is None:
            return []
        self._utt = None
        self._silence = 0
        leftover = utt.audio()[max(0, upto - utt.start):]
        if leftover.size:
            self._remember(leftover)
        if utt.speech < cfg.min_speech * RATE and not utt.committed:
            return []
        if (utt.last_words is not None and utt.checked
                and utt.decoded_to >= min(utt.speech_end + int(cfg.tail * RATE), upto)):
            words = utt.last_words
        else:
            words = self._apply(utt, upto, *self._run_decode(utt.audio(upto)))
        n = len(utt.committed)
        words = decoding.without_repeats(utt.committed + (words[n:] if len(words) > n else []), keep=n)
        events: list[Event] = self._take_notes()
        if not words:
            return events
        final = Final(" ".join(words), start=utt.onset / RATE, end=min(utt.speech_end, upto) / RATE)
        self.segments.append(final)
        events.append(final)
        latency = self._latency(min(utt.speech_end, upto))
        if latency is not None:
            events.append(Metric("latency", latency, step=len(self.segments)))
        return events

    def _force_cut(self) -> list[Event]:
        """Cut a long utterance at its quietest frame of the last CUT_WINDOW seconds.

        No early decode runs in that window, so every committed word lies before the cut.
        """
        utt = self._utt
        assert utt is not None
        size = self.vad.frame_samples
        frames_total = len(utt.scores)
        first = max(0, frames_total - int(CUT_WINDOW * RATE / size))
        if utt.decoded_to > utt.onset:
            first = max(first, (utt.decoded_to - utt.onset) // size)
        first = min(first, frames_total - 1)
        window = np.asarray(utt.scores[first:])
        quietest = first + len(window) - 1 - int(np.argmin(window[::-1]))   # the latest of the quietest
        cut = utt.onset + (quietest + 1) * size
        carry = utt.audio()[cut - utt.start:]
        utt.speech_end = min(utt.speech_end, cut)
        events = self._finalise(cut)
        self._clear_history()
        if carry.size:
            rest = self._utt = _Utterance(start=cut, onset=cut)
            rest.add(carry)
            rest.scores = utt.scores[quietest + 1:]
            rest.speech = int(sum(1 for s in rest.scores if s >= self.config.speech_threshold)) * size
            rest.speech_end = self.index if rest.speech else cut
        return events

    def _latency(self, end_index: int) -> Optional[float]:
        """Seconds from the arrival of the utterance's last speech sample to now."""
        for index, arrived in self._arrivals:
            if index >= end_index:
                return max(0.0, self.clock() - arrived)
        return None


def encoder_input(seconds: float, config: StreamConfig) -> float:
    """Whisper's encoder input for ``seconds`` of audio: a second more, within the config's bounds."""
    return float(min(config.window, max(config.window_floor, math.ceil(seconds + FIT_MARGIN))))


def _common_prefix(a: list[str], b: list[str]) -> list[str]:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]
