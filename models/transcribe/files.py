"""Sound files to timed transcripts, decoded as the reference decodes them, with word timings.

A recording is first mapped by the voice-activity detector (silero when installed, as the live
session uses) and cut into speech chunks as faster-whisper's VAD filter cuts them
(vad_chunks.py: a pause under 2 s stays inside a chunk, each chunk padded 0.4 s). The chunks are
joined end to end, so only long silences are dropped and a short clip is decoded whole, and
the joined audio is decoded 30 s at a time on log-mel features taken over all of it. Each window
is decoded with Whisper's timestamps (and word timings); a window whose last segment was left
open is decoded again from its last complete timestamp (with words: from its last word's end),
conditioned on the text before it as the reference does (not after a window that needed a
temperature above 0.5: its text is doubtful). Times are then mapped back to the recording, each
word inside the chunk it was spoken in. Each decode has the reference's safeguards
(decoding.with_fallback); windows the model calls silent are dropped, and a window that looped
at every temperature is dropped with a warning that names its time range, so speech never
disappears unsaid.
"""
from __future__ import annotations

import bisect
import os
from pathlib import Path
from typing import Any, Optional

import numpy as np

from models.core.events import CancelToken, Final, Log, Progress, ProgressFn, check, emit
from models.transcribe import decoding
from models.transcribe.recognizer import (MEL_HOP, SAMPLE_RATE, WINDOW_SECONDS, Decoded, Recognizer, encoder_window,
                                          read_audio)
from models.transcribe.transcript import Segment, Transcript, Word
from models.transcribe.vad_chunks import PAD, SpeechMap, speech_chunks, voice_probabilities

SPEECH_THRESHOLD = 0.5
#: a speech region shorter than this is a click (seconds)
MIN_SPEECH = 0.1
#: a window left over shorter than this is not worth a decode (seconds)
MIN_WINDOW = 0.2


def speech_regions(probs: np.ndarray, frame: int, total: int) -> list[tuple[int, int]]:
    """(start, end) sample ranges of the frames the detector hears speech in, each padded by PAD,
    overlapping ones merged: where words may lie (fit_to_speech), finer than the decoded chunks."""
    regions: list[list[int]] = []
    for k in np.flatnonzero(np.asarray(probs) >= SPEECH_THRESHOLD):
        if regions and regions[-1][1] == k * frame:
            regions[-1][1] = (k + 1) * frame
        else:
            regions.append([k * frame, (k + 1) * frame])
    pad = int(PAD * SAMPLE_RATE)
    merged: list[list[int]] = []
    for start, end in regions:
        if end - start < MIN_SPEECH * SAMPLE_RATE:
            continue
        start, end = max(0, start - pad), min(total, end + pad)
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


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


def restored(piece: Segment, offset: float, speech: SpeechMap) -> Segment:
    """A window's segment (times from ``offset`` s into the joined audio) in the recording's time."""
    if not piece.words:
        return Segment(*speech.span(offset + piece.start, offset + piece.end), piece.text)
    words = tuple(Word(w.text, *speech.span(offset + w.start, offset + w.end, one_chunk=True)) for w in piece.words)
    return Segment(words[0].start, max(w.end for w in words), piece.text, words)


def decoded_up_to(decoded: Decoded, seconds: float) -> float:
    """How far into its window (s) a decode is done: the whole window, or, when its last segment was
    left open, up to its last timestamp, or its last word's end when words were timed (the reference)."""
    done = seconds if decoded.done is None else decoded.done
    if done < seconds:
        ends = [w.end for s in decoded.segments for w in s.words]
        if ends and max(ends) > 0:
            done = max(ends)
    return done


def transcribe_audio(recognizer: Recognizer, audio: np.ndarray, language: Optional[str] = None,
                     task: str = "transcribe", words: bool = True, label: str = "audio",
                     window: float = WINDOW_SECONDS, condition: bool = True, progress: ProgressFn = None,
                     cancel: Optional[CancelToken] = None, vad: Any = None) -> Transcript:
    """Timed segments of 16 kHz mono ``audio`` (see the module docstring); emits a Final per
    segment, a Log warning per window given up, and a Progress in seconds of the recording after
    each decode, and stops between decodes. ``window`` (seconds) is Whisper's encoder input:
    shorter is faster and less accurate. ``condition``: prompt each window with the text before
    it. ``vad``: the voice-activity detector (default: silero when installed)."""
    code = recognizer.check_request(language, task)
    duration = audio.size / SAMPLE_RATE
    emit(progress, Progress(0.0, duration, f"Finding speech in {label}"))
    transcript = Transcript(language=code)
    if vad is None:
        from models.transcribe.streaming import make_vad

        vad = make_vad("auto")
    probs = voice_probabilities(audio, vad)
    regions = speech_regions(probs, vad.frame_samples, audio.size)
    speech = SpeechMap(tuple(speech_chunks(probs, vad.frame_samples, audio.size)))
    joined = speech.join(audio)
    mel = recognizer.log_mel(joined) if recognizer.kind == "whisper" and joined.size else None
    window = encoder_window(window)
    size = int(window * SAMPLE_RATE) // MEL_HOP * MEL_HOP
    context: list[str] = []   # the text since the last reset, the next window's prompt
    seek = 0
    while joined.size - seek >= MIN_WINDOW * SAMPLE_RATE:
        check(cancel)
        chunk = joined[seek:seek + size]
        frames = None if mel is None else mel[..., seek // MEL_HOP:(seek + chunk.size) // MEL_HOP]
        decoded = recognizer.decode(chunk, language=language, task=task, timestamps=True, words=words,
                                    window=window, prompt_text=" ".join(context[-16:]) if condition else None,
                                    features=frames)
        if transcript.language is None:
            transcript.language = decoded.language
        offset = seek / SAMPLE_RATE
        if decoded.gave_up:
            emit(progress, gave_up_warning(*speech.span(offset, offset + chunk.size / SAMPLE_RATE)))
        elif not decoded.looks_silent():
            for piece in decoded.segments:
                segment = fit_to_speech(restored(piece, offset, speech), regions)
                transcript.segments.append(segment)
                context.append(segment.text)
                emit(progress, Final(segment.text, segment.start, segment.end))
        if decoded.gave_up or decoded.temperature > decoding.PROMPT_RESET_TEMPERATURE:
            context = []
        done = int(decoded_up_to(decoded, chunk.size / SAMPLE_RATE) * SAMPLE_RATE) // MEL_HOP * MEL_HOP
        seek += done if done >= SAMPLE_RATE // 2 else chunk.size   # always move on
        at = speech.original(min(seek, joined.size) / SAMPLE_RATE)
        emit(progress, Progress(at, duration, f"{_clock(at)} of {_clock(duration)}"))
    check(cancel)
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
