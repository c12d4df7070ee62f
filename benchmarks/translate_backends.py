"""Translation against the anchors: transformers' generate, ModelDesk's ONNX fp32 and INT8, CTranslate2 int8.

A random Marian of opus-mt-en-de's real shape (6 + 6 layers, 512 wide, 8 heads, 2048 feed-forward,
58101 tokens; pad last and never generated, as opus-mt's generation config says) is exported with
ModelDesk's own exporter (``export_model``: its INT8 recipe is chosen on the exporter's own
sentences, so the lines here are held out). CTranslate2 converts the same folder with its own
converter to int8 in a throw-away virtual environment (``--ct2-venv``, created once; never the
project's) and runs in a child process each round, between the others. Every backend turns the
same random source lines, in the same run, on ``--threads`` threads, interleaved over ``--rounds``
rounds (median):

* greedy, batches of 16 (sorted by length, as the app batches);
* greedy, one sentence at a time (as typed);
* beam 4, batches of 16.

Each row prints tokens/s, its ratio to transformers' fp32 ``generate``, its token agreement with
it (share of the reference's tokens the same at the same place; CTranslate2 cannot force the end
token at the last step, so its last token is not compared), and the peak memory its model and
first batch add to a fresh process. Bounds (FAIL and exit 1 when missed): greedy batches - the
best ONNX backend at least CTranslate2 int8's tokens/s; one at a time - the best ONNX >= 3x
generate; ONNX fp32 tokens identical, INT8 >= 99 % agreement; beam 4 - ONNX fp32 the same tokens
and >= 2x generate.

The weights are random, so the next-token logits are nearly flat over 58101 tokens: the best and the
second best differ by about a tenth of their spread, and any 8-bit rounding flips some argmax, after
which a greedy line goes its own way. INT8 agreement here measures that fragility (CTranslate2's
int8 shows it too) more than a trained model's loss; training this model briefly to peak its logits
was tried and left out (one step took over a minute on the shared 2-core machine).

    .venv/bin/python benchmarks/translate_backends.py [--threads 2] [--rounds 3] [--lines 64] [--tokens 48]
        [--single 16] [--ct2-venv DIR] [--model FOLDER]

The CTranslate2 venv borrows the project's torch and transformers (a path file) for its converter.
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
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import table  # noqa: E402

OURS = ("onnx-fp32", "onnx-int8")
CT2_VENV = Path(tempfile.gettempdir()) / "modeldesk-ct2-venv"   # throw-away, never the project's
OPUS_MT_VOCAB = 58101
#: the child that runs CTranslate2: convert once, then time each batch list per round
CT2_SCRIPT = r"""
import json, sys, time
import ctranslate2
folder, out, vocab, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if threads == 0:   # the conversion alone, in its own process (torch stays out of the timed one's memory)
    from ctranslate2.converters import transformers as conv
    # the random model is wider than its test tokenizer: name every id, pad last (Marian's layout)
    conv.MarianMTLoader.get_vocabulary = lambda self, m, t: ["</s>", "<unk>"] + [f"t{i}" for i in range(2, vocab - 1)]
    conv.TransformersConverter(folder).convert(out, quantization="int8", force=True)
    sys.exit(0)
jobs = json.loads(sys.stdin.read())
def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024
before, highest = rss_mb(), 0.0
model = ctranslate2.Translator(out, device="cpu", compute_type="int8", intra_threads=threads, inter_threads=1)
name = lambda i: "</s>" if i == 0 else ("<unk>" if i == 1 else f"t{i}")
ident = lambda t: 0 if t == "</s>" else (1 if t == "<unk>" else int(t[1:]))
result = {}
for job in jobs:
    batches = [[[name(i) for i in line] for line in batch] for batch in job["batches"]]
    def run():
        out = []
        for batch in batches:
            got = model.translate_batch(batch, beam_size=job["beams"], max_decoding_length=job["steps"] - 1,
                                        max_batch_size=len(batch))
            out += [[ident(t) for t in r.hypotheses[0]] for r in got]
        return out
    run()   # warm-up
    highest = max(highest, rss_mb())
    times = []
    for _ in range(job["rounds"]):
        start = time.perf_counter()
        tokens = run()
        times.append(time.perf_counter() - start)
    result[job["name"]] = {"times": times, "tokens": tokens}
result["memory_mb"] = highest - before   # the model and its work, sampled after each mode's first pass
print(json.dumps(result))
"""


def random_marian(folder: Path, width: int = 512, layers: int = 6, heads: int = 8,
                  vocab: Optional[int] = None) -> Path:
    """The test Marian model (real tokenizer) grown to ``layers`` + ``layers`` of ``width`` (opus-mt's shape by
    default; the feed-forward is four times as wide), with seeded random weights. ``vocab`` widens the
    vocabulary (opus-mt-en-de: 58101) with pad as the last token, never generated, as opus-mt has it."""
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    from tests.fixtures.text_models import build_marian

    build_marian(folder)
    config = MarianConfig.from_pretrained(folder)
    config.update({"d_model": width, "encoder_layers": layers, "decoder_layers": layers,
                   "encoder_attention_heads": heads, "decoder_attention_heads": heads,
                   "encoder_ffn_dim": 4 * width, "decoder_ffn_dim": 4 * width,
                   # as opus-mt's configs have them (the test model's are smaller and GELU)
                   "activation_function": "swish", "scale_embedding": True, "max_position_embeddings": 512})
    if vocab:
        config.update({"vocab_size": vocab, "decoder_vocab_size": vocab, "pad_token_id": vocab - 1,
                       "decoder_start_token_id": vocab - 1})
    torch.manual_seed(0)
    model = MarianMTModel(config).eval()
    if vocab:
        model.generation_config = GenerationConfig(bad_words_ids=[[vocab - 1]], decoder_start_token_id=vocab - 1,
                                                   eos_token_id=0, forced_eos_token_id=0, pad_token_id=vocab - 1)
    model.save_pretrained(folder)
    return folder


def ct2_python(venv: Path) -> Path:
    """The throw-away venv's python with ctranslate2 (its converter borrows the project's torch and
    transformers through a path file, read-only)."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"installing ctranslate2 into {venv} (once) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "ctranslate2"], check=True)
        site = next((venv / "lib").glob("python*/site-packages"))
        ours = next(p for p in sys.path if p.endswith("site-packages"))
        (site / "zz_modeldesk.pth").write_text(ours + "\n", encoding="utf-8")
    return python


def agreement(reference: list[list[int]], other: list[list[int]], eos: int, last: bool = True) -> float:
    """The share (%) of the reference's tokens that ``other`` has at the same place; without ``last``, a
    reference's final token, when it is the end token, is not counted."""
    same = total = 0
    for ref, got in zip(reference, other):
        ref = ref if last or not ref or ref[-1] != eos else ref[:-1]
        got = got if last or not got or got[-1] != eos else got[:-1]
        total += len(ref)
        same += sum(a == b for a, b in zip(ref, got))
        total += max(0, len(got) - len(ref))   # extra tokens count against
    return 100.0 * same / max(total, 1)


def first_batch(folder: str, backend: str, threads: int, lines: list[list[int]]) -> None:
    """Load the model on ``backend`` and translate one batch (what the memory column measures)."""
    from models.core import runtime

    runtime.set_threads(threads)
    from models.translate import translator

    net = translator.load(folder, device="cpu", backend=backend).net
    run_batches(net, [lines], 1, 8)


def run_batches(net, batches: list[list[list[int]]], beams: int, steps: int) -> list[list[int]]:
    """Every batch through ``net.generate`` (padded on the right, as the tokenizer pads)."""
    import numpy as np

    out = []
    for batch in batches:
        width = max(len(line) for line in batch)
        ids = np.zeros((len(batch), width), np.int64)
        mask = np.zeros((len(batch), width), np.int64)
        for row, line in enumerate(batch):
            ids[row, :len(line)], mask[row, :len(line)] = line, 1
        out += net.generate(ids, mask, beams, steps)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lines", type=int, default=64, help="source lines for the batched modes")
    parser.add_argument("--single", type=int, default=16, help="lines translated one at a time")
    parser.add_argument("--tokens", type=int, default=48, help="tokens per source line and at most per translation")
    parser.add_argument("--ct2-venv", type=Path, default=CT2_VENV)
    parser.add_argument("--model", type=Path, help="reuse a random Marian this script built and exported before")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import numpy as np

    from models.core import runtime

    runtime.set_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="modeldesk-translate-bench-") as tmp:
        os.environ.setdefault("MODELDESK_HOME", str(Path(tmp) / "home"))
        from models.core import store
        from models.core.exports import export_model
        from models.translate import translator

        if args.model:   # a folder this script exported before (its export and parity reused)
            folder, parity = args.model, store.read_manifest(args.model)["parity"]
        else:
            folder = random_marian(Path(tmp) / "marian-random", vocab=OPUS_MT_VOCAB)
            started = time.perf_counter()
            parity = export_model(folder)
            print(f"export (fp32 + INT8, with its parity check): {time.perf_counter() - started:.0f} s")
        print(f"parity {parity}")
        rng = np.random.default_rng(0)   # source lines of 60-100 % of --tokens, each ending in </s>
        lines = [rng.integers(2, OPUS_MT_VOCAB - 1, int(rng.integers(args.tokens * 6 // 10, args.tokens))).tolist()
                 + [0] for _ in range(args.lines)]
        ordered = sorted(lines, key=len)   # batches of similar lengths, as translate_units makes them
        batched = [ordered[i:i + 16] for i in range(0, len(ordered), 16)]
        single = [[line] for line in lines[:args.single]]
        modes = {"greedy, batches of 16": (batched, 1), "greedy, one at a time": (single, 1),
                 "beam 4, batches of 16": (batched, 4)}
        nets = {"generate": translator.load(folder, device="cpu").net}
        nets.update({b: translator.load(folder, device="cpu", backend=b).net for b in OURS})
        memory = {b: table.peak_memory(first_batch, str(folder), b, args.threads, lines[:16])
                  for b in ("torch", *OURS)}
        memory["generate"] = memory.pop("torch")
        times: dict[tuple[str, str], list[float]] = {}
        tokens: dict[tuple[str, str], list[list[int]]] = {}
        command = [str(ct2_python(args.ct2_venv)), "-c", CT2_SCRIPT, str(folder), str(Path(tmp) / "ct2"),
                   str(OPUS_MT_VOCAB)]
        subprocess.run(command + ["0"], check=True, capture_output=True)
        jobs = [{"name": mode, "batches": batches, "beams": beams, "steps": args.tokens, "rounds": 1}
                for mode, (batches, beams) in modes.items()]

        def ct2_round() -> None:
            """CTranslate2, every mode once (its model loaded and warmed up before the clock starts)."""
            child = subprocess.run(command + [str(args.threads)], input=json.dumps(jobs), capture_output=True,
                                   text=True, env=dict(os.environ, OMP_NUM_THREADS=str(args.threads)), check=True)
            ct2 = json.loads(child.stdout.strip().splitlines()[-1])
            memory["ctranslate2-int8"] = ct2.pop("memory_mb")
            for mode in modes:
                times.setdefault((mode, "ctranslate2-int8"), []).extend(ct2[mode]["times"])
                tokens[mode, "ctranslate2-int8"] = ct2[mode]["tokens"]

        for r in range(args.rounds):   # interleaved: a change in the machine's load hits every backend alike
            if r % 2:
                ct2_round()
            for mode, (batches, beams) in modes.items():
                for name in (list(nets) if r % 2 == 0 else list(nets)[::-1]):
                    if r == 0:
                        run_batches(nets[name], batches[:1], beams, 4)   # warm-up
                    began = time.perf_counter()
                    tokens[mode, name] = [[t for t in seq if t != OPUS_MT_VOCAB - 1]   # start and padding
                                          for seq in run_batches(nets[name], batches, beams, args.tokens)]
                    times.setdefault((mode, name), []).append(time.perf_counter() - began)
            if r % 2 == 0:
                ct2_round()
            print(f"round {r + 1}: " + "; ".join(f"{m} " + ", ".join(f"{n} {times[m, n][-1]:.2f} s"
                                                                       for n in (*nets, "ctranslate2-int8"))
                                                  for m in modes), flush=True)
        return report(modes, times, tokens, memory, parity, args)


def report(modes: dict, times: dict, tokens: dict, memory: dict, parity: dict, args: argparse.Namespace) -> int:
    """Print the table, record its rows, and say FAIL for each bound missed (exit 1 then)."""
    failed = []
    print(f"\nrandom opus-mt-en-de-shaped Marian, {args.threads} threads, median of {args.rounds} interleaved rounds, "
          f"load {os.getloadavg()[0]:.1f}; at most {args.tokens} tokens a line")
    print(f"{'mode':22s} {'backend':17s} {'tokens/s':>9s} {'vs generate':>12s} {'agreement':>10s} {'memory':>9s}")
    for mode in modes:
        reference = tokens[mode, "generate"]
        speed: dict[str, float] = {}
        agree: dict[str, float] = {}
        for name in ("generate", *OURS, "ctranslate2-int8"):
            count = sum(len(seq) for seq in tokens[mode, name])
            speed[name] = count / statistics.median(times[mode, name])
            agree[name] = agreement(reference, tokens[mode, name], 0, last=name != "ctranslate2-int8")
        best = max(OURS, key=lambda n: speed[n])
        bounds: dict[str, tuple[bool, str]] = {
            "onnx-fp32": (agree["onnx-fp32"] == 100.0, "tokens identical"),
            "onnx-int8": (agree["onnx-int8"] >= 99.0, ">= 99 % agreement")}
        if mode.startswith("greedy, batches"):
            bounds[best] = (bounds[best][0] and speed[best] >= speed["ctranslate2-int8"],
                            bounds[best][1] + ", >= CTranslate2 int8")
        elif mode.startswith("greedy, one"):
            bounds[best] = (bounds[best][0] and speed[best] >= 3 * speed["generate"], bounds[best][1] + ", >= 3x")
        else:
            bounds["onnx-fp32"] = (bounds["onnx-fp32"][0] and speed["onnx-fp32"] >= 2 * speed["generate"],
                                   "tokens identical, >= 2x")
        for name in speed:
            ok, bound = bounds.get(name, (True, "reference" if name == "generate" else "anchor"))
            mark = "" if ok else "  FAIL"
            if not ok:
                failed.append(f"{mode} {name}")
            ratio = speed[name] / speed["generate"]
            print(f"{mode:22s} {name:17s} {speed[name]:9.0f} {ratio:11.2f}x {agree[name]:9.2f}% "
                  f"{table.megabytes(memory.get(name))}  ({bound}){mark}")
            words = f"{agree[name]:.2f} % of generate's tokens on {len(reference)} held-out random lines"
            table.record("translate", f"{name} ({mode})", ratio, memory.get(name),
                         table.parity_text(parity, name) if name in OURS else "-",
                         f"tokens/s vs transformers generate, {mode}", quality=words, ok=ok)
    print(f"\nINT8 recipe: {parity.get('int8', {}).get('recipe', 'not recorded')}")
    for line in failed:
        print(f"FAIL: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
