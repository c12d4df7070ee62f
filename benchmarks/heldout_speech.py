"""The held-out speech corpus: clips nobody here tuned on, from three speech engines and eleven voices.

Why: every speed change to Whisper decoding was once accepted on espeak-ng sentences that settings
had been chosen on, and lost accuracy elsewhere (issue 18). These clips use sentences written only
for measuring (``data/heldout_sentences.txt``, marked held-out: no setting may be tuned on them),
spoken by espeak-ng (four variants the tuning corpus does not use), flite (four voices) and
festival (two diphone voices), resampled to 16 kHz by SoX's very-high-quality resampler. A clip is
1.5-25 s of one voice saying a short phrase or one to four sentences with pauses; some clips carry synthetic
background noise - pink, brown, or babble made of other clips' speech played backwards - at a
signal-to-noise ratio of 20, 15 or 10 dB (at 5 dB every system, faster-whisper too, lost
whole sentences, which says nothing about a backend). A clip is "clear" when it has no noise or 15 dB or more.

Deterministic (one seed; the engines are deterministic) and cached under the temp folder, keyed by
the sentences, the voices, the recipe and the engines' versions, so a second run reuses the files.

    .venv/bin/python benchmarks/heldout_speech.py      # build (or find) the corpus and list it
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RATE = 16000
SENTENCES_FILE = Path(__file__).resolve().parent / "data" / "heldout_sentences.txt"
RECIPE = 2          # bump when the way clips are made changes (the cache key includes it)
SEED = 18
MAX_SECONDS = 25.0
MIN_SECONDS = 1.5
CLEAR_SNR_DB = 15.0
#: (engine, voice): espeak-ng variants the tuning corpus (speech_corpus.VOICES) never used
VOICES = (("flite", "slt"), ("espeak-ng", "en-us+f3"), ("festival", "kal_diphone"), ("flite", "awb"),
          ("espeak-ng", "en-gb-scotland"), ("flite", "rms"), ("festival", "ked_diphone"),
          ("espeak-ng", "en-gb-x-gbclan"), ("flite", "kal16"), ("espeak-ng", "en-us+m4"))
#: (noise, SNR dB) in turn: half the clips are clean
CONDITIONS = (("clean", None), ("pink", 20.0), ("clean", None), ("babble", 15.0), ("clean", None),
              ("brown", 10.0), ("clean", None), ("pink", 10.0), ("babble", 10.0), ("clean", None),
              ("brown", 20.0), ("pink", 15.0))
#: sentences per clip in turn (long clips reach 15-25 s)
GROUPS = (1, 2, 1, 3, 1, 4, 2, 1)
TOOLS = {"espeak-ng": "espeak-ng", "flite": "flite", "festival": "text2wave", "sox": "sox"}


@dataclass
class Clip:
    """One file of the corpus and what is in it."""
    path: str
    text: str
    sentences: list[str]
    spans: list[tuple[float, float]]     # each sentence's (start, end) in the clip, seconds
    engine: str
    voice: str
    noise: str                           # clean, pink, brown or babble
    snr_db: Optional[float]
    seconds: float

    @property
    def clear(self) -> bool:
        """Speech a listener hears without effort: no noise, or noise 15 dB or more below it."""
        return self.snr_db is None or self.snr_db >= CLEAR_SNR_DB

    @property
    def label(self) -> str:
        noise = "clean" if self.snr_db is None else f"{self.noise} {self.snr_db:g} dB"
        return f"{self.engine}/{self.voice}, {noise}"


def sentences() -> list[str]:
    """The held-out sentences (comments and blank lines left out)."""
    lines = SENTENCES_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS.values() if shutil.which(tool) is None]


def _version(tool: str) -> str:
    flag = {"text2wave": None, "flite": "--version"}.get(tool, "--version")
    if flag is None:   # text2wave has no version flag; festival's own says it
        tool, flag = "festival", "--version"
    run = subprocess.run([tool, flag], capture_output=True, text=True, timeout=30)
    return (run.stdout + run.stderr).strip().splitlines()[0] if (run.stdout + run.stderr).strip() else "?"


def cache_key() -> str:
    """What the clips depend on: the sentences, the recipe, the voices and the engines' versions."""
    parts = [SENTENCES_FILE.read_bytes().decode("utf-8"), str(RECIPE), str(SEED), repr(VOICES), repr(CONDITIONS),
             repr(GROUPS)] + [_version(tool) for tool in TOOLS.values()]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def synthesise(engine: str, voice: str, text: str, folder: Path, rate_wpm: int) -> np.ndarray:
    """One sentence from ``engine`` in ``voice``, resampled to 16 kHz mono float32 by SoX."""
    raw, wav = folder / "raw.wav", folder / "16k.wav"
    if engine == "espeak-ng":
        command = ["espeak-ng", "-v", voice, "-s", str(rate_wpm), "-w", str(raw), text]
    elif engine == "flite":
        command = ["flite", "-voice", voice, "-t", text, "-o", str(raw)]
    elif engine == "festival":
        command = ["text2wave", "-eval", f"(voice_{voice})", "-o", str(raw)]
    else:
        raise ValueError(f"unknown speech engine {engine}")
    subprocess.run(command, check=True, capture_output=True, timeout=120,
                   input=text.encode("utf-8") if engine == "festival" else None)
    subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-e", "floating-point", "-b", "32", str(wav),
                    "rate", "-v"], check=True, capture_output=True, timeout=120)
    import soundfile as sf

    data, rate = sf.read(str(wav), dtype="float32")
    if rate != RATE or data.size < RATE // 4:
        raise RuntimeError(f"{engine} {voice} gave no usable audio for {text!r}")
    loud = np.flatnonzero(np.abs(data) > 0.02 * np.abs(data).max())
    return data[loud[0]:loud[-1] + 1]


def coloured_noise(rng: np.random.Generator, size: int, kind: str) -> np.ndarray:
    """Pink (1/f power) or brown (1/f^2) noise of unit RMS, shaped from white noise in the spectrum."""
    spectrum = np.fft.rfft(rng.standard_normal(size))
    freqs = np.fft.rfftfreq(size, 1 / RATE)
    freqs[0] = freqs[1]
    spectrum /= np.sqrt(freqs) if kind == "pink" else freqs
    noise = np.fft.irfft(spectrum, size)
    return (noise / np.sqrt(np.mean(noise ** 2))).astype(np.float32)


def babble(rng: np.random.Generator, size: int, others: list[np.ndarray]) -> np.ndarray:
    """Five other clips' speech, played backwards (unintelligible, but speech-like), summed, unit RMS."""
    out = np.zeros(size, dtype=np.float32)
    for k in rng.choice(len(others), size=min(5, len(others)), replace=False):
        voice = others[k][::-1]
        out += np.resize(np.roll(voice, int(rng.integers(voice.size))), size)
    return out / max(1e-9, float(np.sqrt(np.mean(out ** 2))))


def _plan(texts: list[str]) -> list[list[str]]:
    """The sentences of each clip, in the seeded order: a short phrase (five words or fewer: the
    1.5-2.5 s clips where a looping decoder lost everything) alone, others in groups of GROUPS sizes."""
    order = np.random.default_rng(SEED).permutation(len(texts))
    groups: list[list[str]] = []
    pending: list[str] = []
    for i in order:
        if len(texts[i].split()) <= 5:
            groups.append([texts[i]])
            continue
        pending.append(texts[i])
        if len(pending) >= GROUPS[len(groups) % len(GROUPS)]:
            groups.append(pending)
            pending = []
    return groups + ([pending] if pending else [])


def _build(folder: Path) -> list[Clip]:
    import soundfile as sf

    rng = np.random.default_rng(SEED)
    plan = _plan(sentences())
    speech: list[list[np.ndarray]] = []
    with tempfile.TemporaryDirectory() as work:
        for k, group in enumerate(plan):
            engine, voice = VOICES[k % len(VOICES)]
            speech.append([synthesise(engine, voice, text, Path(work), int(rng.integers(150, 176)))
                           for text in group])
            if (k + 1) % 10 == 0 or k + 1 == len(plan):
                print(f"  spoken: {k + 1}/{len(plan)} clips", flush=True)
    clips = []
    for k, (group, parts) in enumerate(zip(plan, speech)):
        engine, voice = VOICES[k % len(VOICES)]
        noise, snr = CONDITIONS[k % len(CONDITIONS)]
        pieces, spans, at = [np.zeros(int(rng.uniform(0.2, 0.6) * RATE), np.float32)], [], 0
        at = pieces[0].size
        for part in parts:
            part = 0.5 * part / max(1e-6, float(np.abs(part).max()))
            gap = np.zeros(int(rng.uniform(0.3, 0.9) * RATE), np.float32)
            spans.append((at / RATE, (at + part.size) / RATE))
            pieces += [part.astype(np.float32), gap]
            at += part.size + gap.size
        clean = np.concatenate(pieces)
        if clean.size < MIN_SECONDS * RATE:
            clean = np.concatenate([clean, np.zeros(int(MIN_SECONDS * RATE) - clean.size, np.float32)])
        audio = clean + (rng.standard_normal(clean.size) * 10 ** (-60 / 20)).astype(np.float32)   # a room's floor
        if snr is not None:
            others = [p for j, ps in enumerate(speech) if j != k for p in ps]
            shaped = babble(rng, clean.size, others) if noise == "babble" else coloured_noise(rng, clean.size, noise)
            voiced = np.concatenate([clean[int(a * RATE):int(b * RATE)] for a, b in spans])
            audio += shaped * float(np.sqrt(np.mean(voiced ** 2))) * 10 ** (-snr / 20)
        audio = (audio / max(1.0, float(np.abs(audio).max()) / 0.9)).astype(np.float32)
        seconds = audio.size / RATE
        if not MIN_SECONDS <= seconds <= MAX_SECONDS:
            raise RuntimeError(f"clip {k} is {seconds:.1f} s, outside {MIN_SECONDS}-{MAX_SECONDS} s")
        name = f"clip{k:03d}.wav"
        sf.write(str(folder / name), audio, RATE, subtype="PCM_16")
        sf.write(str(folder / f"clean{k:03d}.wav"), clean, RATE, subtype="PCM_16")
        clips.append(Clip(path=name, text=" ".join(group), sentences=group, spans=spans, engine=engine,
                          voice=voice, noise=noise, snr_db=snr, seconds=seconds))
    return clips


def cache_root() -> Path:
    return Path(os.environ.get("MODELDESK_BENCH_CACHE") or tempfile.gettempdir()) / "modeldesk-heldout-speech"


def build(limit: Optional[int] = None) -> list[Clip]:
    """The corpus's clips (the first ``limit`` of them; the order spreads voices and noises), built
    once and then read from the cache. Clip paths are absolute."""
    missing = missing_tools()
    if missing:
        raise SystemExit(f"the held-out speech corpus needs {', '.join(missing)}: run `bash scripts/setup.sh --test`.")
    root = cache_root()
    folder = root / cache_key()
    manifest = folder / "clips.json"
    if not manifest.is_file():
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="building-", dir=root))
        print(f"building the held-out speech corpus in {folder} (once) ...", flush=True)
        try:
            clips = _build(staging)
            (staging / "clips.json").write_text(json.dumps([asdict(c) for c in clips], indent=1), encoding="utf-8")
            try:
                staging.rename(folder)          # atomic: a folder is complete or absent
            except OSError:                     # another run finished first: theirs is the same
                pass
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    rows = json.loads(manifest.read_text(encoding="utf-8"))
    clips = [Clip(**{**row, "path": str(folder / row["path"]), "spans": [tuple(s) for s in row["spans"]]})
             for row in rows]
    return clips[:limit] if limit else clips


def clean_audio(clip: Clip) -> np.ndarray:
    """The clip without its noise (what the live benchmark aligns the recording with)."""
    import soundfile as sf

    folder, name = Path(clip.path).parent, Path(clip.path).name
    data, _ = sf.read(str(folder / name.replace("clip", "clean")), dtype="float32")
    return data


def describe(clips: list[Clip]) -> str:
    """How many clips, how long, which engines and noises, in one line."""
    engines = sorted({c.engine for c in clips})
    voices = len({(c.engine, c.voice) for c in clips})
    noisy = sum(1 for c in clips if c.snr_db is not None)
    lengths = [c.seconds for c in clips]
    return (f"{len(clips)} held-out clips ({sum(lengths):.0f} s, {min(lengths):.1f}-{max(lengths):.1f} s each; "
            f"{voices} voices of {', '.join(engines)}; {noisy} with noise, {sum(c.clear for c in clips)} clear)")


def main() -> int:
    clips = build()
    print(describe(clips))
    for clip in clips:
        print(f"{Path(clip.path).name} {clip.seconds:5.1f} s  {clip.label:32s} {clip.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
