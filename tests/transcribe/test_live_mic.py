"""End to end through sounddevice: espeak-ng speech played into a PulseAudio null sink, recorded by
the real microphone path in real time, transcribed by the real Whisper tiny.en."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from models.transcribe import audio, autosave
from models.core.events import Data, Final, Log
from models.transcribe.recognizer import read_audio
from models.transcribe.streaming import LivePartial
from models.transcribe.wer import word_error_rate
from tests.fixtures.audio_env import silence
from tests.fixtures.speech_models import make_speech
from models.transcribe.live import WAVE_STEP, run_live

pytestmark = pytest.mark.audio
ROOT = Path(__file__).resolve().parents[2]
FIRST = "Please call me tomorrow morning at the office about the budget."
SECOND = "The train leaves the station every hour on the hour."


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory) -> tuple[Path, float]:
    """Two sentences with a pause, about 9 s: (wav, seconds)."""
    folder = tmp_path_factory.mktemp("mic-speech")
    parts = [silence(0.3)]
    for i, text in enumerate((FIRST, SECOND)):
        parts += [read_audio(make_speech(folder / f"{i}.wav", text)), silence(1.0)]
    data = np.concatenate(parts)
    sf.write(folder / "two.wav", data, audio.TARGET_RATE, subtype="PCM_16")
    return folder / "two.wav", data.size / audio.TARGET_RATE


def test_the_virtual_microphone_is_listed(virtual_mic) -> None:
    names = [d.name for d in audio.list_input_devices()]
    assert "pulse" in names
    assert audio.find_input_device("pulse").name == "pulse"


def test_live_transcript_through_the_virtual_microphone(virtual_mic, real_whisper, speech_wav) -> None:
    wav, seconds = speech_wav
    events: list = []

    def progress(event) -> None:
        events.append(event)
        if isinstance(event, Log) and event.message == "listening on pulse":
            virtual_mic.play(wav)

    result = run_live(str(real_whisper), microphone="pulse", duration=seconds + 1.5, progress=progress)

    assert result.error is None and result.device == "pulse"
    finals = [e for e in events if isinstance(e, Final)]
    assert len(finals) == 2
    assert word_error_rate(f"{FIRST} {SECOND}", " ".join(f.text for f in finals)) <= 0.25
    assert 0 < finals[0].start < finals[0].end < finals[1].start < finals[1].end < seconds + 1.5
    kinds = [type(e) for e in events if isinstance(e, (LivePartial, Final))]
    assert kinds.index(LivePartial) < kinds.index(Final)
    assert len(result.latencies) == 2
    saved = autosave.load(result.session_file)
    assert [s.text for s in saved] == [f.text for f in finals]


def test_a_microphone_lost_mid_session_keeps_the_transcript(virtual_mic, real_whisper, speech_wav) -> None:
    wav, seconds = speech_wav
    first = read_audio(wav.parent / "0.wav").size / audio.TARGET_RATE
    heard = {"seconds": 0.0, "speech_at": None, "killed": False}

    def progress(event) -> None:
        if isinstance(event, Log) and event.message == "listening on pulse":
            virtual_mic.play(wav)
        elif isinstance(event, Data) and event.kind == "level":
            # the sound server dies once the microphone has heard the first sentence and part of the
            # pause (the meter's audio, so however late the recogniser is on a loaded CPU)
            heard["seconds"] += event.payload["wave"].size * WAVE_STEP
            if heard["speech_at"] is None and event.payload["peak"] > 0.05:
                heard["speech_at"] = heard["seconds"]
            if heard["speech_at"] is not None and not heard["killed"] \
                    and heard["seconds"] >= heard["speech_at"] + first + 0.5:
                heard["killed"] = True
                threading.Thread(target=virtual_mic.kill_server).start()

    result = run_live(str(real_whisper), microphone="pulse", duration=seconds + 5, progress=progress)
    assert result.error == "The input device 'pulse' stopped delivering audio (was it unplugged?)."
    assert len(result.segments) >= 1
    assert word_error_rate(FIRST, result.segments[0].text) <= 0.5
    assert result.audio_seconds < seconds + 1
    assert [s.text for s in autosave.load(result.session_file)] == [s.text for s in result.segments]


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "transcribe", *args], cwd=ROOT,
                            env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_cli_lists_devices_and_refuses_an_unknown_one(virtual_mic, real_whisper) -> None:
    listing = _cli("--list-devices")
    out, _ = listing.communicate(timeout=60)
    assert listing.returncode == 0 and "pulse" in out
    wrong = _cli("--live", "--device", "no-such-mic", "--model", str(real_whisper))
    out, err = wrong.communicate(timeout=60)
    assert wrong.returncode == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("modeldesk: error: There is no input device called 'no-such-mic'; the inputs are:")
    assert "pulse" in line


def test_cli_live_prints_each_segment_as_it_is_committed(virtual_mic, real_whisper, speech_wav) -> None:
    wav, seconds = speech_wav
    proc = _cli("--live", "--device", "pulse", "--duration", f"{seconds + 1.5:.1f}", "--model", str(real_whisper))
    for line in proc.stderr:
        if line.strip() == "listening on pulse":
            virtual_mic.play(wav)
            break
    else:
        pytest.fail(f"no 'listening on' line; exit {proc.wait()}")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith("[00:00:") and " --> 00:00:" in line for line in lines)
    text = " ".join(line.split("] ", 1)[1] for line in lines)
    assert word_error_rate(f"{FIRST} {SECOND}", text) <= 0.25
    assert "transcript autosaved in" in err
