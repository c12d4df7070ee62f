"""Synthetic test speech for the audio benchmarks: espeak-ng sentences with pauses and room noise.

Generated at run time (nothing recorded lives in the repo). The clean signal gives the truth:
where each sentence starts and ends, frame by frame.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16000
SENTENCES = (
    "The quick brown fox jumps over the lazy dog.",
    "Please call Stella and ask her to bring these things from the store.",
    "We also need a small plastic snake and a big toy frog for the kids.",
    "The meeting starts at nine tomorrow morning in the main office.",
    "She can scoop these things into three red bags.",
    "Our budget for the next quarter is still under review.",
    "The train leaves the station every hour on the hour.",
    "Remember to send the report before the end of the week.",
    "It is raining again, so bring an umbrella with you.",
    "The new software update fixes several important problems.",
    "My brother plays the piano every evening after dinner.",
    "Turn left at the second traffic light and park near the bank.",
)
VOICES = ("en-us", "en-gb", "en-us", "en-gb-x-rp")


@dataclass
class Corpus:
    audio: np.ndarray                    # 16 kHz mono float32, with noise
    clean: np.ndarray                    # the same without noise
    texts: list[str]
    spans: list[tuple[float, float]]     # each sentence's (start, end) in seconds

    @property
    def reference(self) -> str:
        return " ".join(self.texts)

    @property
    def seconds(self) -> float:
        return self.audio.size / RATE

    def split(self, parts: int) -> list["Corpus"]:
        """Consecutive pieces of about equal sentence counts, cut in the middle of pauses."""
        bounds = np.linspace(0, len(self.texts), parts + 1).round().astype(int)
        pieces = []
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            start = 0 if lo == 0 else int((self.spans[lo - 1][1] + self.spans[lo][0]) / 2 * RATE)
            end = self.audio.size if hi == len(self.texts) else int((self.spans[hi - 1][1] + self.spans[hi][0]) / 2 * RATE)
            shift = start / RATE
            pieces.append(Corpus(self.audio[start:end], self.clean[start:end], self.texts[lo:hi],
                                 [(a - shift, b - shift) for a, b in self.spans[lo:hi]]))
        return pieces


def speak(text: str, voice: str, words_per_minute: int = 160) -> np.ndarray:
    """One sentence from espeak-ng, resampled to 16 kHz and normalised to a -6 dBFS peak."""
    import soundfile as sf

    from models.transcribe.recognizer import resample

    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise SystemExit("espeak-ng is not installed: run `bash scripts/setup.sh --test`.")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "s.wav"
        subprocess.run([espeak, "-v", voice, "-s", str(words_per_minute), "-w", str(wav), text],
                       check=True, capture_output=True, timeout=60)
        data, rate = sf.read(str(wav), dtype="float32")
    data = resample(data, rate, RATE)
    return (0.5 * data / max(1e-6, float(np.abs(data).max()))).astype(np.float32)


def build(count: int = len(SENTENCES), gap: tuple[float, float] = (1.2, 2.0), noise_db: float = -55.0,
          seed: int = 0) -> Corpus:
    """``count`` sentences (cycling through the list and the voices) with random pauses between them."""
    rng = np.random.default_rng(seed)
    parts, texts, spans = [np.zeros(RATE, dtype=np.float32)], [], []
    at = RATE
    for i in range(count):
        text = SENTENCES[i % len(SENTENCES)]
        speech = speak(text, VOICES[i % len(VOICES)])
        loud = np.flatnonzero(np.abs(speech) > 0.01)
        spans.append(((at + loud[0]) / RATE, (at + loud[-1] + 1) / RATE))
        pause = np.zeros(int(rng.uniform(*gap) * RATE), dtype=np.float32)
        parts += [speech, pause]
        texts.append(text)
        at += speech.size + pause.size
    clean = np.concatenate(parts)
    noise = (rng.standard_normal(clean.size) * 10 ** (noise_db / 20)).astype(np.float32)
    return Corpus(audio=clean + noise, clean=clean, texts=texts, spans=spans)


def write_wav(audio: np.ndarray, path: Path) -> Path:
    import soundfile as sf

    sf.write(str(path), audio, RATE, subtype="PCM_16")
    return path
