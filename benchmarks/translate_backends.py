"""Translation on each backend: torch fp32 against the Marian model's ONNX fp32 and INT8 exports.

A random Marian model of opus-mt's shape (6 + 6 layers, 512 wide, 8 heads, 2048 feed-forward; the
small test tokenizer, so the vocabulary is small) is exported with ModelDesk's own exporter
(``export_model``: encoder and decoder-with-past, fp32 and INT8, with its greedy parity check);
then ``translator.translate`` - what the Translate page and ``translate`` command call - turns
the same 24 sentences on each backend, interleaved, with the app's default beam of 4 and at most
32 tokens a sentence. Printed: the time per backend, the ratio to torch fp32, the memory its
model and its first sentence add to a fresh process at the peak, and the parity the export recorded. Weights are random: the figures
are about speed.

    .venv/bin/python benchmarks/translate_backends.py [--threads N] [--rounds 3]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import table  # noqa: E402

BACKENDS = ("torch", "onnx-fp32", "onnx-int8")


def random_marian(folder: Path, width: int = 512, layers: int = 6, heads: int = 8) -> Path:
    """The test Marian model (real tokenizer) grown to ``layers`` + ``layers`` of ``width`` (opus-mt's shape by
    default; the feed-forward is four times as wide), with seeded random weights."""
    import torch
    from transformers import MarianConfig, MarianMTModel

    from tests.fixtures.text_models import build_marian

    build_marian(folder)
    config = MarianConfig.from_pretrained(folder)
    config.update({"d_model": width, "encoder_layers": layers, "decoder_layers": layers,
                   "encoder_attention_heads": heads, "decoder_attention_heads": heads,
                   "encoder_ffn_dim": 4 * width, "decoder_ffn_dim": 4 * width})
    torch.manual_seed(0)
    MarianMTModel(config).eval().save_pretrained(folder)
    return folder


def first_translation(folder: str, backend: str, threads: int) -> None:
    """Load the model on ``backend`` and translate one sentence (what the memory column measures)."""
    from models.core import runtime

    runtime.set_threads(threads)
    from models.translate import translator

    translator.translate(folder, "The cat sat on the mat.", max_length=8, device="cpu", backend=backend)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="torch and ONNX Runtime threads (default: one per core)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from models.core import runtime

    runtime.set_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="modeldesk-translate-bench-") as tmp:
        os.environ.setdefault("MODELDESK_HOME", str(Path(tmp) / "home"))
        from models.core.exports import export_model
        from models.translate import translator

        folder = random_marian(Path(tmp) / "marian-random")
        started = time.perf_counter()
        parity = export_model(folder)
        print(f"export (fp32 + INT8, with its parity check): {time.perf_counter() - started:.0f} s; parity {parity}")
        rng = random.Random(0)
        words = "the cat sat on the mat a small dog runs in the park hello world".split()
        text = " ".join(" ".join(rng.choice(words) for _ in range(rng.randint(4, 14))).capitalize() + "."
                        for _ in range(24))
        memory = {b: table.peak_memory(first_translation, str(folder), b, args.threads) for b in BACKENDS}
        for backend in BACKENDS:   # loaded before the clock starts
            first_translation(str(folder), backend, args.threads)
        times: dict[str, list[float]] = {b: [] for b in BACKENDS}
        for r in range(args.rounds):   # interleaved, so a change in the machine's load hits every backend alike
            for backend in (BACKENDS if r % 2 == 0 else BACKENDS[::-1]):
                began = time.perf_counter()
                translator.translate(folder, text, max_length=32, device="cpu", backend=backend)
                times[backend].append(time.perf_counter() - began)
        best = {b: min(v) for b, v in times.items()}
        print(f"24 sentences, beam 4, at most 32 tokens each; {args.threads} threads; best of {args.rounds}")
        for backend in BACKENDS:
            ratio = best["torch"] / best[backend]
            print(f"  {backend:10s} {best[backend]:6.2f} s  {ratio:5.2f}x torch fp32  "
                  f"peak memory {table.megabytes(memory[backend])}")
            table.record("translate", backend, ratio, memory[backend],
                         "reference" if backend == "torch" else table.parity_text(parity, backend),
                         "24 sentences through translator.translate, beam 4, random opus-mt-shaped Marian")
    return 0


if __name__ == "__main__":
    sys.exit(main())
