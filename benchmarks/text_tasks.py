"""What the text tasks' design choices buy, each as a ratio against a plain baseline from the same run.

- classify: batches of texts sorted by length (ModelDesk) vs batches in input order,
  on the real MiniLM-L6 encoder with a seeded random head and texts of mixed length;
- generate: the KV-cache token loop (ModelDesk) vs recomputing the whole sequence per
  token, greedy, on a random 6-layer GPT-2 (same tokens out, checked);
- streaming: the app's generation as the GUI and CLI run it (token by token, each piece
  decoded and emitted, stop strings watched) vs bare ``model.generate``, greedy, same tokens
  (the target is >= 0.95x);
- translate: sentences in batches of 8 (ModelDesk) vs one sentence at a time, on a
  random 3-layer Marian model.

Weights are random: the figures are about speed, not quality.

    .venv/bin/python benchmarks/text_tasks.py [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def seconds(fn: Callable[[], object], repeats: int = 3) -> float:
    """Best of ``repeats`` after one warm-up run."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_classify(tmp: Path) -> None:
    import numpy as np
    import torch
    from transformers import AutoModelForSequenceClassification

    from transformers import AutoTokenizer, BertForSequenceClassification

    from benchmarks.minilm_vs_tfidf import minilm_path
    from models.classify.classifier import Classifier

    folder = tmp / "minilm-classifier"   # MiniLM's encoder with a seeded random 2-way head
    torch.manual_seed(0)
    BertForSequenceClassification.from_pretrained(minilm_path(), num_labels=2, local_files_only=True).save_pretrained(folder)
    AutoTokenizer.from_pretrained(minilm_path(), local_files_only=True).save_pretrained(folder)
    clf = Classifier.load(folder, device="cpu")
    rng = random.Random(0)
    words = "the film was good but the plot was slow and the actors did their best with it".split()
    texts = [" ".join(rng.choice(words) for _ in range(rng.choice((4, 8, 16, 64, 200)))) for _ in range(128)]
    net = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True).eval()

    def input_order() -> np.ndarray:
        rows = []
        with torch.inference_mode():
            for start in range(0, len(texts), 32):
                enc = clf.tokenizer(texts[start:start + 32], padding=True, truncation=True,
                                    max_length=clf.max_length, return_tensors="pt")
                rows.append(torch.softmax(net(**enc).logits, -1).numpy())
        return np.concatenate(rows)

    baseline, ours = seconds(input_order, 2), seconds(lambda: clf.predict_proba(texts, batch_size=32), 2)
    diff = float(np.abs(clf.predict_proba(texts) - input_order()).max())
    print(f"classify  128 mixed-length texts, batch 32: input order {baseline:.2f} s, sorted by length "
          f"{ours:.2f} s -> {baseline / ours:.2f}x faster (max prob. difference {diff:.1e})")


def _bench_gpt2(tmp: Path) -> Path:
    """A random 6-layer, 384-wide GPT-2 with the tiny test tokenizer (built once per run)."""
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    from tests.fixtures.text_models import build_gpt2

    folder = tmp / "gpt2"
    if not folder.is_dir():
        build_gpt2(folder)
        config = GPT2Config.from_pretrained(folder)
        config.update({"n_embd": 384, "n_layer": 6, "n_head": 6, "n_positions": 256})
        torch.manual_seed(0)
        GPT2LMHeadModel(config).eval().save_pretrained(folder)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        tokenizer.model_max_length = config.n_positions   # the tiny tokenizer would cap it at 128
        tokenizer.save_pretrained(folder)
    return folder


def bench_generate(tmp: Path) -> None:
    import torch

    from models.generate import generator

    folder = _bench_gpt2(tmp)
    prompt, steps = "the film was good and the actors were great " * 3, 128
    lm = generator.load(folder, device="cpu")

    def no_cache() -> str:
        ids = lm.tokenizer(prompt, return_tensors="pt").input_ids
        start = ids.shape[1]
        with torch.inference_mode():
            for _ in range(steps):
                token = lm.model(input_ids=ids, use_cache=False).logits[0, -1].argmax()
                if int(token) in lm.stop_ids:
                    break
                ids = torch.cat([ids, token.view(1, 1)], dim=1)
        return lm.tokenizer.decode(ids[0, start:], skip_special_tokens=True)

    def cached() -> str:
        return generator.generate(folder, prompt, max_new_tokens=steps, temperature=0, device="cpu")

    same = no_cache() == cached()
    baseline, ours = seconds(no_cache, 2), seconds(cached, 2)
    print(f"generate  {steps} tokens, 6x384 GPT-2: recompute {steps / baseline:.0f} tokens/s, KV cache "
          f"{steps / ours:.0f} tokens/s -> {baseline / ours:.2f}x faster (same text: {same})")


def bench_streaming(tmp: Path) -> None:
    import torch

    from models.core.events import Partial, Progress
    from models.generate import generator

    folder = _bench_gpt2(tmp)
    prompt, steps = "the film was good and the actors were great " * 3, 128
    lm = generator.load(folder, device="cpu")
    ids = lm.tokenizer(prompt, return_tensors="pt").input_ids
    seen = {"pieces": 0, "tokens": 0}

    def on_event(event: object) -> None:   # what a listener does with each event, kept cheap
        if isinstance(event, Partial):
            seen["pieces"] += 1
        elif isinstance(event, Progress):
            seen["tokens"] = int(event.done)

    def app() -> str:
        return generator.generate(folder, prompt, max_new_tokens=steps, temperature=0, device="cpu",
                                  stop=("never appears in this text",), progress=on_event)

    def bare() -> str:
        with torch.inference_mode():
            out = lm.model.generate(ids, max_new_tokens=steps, do_sample=False, pad_token_id=lm.tokenizer.eos_token_id)
        return lm.tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True)

    same = bare() == app()
    tokens = seen["tokens"]
    ratios = []
    for _ in range(3):   # interleaved, so a change in the machine's load hits both alike
        baseline, ours = seconds(bare, 1), seconds(app, 1)
        ratios.append(baseline / ours)
    ratio = sorted(ratios)[1]
    print(f"streaming {tokens} tokens, 6x384 GPT-2: bare model.generate {tokens / baseline:.0f} tokens/s, the app "
          f"streaming {tokens / ours:.0f} tokens/s -> {ratio:.2f}x (median of 3; target >= 0.95x; same text: {same})")


def bench_translate(tmp: Path) -> None:
    from benchmarks.translate_backends import random_marian
    from models.translate import translator

    folder = random_marian(tmp / "marian", width=256, layers=3, heads=4)
    rng = random.Random(0)
    words = "the cat sat on the mat a small dog runs in the park hello world".split()
    text = " ".join(" ".join(rng.choice(words) for _ in range(rng.randint(4, 14))) + "." for _ in range(32))
    translator.load(folder, device="cpu")

    def run(batch: int) -> str:
        return translator.translate(folder, text, beam_size=2, max_length=16, batch_size=batch, device="cpu")

    baseline, ours = seconds(lambda: run(1), 2), seconds(lambda: run(8), 2)
    print(f"translate 32 sentences, beam 2: one at a time {baseline:.2f} s, batches of 8 {ours:.2f} s "
          f"-> {baseline / ours:.2f}x faster")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--only", choices=("classify", "generate", "streaming", "translate"),
                        help="run one of the benchmarks")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import warnings

    import torch

    warnings.filterwarnings("ignore", message=".*sacremoses")
    torch.set_num_threads(args.threads)
    print(f"torch threads: {torch.get_num_threads()}")
    with tempfile.TemporaryDirectory(prefix="modeldesk-text-bench-") as tmp:
        os.environ.setdefault("MODELDESK_HOME", str(Path(tmp) / "home"))
        for bench in (bench_classify, bench_generate, bench_streaming, bench_translate):
            if args.only in (None, bench.__name__.removeprefix("bench_")):
                bench(Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
