"""Sound files to timed transcripts: voice-guided windows, timestamped decoding, word timings.

A recording is first mapped by the voice-activity detector (silero when installed, as the live
session uses): speech regions, padded a little, are packed into windows of at most 30 s, and a
pause longer than ``MAX_GAP`` ends a window, so long silence is never decoded. Each window is
decoded with Whisper's timestamps (and word timings); a window whose last segment was left open
is decoded again from its last complete timestamp, conditioned on the text before it as the
reference does (not after a window that needed a temperature above 0.5: its text is doubtful).
Each decode has the reference's safeguards (decoding.with_fallback); windows the model calls
silent are dropped, and a window that looped at every temperature is dropped with a warning
that names its time range, so speech never disappears unsaid.
"""
from __future__ import annotations

import bisect
import os
from pathlib import Path
from typing import Any, Optional

import numpy as np

from models.core.events import CancelToken, Final, Log, Progress, ProgressFn, check, emit
from models.transcribe import decoding
from models.transcribe.recognizer import (SAMPLE_RATE, WINDOW_SECONDS, Recognizer, encoder_window, read_audio,
                                          split_at_silences)
from models.transcribe.transcript import Segment, Transcript, Word

#: a pause longer than this ends a window (seconds)
MAX_GAP = 2.0
#: audio kept around each speech region (seconds): the reference's VAD pads 0.4 s (faster-whisper's
#: speech_pad_ms); with 0.2 s the decoder lost the start or end of short utterances
PAD = 0.4
SPEECH_THRESHOLD = 0.5
#: a speech region shorter than this is a click (seconds)
MIN_SPEECH = 0.1
#: a window left over shorter than this is not worth a decode (seconds)
MIN_WINDOW = 0.2


def speech_regions(audio: np.ndarray, vad: Any = None) -> list[tuple[int, int]]:
    """(start, end) sample ranges of speech, each padded by PAD, overlapping ones merged."""
    if vad is None:
        from models.transcribe.streaming import make_vad

        vad = make_vad("auto")
    size = vad.frame_samples
    regions: list[list[int]] = []
    for k in range(audio.size // size):
        if float(vad(audio[k * size:(k + 1) * size])) < SPEECH_THRESHOLD:
            continue
        if regions and regions[-1][1] == k * size:
            regions[-1][1] = (k + 1) * size
        else:
            regions.append([k * size, (k + 1) * size])
    pad = int(PAD * SAMPLE_RATE)
    merged: list[list[int]] = []
    for start, end in regions:
        if end - start < MIN_SPEECH * SAMPLE_RATE:
            continue
        start, end = max(0, start - pad), min(audio.size, end + pad)
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def speech_windows(regions: list[tuple[int, int]], audio: np.ndarray, max_seconds: float = WINDOW_SECONDS,
                   max_gap: float = MAX_GAP) -> list[tuple[int, int]]:
    """Speech regions packed into windows of at most ``max_seconds``; a longer pause starts a new one.

    A single region longer than a window is cut at its quiet points (split_at_silences).
    """
    limit, gap = int(max_seconds * SAMPLE_RATE), int(max_gap * SAMPLE_RATE)
    windows: list[tuple[int, int]] = []
    for start, end in regions:
        if windows and start - windows[-1][1] <= gap and end - windows[-1][0] <= limit:
            windows[-1] = (windows[-1][0], end)
        elif end - start > limit:
            windows += [(start + a, start + b) for a, b in split_at_silences(audio[start:end], max_seconds=max_seconds)]
        else:
            windows.append((start, end))
    return windows


def fit_to_speech(segment: Segment, regions: list[tuple[int, int]]) -> Segment:
    """The segment with each word trimmed to the speech region it overlaps most.

    Dynamic time warping tiles the window with words, so the last word before a pause takes the
    pause too; the voice-activity map knows better where speech stopped.
    """
    if not segment.words or not regions:
        return segment
    starts = [a for a, _ in regions]
    words = []
    for word in segment.words:
        a, b = word.start * SAMPLE_RATE, word.end * SAMPLE_RATE
        k = bisect.bisect_right(starts, b)
        near = regions[max(0, k - 2):k + 1]
        best = max(near, key=lambda r: min(b, r[1]) - max(a, r[0]))
        if min(b, best[1]) - max(a, best[0]) > 0:
            start = max(a, best[0]) / SAMPLE_RATE
            word = Word(word.text, start, max(start, min(b, best[1]) / SAMPLE_RATE))
        words.append(word)
    return Segment(words[0].start, max(w.end for w in words), segment.text, tuple(words))


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def time_range(start: float, end: float) -> str:
    """'0:03.2-0:05.0': a stretch of a recording, to a tenth of a second."""
    def stamp(seconds: float) -> str:
        minutes, secs = divmod(seconds, 60.0)
        return f"{int(minutes)}:{secs:04.1f}"
    return f"{stamp(start)}-{stamp(end)}"


def gave_up_warning(start: float, end: float) -> Log:
    """The warning for a window dropped after every temperature looped (decoding.with_fallback)."""
    return Log(f"No text kept for {time_range(start, end)}: the model repeated itself at every "
               "temperature there.", level="warning")


def transcribe_audio(recognizer: Recognizer, audio: np.ndarray, language: Optional[str] = None,
                     task: str = "transcribe", words: bool = True, label: str = "audio",
                     window: float = WINDOW_SECONDS, condition: bool = True, progress: ProgressFn = None,
                     cancel: Optional[CancelToken] = None) -> Transcript:
    """Timed segments of 16 kHz mono ``audio`` (see the module docstring); emits a Final per
    segment, a Log warning per window given up, and a Progress in seconds of audio after each
    decode, and stops between decodes. ``window`` (seconds) is Whisper's encoder input: shorter
    is faster and less accurate. ``condition``: prompt each window with the text before it."""
    code = recognizer.check_request(language, task)
    duration = audio.size / SAMPLE_RATE
    emit(progress, Progress(0.0, duration, f"Finding speech in {label}"))
    transcript = Transcript(language=code)
    regions = speech_regions(audio)
    window = encoder_window(window)
    context: list[str] = []   # the text since the last reset, the next window's prompt
    for start, end in speech_windows(regions, audio, max_seconds=window):
        seek = start
        while end - seek >= MIN_WINDOW * SAMPLE_RATE:
            check(cancel)
            chunk = audio[seek:min(end, seek + int(window * SAMPLE_RATE))]
            decoded = recognizer.decode(chunk, language=language, task=task, timestamps=True, words=words,
                                        window=window, prompt_text=" ".join(context[-16:]) if condition else None)
            if transcript.language is None:
                transcript.language = decoded.language
            done = int((decoded.done or 0.0) * SAMPLE_RATE)
            advance = done if done >= SAMPLE_RATE // 2 else chunk.size   # always move on
            if decoded.gave_up:
                emit(progress, gave_up_warning(seek / SAMPLE_RATE, (seek + chunk.size) / SAMPLE_RATE))
            elif not decoded.looks_silent():
                for piece in decoded.segments:
                    segment = fit_to_speech(piece.shifted(seek / SAMPLE_RATE), regions)
                    transcript.segments.append(segment)
                    context.append(segment.text)
                    emit(progress, Final(segment.text, segment.start, segment.end))
            if decoded.gave_up or decoded.temperature > decoding.PROMPT_RESET_TEMPERATURE:
                context = []
            seek += advance
            at = min(seek, end) / SAMPLE_RATE
            emit(progress, Progress(at, duration, f"{_clock(at)} of {_clock(duration)}"))
    emit(progress, Progress(duration, duration, f"{_clock(duration)} of {_clock(duration)}"))
    return transcript


def transcribe_file(model: "Recognizer | os.PathLike | str", path: os.PathLike | str,
                    language: Optional[str] = None, task: str = "transcribe", words: bool = True,
                    window: float = WINDOW_SECONDS, condition: bool = True, device: str = "auto",
                    backend: str = "torch",
                    allow_pickle: bool = False, progress: ProgressFn = None,
                    cancel: Optional[CancelToken] = None) -> Transcript:
    """Transcribe (or, with Whisper, translate to English) a sound file into timed segments.

    ``model`` is a loaded Recognizer or a model folder/name, loaded (once, then cached) on
    ``backend``.
    """
    audio = read_audio(path)   # a file that cannot be read is refused before the model loads
    recognizer = (model if isinstance(model, Recognizer)
                  else Recognizer.load(model, device=device, allow_pickle=allow_pickle, backend=backend))
    recognizer.check_request(language, task)
    return transcribe_audio(recognizer, audio, language=language, task=task, words=words, window=window,
                            condition=condition, label=Path(path).name, progress=progress, cancel=cancel)
