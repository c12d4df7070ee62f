"""Autosave of live transcripts: one JSON line per committed segment, on disk before it is shown.

Each append is flushed and fsync'ed, so a killed or crashed app loses at most the utterance
in progress. The file lives in MODELDESK_HOME/transcripts/<session>.jsonl; its first line
describes the session, every other line is a segment.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import IO, Optional

from models.core import paths
from models.core.events import Final, ModelDeskError
from models.transcribe.transcript import Segment


def new_session_id() -> str:
    """Sortable and unique: the start time plus a few random characters."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]


class Autosave:
    """Appends committed segments of one session to its JSON-lines file."""

    def __init__(self, session: Optional[str] = None, folder: Optional[Path] = None, **about: object) -> None:
        self.session = session or new_session_id()
        self.path = Path(folder or paths.transcripts_dir()) / f"{self.session}.jsonl"
        self._header = {"type": "session", "session": self.session,
                        "started": time.strftime("%Y-%m-%dT%H:%M:%S"), **about}
        self._fh: Optional[IO[str]] = None
        self._closed = False

    def append(self, final: Final) -> None:
        """Write one committed segment and make sure it reached the disk.

        The file is created with the first segment: a session that heard nothing leaves none.
        """
        if self._fh is None:
            self._open()
        self._write({"type": "segment", "start": round(final.start, 3), "end": round(final.end, 3),
                     "text": final.text})

    def _open(self) -> None:
        if self._closed:
            raise ModelDeskError(f"The autosave file {self.path} is already closed.")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "a", encoding="utf-8")
        except OSError as exc:
            raise ModelDeskError(f"Cannot write the autosave file {self.path}: {exc.strerror}.") from exc
        self._write(self._header)

    def _write(self, record: dict) -> None:
        assert self._fh is not None
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._closed = True
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> "Autosave":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load(path: os.PathLike | str) -> list[Segment]:
    """The segments of an autosave file; a line torn by a crash at the very end is ignored."""
    segments = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("type") == "segment":
                segments.append(Segment(float(record["start"]), float(record["end"]), str(record["text"])))
    return segments
