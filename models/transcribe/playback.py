"""Play a stretch of a sound file on an output device (the transcript editor's click on a cue).

It runs as a job in the engine, like every audio task: the window never does audio work on its
own thread. sounddevice writes blocks of 50 ms, so Stop (or a click on another cue, which
cancels this one) takes effect within one block.
"""
from __future__ import annotations

import os
from typing import Optional

import numpy as np

from models.core.events import CancelToken, ModelDeskError, Progress, ProgressFn, emit
from models.transcribe import audio

BLOCK_SECONDS = 0.05


def play(path: os.PathLike | str, start: float = 0.0, end: Optional[float] = None, output: audio.DeviceSpec = None,
         progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> float:
    """Play ``path`` from ``start`` to ``end`` seconds (None: its end) on ``output`` (None: the
    default output device); returns the seconds played (fewer when cancelled)."""
    if end is not None and end <= start:
        raise ModelDeskError("Nothing to play: the cue ends before it starts.")
    sd = audio._sounddevice()
    with audio.open_sound_file(path) as fh:
        rate = int(fh.samplerate)
        fh.seek(min(int(max(0.0, start) * rate), fh.frames))
        count = -1 if end is None else int((end - max(0.0, start)) * rate)
        data = fh.read(count, dtype="float32", always_2d=True)
    block = max(1, int(rate * BLOCK_SECONDS))
    played = 0
    try:
        with sd.OutputStream(samplerate=rate, channels=data.shape[1], dtype="float32", device=output) as stream:
            while played < len(data) and not (cancel is not None and cancel.cancelled):
                chunk = np.ascontiguousarray(data[played:played + block])
                stream.write(chunk)
                played += len(chunk)
                emit(progress, Progress(played / rate, len(data) / rate, "Playing"))
    except sd.PortAudioError as exc:
        raise ModelDeskError(f"Could not play the audio: {exc}.") from exc
    return played / rate
