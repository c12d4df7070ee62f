"""Energy VAD (adaptive noise floor) against the silero VAD model, on speech in noise.

The speech is the espeak-ng corpus; the truth is the clean signal's frames above -50 dBFS
(widened by 3 frames on each side, so soft onsets and tails count as neither miss nor false
alarm). Noise: white, brown (low rumble) and modulated (babble-like), at 30, 15 and 5 dB SNR.
Printed per condition: recall, false-alarm rate, precision, F1, cost per second of audio.
The live recogniser uses the better one ("auto" picks silero when it is installed).

    .venv/bin/python benchmarks/vad_compare.py [--sentences 6]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import speech_corpus  # noqa: E402
from models.transcribe import audio  # noqa: E402
from models.transcribe import vad as vad_module  # noqa: E402


def truth(clean: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(speech frames, speech frames widened by 3 on each side)."""
    speech = np.array([audio.level_db(f) > -50 for f in vad_module.frames(clean, size)])
    wide = speech.copy()
    for k in range(1, 4):
        wide[k:] |= speech[:-k]
        wide[:-k] |= speech[k:]
    return speech, wide


def noise(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    white = rng.standard_normal(n)
    if kind == "brown":
        walk = np.cumsum(white)
        white = walk - np.convolve(walk, np.ones(1600) / 1600, "same")
    elif kind == "modulated":
        white = np.convolve(white, np.ones(8) / 8, "same") * (1 + 0.8 * np.sin(2 * np.pi * 3 * np.arange(n) / 16000))
    return (white / np.sqrt(np.mean(white ** 2))).astype(np.float32)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=6)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    corpus = speech_corpus.build(args.sentences, noise_db=-120)
    clean = corpus.clean
    power = float(np.mean(clean[np.abs(clean) > 1e-4] ** 2))
    rng = np.random.default_rng(1)
    totals: dict[str, list[float]] = {"energy": [], "silero": []}
    print(f"{'noise':9s} {'SNR':>4s} {'VAD':7s} {'recall':>6s} {'false+':>6s} {'prec':>6s} {'F1':>6s} {'ms/s':>6s}")
    for kind in ("white", "brown", "modulated"):
        for snr in (30, 15, 5):
            mixed = clean + noise(kind, clean.size, rng) * np.sqrt(power / 10 ** (snr / 10))
            for name in totals:
                vad = vad_module.make_vad(name)
                speech, wide = truth(clean, vad.frame_samples)
                start = time.perf_counter()
                said = np.array([vad(f) >= 0.5 for f in vad_module.frames(mixed, vad.frame_samples)])[:speech.size]
                cost = (time.perf_counter() - start) / (mixed.size / audio.TARGET_RATE) * 1000
                recall = (said & speech).sum() / speech.sum()
                false_alarm = (said & ~wide).sum() / (~wide).sum()
                precision = (said & wide).sum() / max(1, said.sum())
                f1 = 2 * precision * recall / max(1e-9, precision + recall)
                totals[name].append(f1)
                print(f"{kind:9s} {snr:4d} {name:7s} {recall:6.3f} {false_alarm:6.3f} {precision:6.3f} {f1:6.3f} {cost:6.2f}")
    print()
    for name, scores in totals.items():
        print(f"{name}: mean F1 {np.mean(scores):.3f}, worst {np.min(scores):.3f}")
    print(f"silero / energy mean F1: {np.mean(totals['silero']) / np.mean(totals['energy']):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
