"""GGUF generation at its real size: torch fp32 vs ModelDesk's 4/8-bit ONNX path vs llama.cpp, same file.

A random Llama-shaped model of SmolLM-135M's shape (hidden 576, 30 layers, 9 heads, 3 key/value
heads, intermediate 1536, vocabulary 49152, tied head) is saved as a folder (the torch fp32
reference) and written as GGUF files with the ``gguf`` package (Q4_0, Q8_0, and Q4_K_M as llama.cpp's
preset mixes Q4_K, Q6_K, Q5_0 and Q8_0 for this shape). Each file runs on
the quantized path (converted once, timed apart) and on llama.cpp (llama-cpp-python in a throw-away
venv, ``--llama-python``), both on the same threads. Rows: decode tokens/s (best of 3 rounds, the two
interleaved), time to first token for a 512-token prompt, load time, peak memory added while generating, and
quality on held-out prompts (random ids not used to choose any setting): greedy tokens equal to
torch fp32's (16 after each of 4 prompts) and teacher-forced token agreement.

Bounds (a row outside prints FAIL and the script exits 1): decode >= 0.8x llama.cpp; memory <= 1.5x
the file + the KV cache; load <= 1 s + reading the weights file once; Q8_0: the same 16 greedy
tokens on all 4 prompts; 4-bit files: >= 90 % token agreement.
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import table  # noqa: E402

SHAPE = dict(hidden_size=576, num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3,
             intermediate_size=1536, vocab_size=49152, max_position_embeddings=2048, tie_word_embeddings=True)
STEPS = 16
LONG = 512


def build(folder: Path, layers: int) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from tests.fixtures.text_models import build_gpt2

    build_gpt2(folder)   # a tokenizer for the GGUF metadata; the benchmark feeds token ids
    for stale in folder.glob("*.safetensors"):
        stale.unlink()
    torch.manual_seed(0)
    config = LlamaConfig(**{**SHAPE, "num_hidden_layers": layers}, bos_token_id=0, eos_token_id=0)
    LlamaForCausalLM(config).eval().save_pretrained(folder)
    return folder


def prompts(seed: int) -> tuple[list[list[int]], list[int]]:
    import random

    rng = random.Random(seed)
    short = [[rng.randrange(300, SHAPE["vocab_size"]) for _ in range(rng.randrange(6, 14))] for _ in range(4)]
    return short, [rng.randrange(300, SHAPE["vocab_size"]) for _ in range(LONG)]


def gguf_file(folder: Path, tmp: Path, qtype: str, llama_python) -> Path:
    """The model as a ``qtype`` GGUF file: K-quant presets made by llama.cpp's own quantizer from a float
    file when its venv is there (as the files people download are made), else by the test writer."""
    from tests.fixtures.gguf_models import write_gguf

    target = tmp / f"model-{qtype}.gguf"
    if not qtype.endswith(("_K_M", "_K_S")) or llama_python is None:
        return write_gguf(folder, target, qtype)
    source = write_gguf(folder, tmp / "model-F32.gguf", "F32")
    subprocess.run([llama_python, str(Path(__file__).with_name("llama_anchor.py")), "quantize", str(source),
                    str(target), qtype], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    source.unlink()
    print(f"{qtype}: quantized by llama.cpp's own quantizer")
    return target


def generate_once(gguf_path: str, threads: int) -> None:
    """Load the converted model and run a long prompt and a few tokens (what the memory column measures)."""
    from models.core import runtime

    runtime.set_threads(threads)
    from models.generate import generator

    lm = generator.load(gguf_path, device="cpu", backend="onnx-int4")
    generator.greedy_tokens(lm.net.start, prompts(1)[1], 16)


def timed(net, short: list[list[int]], long: list[int], tokens: int) -> tuple[float, float]:
    """(time to first token for ``long``, seconds for ``tokens`` decode steps after ``short[0]``)."""
    import torch

    with torch.inference_mode():
        step = net.start()
        began = time.perf_counter()
        int(step(long).argmax())
        ttft = time.perf_counter() - began
        step = net.start()
        token = int(step(short[0]).argmax())
        began = time.perf_counter()
        for _ in range(tokens):
            token = int(step([token]).argmax())
        return ttft, time.perf_counter() - began


class Anchor:
    """llama.cpp in its own process (the throw-away venv's Python), timed round by round on request."""

    def __init__(self, python: str, path: Path, threads: int, short, long, reference, tokens: int) -> None:
        job = {"path": str(path), "threads": threads, "prompts": short, "steps": STEPS, "long_prompt": long,
               "decode_tokens": tokens, "forced": reference}
        self.tokens = tokens
        self.process = subprocess.Popen([python, str(Path(__file__).with_name("llama_anchor.py"))],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self.row = self._ask(json.dumps(job))
        self.rounds: list[tuple[float, float]] = []

    def _ask(self, line: str) -> dict:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            error = self.process.stderr.read().strip().splitlines()
            raise RuntimeError(error[-1] if error else "llama.cpp ended without an answer")
        return json.loads(answer)

    def time_round(self) -> None:
        answer = self._ask("time")
        self.rounds.append((answer["ttft_s"], answer["decode_s"]))

    def finish(self) -> dict:
        self.row.update(self._ask("end"))
        self.process.wait(60)
        self.row.update(ttft_s=min(r[0] for r in self.rounds),
                        tokens_per_s=self.tokens / min(r[1] for r in self.rounds))
        return self.row


def read_seconds(path: Path) -> float:
    began = time.perf_counter()
    with open(path, "rb") as handle:
        while handle.read(1 << 24):
            pass
    return time.perf_counter() - began


def agreement(predicted: list[list[int]], reference: list[list[int]]) -> float:
    pairs = [(a, b) for p, r in zip(predicted, reference) for a, b in zip(p, r)]
    return sum(a == b for a, b in pairs) / len(pairs)


def record(backend: str, ratio: float, memory, quality: str, ok: bool, measure: str) -> None:
    """A table row; quality and ok go in as keywords where the table takes them."""
    if "quality" in inspect.signature(table.record).parameters:
        table.record("generate-gguf", backend, ratio, memory, quality, measure, quality=quality, ok=ok)
    else:
        table.record("generate-gguf", backend, ratio, memory, quality, measure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=64, help="decode steps per timed run (default 64)")
    parser.add_argument("--layers", type=int, default=SHAPE["num_hidden_layers"], help="fewer for a quick run")
    parser.add_argument("--types", default="Q4_0,Q4_K_M,Q8_0",
                        help="GGUF types to write (default Q4_0,Q4_K_M,Q8_0; Q4_K_M mixes types as llama.cpp's preset)")
    parser.add_argument("--llama-python", default=os.environ.get("LLAMA_PYTHON", "/tmp/llama-venv/bin/python"),
                        help="a Python with llama-cpp-python (default /tmp/llama-venv/bin/python)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)   # each row as it is measured, even when piped
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from models.core import runtime

    runtime.set_threads(args.threads)
    failures = []
    with tempfile.TemporaryDirectory(prefix="modeldesk-gguf-bench-") as tmp:
        os.environ["MODELDESK_HOME"] = str(Path(tmp) / "home")
        from models.generate import generator, quantized
        from models.generate.lm import forced_tokens
        folder = build(Path(tmp) / "smollm-shape", args.layers)
        torch_lm = generator.load(folder, device="cpu")
        short, long = prompts(1)
        reference = [generator.greedy_tokens(torch_lm.net.start, p, STEPS) for p in short]
        torch_ttft, torch_decode = timed(torch_lm.net, short, long, args.tokens)
        torch_rate = args.tokens / torch_decode
        print(f"torch fp32: {torch_rate:.1f} tokens/s, first token after {LONG} tokens {torch_ttft:.2f} s "
              f"({args.threads} threads, {args.layers} layers)")
        record("torch-fp32", 1.0, None, "reference", True, f"decode tokens/s, TTFT {torch_ttft:.2f} s")
        have_llama = Path(args.llama_python).is_file()
        if not have_llama:
            print(f"FAIL llama.cpp: no Python with llama-cpp-python at {args.llama_python} (see --llama-python)")
            failures.append("no llama.cpp anchor")
        for qtype in args.types.split(","):
            path = gguf_file(folder, Path(tmp), qtype, args.llama_python if have_llama else None)
            size = path.stat().st_size / 2**20
            began = time.perf_counter()
            converted = quantized.convert(path)
            convert_s = time.perf_counter() - began
            data = converted / (quantized.GRAPH + ".data")
            read_s = read_seconds(data)
            generator.cache.forget(lambda key: True)
            began = time.perf_counter()
            lm = generator.load(path, device="cpu", backend="onnx-int4")
            load_s = time.perf_counter() - began
            ours = {"greedy": [generator.greedy_tokens(lm.net.start, p, STEPS) for p in short],
                    "forced": [forced_tokens(lm.net.start, p, r) for p, r in zip(short, reference)]}
            anchor = None
            if have_llama:
                try:
                    anchor = Anchor(args.llama_python, path, args.threads, short, long, reference, args.tokens)
                except (RuntimeError, OSError) as exc:
                    print(f"FAIL llama.cpp on {qtype}: {exc}")
                    failures.append(f"llama.cpp {qtype}")
            runs = []
            for _ in range(3):   # interleaved with llama.cpp, so a change in the machine's load hits both alike
                runs.append(timed(lm.net, short, long, args.tokens))
                if anchor is not None:
                    anchor.time_round()
            ours.update(ttft_s=min(r[0] for r in runs), tokens_per_s=args.tokens / min(r[1] for r in runs),
                        memory_mb=table.peak_memory(generate_once, str(path), args.threads), load_s=load_s)
            kv = 2 * args.layers * SHAPE["num_key_value_heads"] * 64 * (LONG + 16) * 4 / 2**20
            rows = {"onnx-int4": ours}
            if anchor is not None:
                rows["llama.cpp"] = anchor.finish()
            print(f"\n{qtype} file {size:.0f} MB; converted once in {convert_s:.1f} s; KV cache at {LONG + 16} "
                  f"tokens {kv:.0f} MB; reading the weights file {read_s:.2f} s")
            anchor_rate = rows.get("llama.cpp", {}).get("tokens_per_s")
            for name, row in rows.items():
                same = sum(g == r for g, r in zip(row["greedy"], reference))
                agree = agreement(row["forced"], reference)
                quality = (f"{same}/4 prompts with torch fp32's 16 greedy tokens, {agree:.0%} token agreement "
                           f"(teacher-forced, held-out prompts)")
                checks = []
                if name == "onnx-int4":
                    if anchor_rate:
                        checks.append(("decode >= 0.8x llama.cpp", row["tokens_per_s"] >= 0.8 * anchor_rate))
                    if row["memory_mb"] is not None:
                        checks.append(("memory <= 1.5x file + KV", row["memory_mb"] <= 1.5 * size + kv))
                    checks.append(("load <= 1 s + file read", row["load_s"] <= 1.0 + read_s))
                    checks.append(("8-bit: same 16 greedy tokens on 4 prompts", same == 4) if qtype == "Q8_0"
                                  else (">= 90 % token agreement", agree >= 0.9))
                ok = all(passed for _, passed in checks)
                vs = f" = {row['tokens_per_s'] / anchor_rate:.2f}x llama.cpp" if anchor_rate else ""
                print(f"  {'ok  ' if ok else 'FAIL'} {name:10s} {row['tokens_per_s']:7.1f} tokens/s{vs} "
                      f"({row['tokens_per_s'] / torch_rate:.1f}x torch fp32); TTFT({LONG}) {row['ttft_s']:.2f} s; "
                      f"load {row['load_s']:.2f} s; peak memory {table.megabytes(row['memory_mb'])}; {quality}")
                for label, passed in checks:
                    if not passed:
                        print(f"       FAIL: {label}")
                        failures.append(f"{name} {qtype}: {label}")
                record(f"{name} {qtype}", row["tokens_per_s"] / torch_rate, row["memory_mb"], quality, ok,
                       f"decode tokens/s, TTFT({LONG}) {row['ttft_s']:.2f} s")
    if failures:
        print("\nFAIL: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
