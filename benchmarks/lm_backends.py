"""Causal LM decoding with a KV cache on each backend, against torch fp32 in the same run.

A random GPT-2-small-sized model (12 layers, 768 wide, 12 heads, 50 257 tokens: 124 M
parameters) is exported with ModelDesk's own exporter (``export_model``: ONNX fp32 and INT8, with
its greedy parity check), then each backend's step function - the one the app's generator runs -
decodes the same greedy tokens after the same prompt. Printed: tokens/s per backend, the ratio
against torch fp32 (the target for INT8 is >= 2x) and whether INT8 gives the same greedy tokens as
ONNX fp32 for 32 tokens. Weights are random: the figures are about speed.

Both engines get the same number of threads (default: one per core, as the app runs them).

    .venv/bin/python benchmarks/lm_backends.py [--threads N] [--tokens 64]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import table  # noqa: E402


def build(folder: Path) -> Path:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from tests.fixtures.text_models import build_gpt2

    build_gpt2(folder)   # the tiny tokenizer: the prompt's ids are all it is used for
    config = GPT2Config.from_pretrained(folder)
    config.update({"vocab_size": 50257, "n_embd": 768, "n_layer": 12, "n_head": 12, "n_positions": 1024})
    torch.manual_seed(0)
    GPT2LMHeadModel(config).eval().save_pretrained(folder)
    return folder


def first_tokens(folder: str, backend: str, threads: int) -> None:
    """Load the model on ``backend`` and decode a few tokens (what the memory column measures)."""
    from models.core import runtime

    runtime.set_threads(threads)
    from models.generate import generator

    model = generator.load(folder, device="cpu", backend=backend)
    generator.greedy_tokens(model.net.start, [100, 101], 4)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=64, help="tokens decoded per timed run (default 64)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="torch and ONNX Runtime threads (default: one per core)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from models.core import runtime

    runtime.set_threads(args.threads)
    import torch

    with tempfile.TemporaryDirectory(prefix="modeldesk-lm-bench-") as tmp:
        os.environ.setdefault("MODELDESK_HOME", str(Path(tmp) / "home"))
        from models.core.exports import export_model
        from models.generate import generator
        from models.generate.ort_lm import OrtLM, onnx_paths

        folder = build(Path(tmp) / "gpt2-small-random")
        started = time.perf_counter()
        parity = export_model(folder)
        print(f"export (fp32 + INT8, with its parity check): {time.perf_counter() - started:.0f} s; "
              f"parity {parity}")
        fp32, int8 = onnx_paths(folder)
        nets = {"torch": generator.load(folder, device="cpu").net, "onnx-fp32": OrtLM(fp32, "cpu", args.threads),
                "onnx-int8": OrtLM(int8, "cpu", args.threads)}
        memory = {b: table.peak_memory(first_tokens, str(folder), b, args.threads) for b in nets}
        prompt = list(range(100, 116))
        check = {b: generator.greedy_tokens(net.start, prompt, 32) for b, net in nets.items()}
        best = {b: float("inf") for b in nets}
        for _ in range(3):   # interleaved, so a change in the machine's load hits every backend alike
            for backend, net in nets.items():
                began = time.perf_counter()
                generator.greedy_tokens(net.start, prompt, args.tokens)
                best[backend] = min(best[backend], time.perf_counter() - began)
        rate = {b: args.tokens / s for b, s in best.items()}
        print(f"torch threads {torch.get_num_threads()}, ONNX Runtime threads {args.threads}; "
              f"{args.tokens} tokens after a {len(prompt)}-token prompt, best of 3")
        for backend in nets:
            print(f"  {backend:10s} {rate[backend]:7.1f} tokens/s  {rate[backend] / rate['torch']:.2f}x torch fp32  "
                  f"peak memory {table.megabytes(memory[backend])}")
            table.record("generate", backend, rate[backend] / rate["torch"], memory[backend],
                         table.parity_text(parity, backend) if backend != "torch" else "reference",
                         f"greedy tokens/s with the KV cache, GPT-2-small shape, {args.tokens} tokens")
        print(f"INT8 vs torch fp32: {rate['onnx-int8'] / rate['torch']:.2f}x (target >= 2x); same 32 greedy tokens "
              f"as ONNX fp32: {check['onnx-int8'] == check['onnx-fp32']}; ONNX fp32 as torch: "
              f"{check['onnx-fp32'] == check['torch']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
