"""Autosave: a live session killed with SIGKILL leaves every committed segment on disk."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from models.transcribe import autosave
from models.core.events import Final

ROOT = Path(__file__).resolve().parents[2]

SESSION = """
import json, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from models.transcribe.audio import ArraySource
from models.transcribe.autosave import Autosave
from models.core.events import Final
from models.transcribe.streaming import StreamConfig, StreamingRecognizer
from tests.fixtures.audio_env import FakeDecoder, utterances
from models.transcribe.live import LiveSession

words = ["alpha", "bravo", "charlie", "delta"]
audio = utterances([words[i % 4:] + words[:i % 4] for i in range(40)], pause=0.6)

def progress(event):
    if isinstance(event, Final):
        print(json.dumps([event.start, event.end, event.text]), flush=True)

with Autosave(session="killed", folder=Path(sys.argv[1])) as saver:
    LiveSession(ArraySource(audio, 16000, speed=4.0),
                StreamingRecognizer(FakeDecoder(delay=0.02), StreamConfig(vad="energy")),
                progress=progress, autosave=saver).run()
print("finished", flush=True)
"""


def test_killing_a_live_session_keeps_every_committed_segment(tmp_path: Path) -> None:
    script = tmp_path / "session.py"
    script.write_text(SESSION.format(root=str(ROOT)))
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    shown = []
    for line in proc.stdout:
        assert line.strip() != "finished", "the session ended before it was killed"
        shown.append(json.loads(line))
        if len(shown) == 4:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    saved = autosave.load(tmp_path / "killed.jsonl")
    assert len(saved) >= len(shown) == 4
    for (start, end, text), segment in zip(shown, saved):
        assert (segment.text, segment.start, segment.end) == (text, round(start, 3), round(end, 3))


def test_a_line_torn_by_a_crash_is_skipped(tmp_path: Path) -> None:
    with autosave.Autosave(session="s", folder=tmp_path, model="tiny") as saver:
        saver.append(Final("hello there", 0.5, 1.25))
        saver.append(Final("second one", 2.0, 3.0))
    path = tmp_path / "s.jsonl"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"type": "segment", "start": 4.0, "te')
    header = json.loads(path.read_text().splitlines()[0])
    assert header["type"] == "session" and header["session"] == "s" and header["model"] == "tiny"
    assert [(s.text, s.start, s.end) for s in autosave.load(path)] == [("hello there", 0.5, 1.25),
                                                                      ("second one", 2.0, 3.0)]


def test_a_session_that_heard_nothing_leaves_no_file(tmp_path: Path) -> None:
    with autosave.Autosave(session="quiet", folder=tmp_path):
        pass
    assert not (tmp_path / "quiet.jsonl").exists()


def test_session_ids_are_unique_and_sortable() -> None:
    first, second = autosave.new_session_id(), autosave.new_session_id()
    assert first != second and len(first) == len(second) and first[:8].isdigit()
