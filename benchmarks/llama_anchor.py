"""llama.cpp on a GGUF file, measured the way lm_quantized.py measures ModelDesk: run by that script
with the Python of a throw-away venv that has llama-cpp-python (built from its source package).

Reads one JSON object per line on stdin and answers each with one JSON line: first the job (path,
threads, prompts, steps, long_prompt, decode_tokens, forced), answered with the load seconds, greedy
tokens per prompt and teacher-forced predictions of ``forced``; then "time" lines, each answered
with one timing round (time to first token for the long prompt, seconds for the decode steps), so
the caller can interleave them with its own; at "end", the peak memory added (MB).
Standard library and llama_cpp only (numpy comes with it).

``llama_anchor.py quantize SOURCE TARGET TYPE`` instead writes TARGET from the float GGUF file SOURCE
with llama.cpp's own quantizer (TYPE: a preset such as Q4_K_M), so the benchmark can run a file made
as the files people download are made.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def quantize(source: str, target: str, kind: str) -> int:
    import ctypes

    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{kind}")
    params.nthread = 2
    return int(llama_cpp.llama_model_quantize(source.encode(), target.encode(), ctypes.byref(params)))


def main() -> int:
    if sys.argv[1:2] == ["quantize"]:
        return quantize(*sys.argv[2:5])
    job = json.loads(sys.stdin.readline())
    import llama_cpp
    import numpy as np

    Path("/proc/self/clear_refs").write_text("5")
    before = _rss_kib("VmRSS")
    began = time.perf_counter()
    llm = llama_cpp.Llama(model_path=job["path"], n_ctx=1024, n_batch=512, n_threads=job["threads"],
                          n_threads_batch=job["threads"], verbose=False)
    load_s = time.perf_counter() - began

    def last_argmax() -> int:   # the context's own logits of the last token (``scores`` is not filled here)
        return int(np.argmax(np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),))))

    greedy = []
    for prompt in job["prompts"]:
        llm.reset()
        llm.eval(prompt)
        tokens = []
        for _ in range(job["steps"]):
            tokens.append(last_argmax())
            llm.eval(tokens[-1:])
        greedy.append(tokens)
    forced = []
    for prompt, reference in zip(job["prompts"], job["forced"]):
        llm.reset()
        llm.eval(prompt)
        predicted = []
        for token in reference:
            predicted.append(last_argmax())
            llm.eval([token])
        forced.append(predicted)
    print(json.dumps({"load_s": load_s, "greedy": greedy, "forced": forced, "version": llama_cpp.__version__}),
          flush=True)
    for line in sys.stdin:
        if line.strip() != "time":
            break
        llm.reset()
        began = time.perf_counter()
        llm.eval(job["long_prompt"])
        last_argmax()
        ttft = time.perf_counter() - began
        llm.reset()
        llm.eval(job["prompts"][0])
        token = last_argmax()
        began = time.perf_counter()
        for _ in range(job["decode_tokens"]):
            llm.eval([token])
            token = last_argmax()
        print(json.dumps({"ttft_s": ttft, "decode_s": time.perf_counter() - began}), flush=True)
    print(json.dumps({"memory_mb": (_rss_kib("VmHWM") - before) / 1024}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
