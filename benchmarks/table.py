"""The one table `make bench` ends with: every task, every backend, its ratio, memory, parity and quality.

Each backend benchmark calls ``record`` for its rows; run_all.py points MODELDESK_BENCH_TABLE at
a file for the whole run and prints the rows with ``render`` once every script has finished, so
the figures sit side by side however long each script's own output was. Run alone, a benchmark
records nothing and prints only its own figures.

No speed figure without its quality: every row carries its quality on held-out data (data no
setting was chosen on) in words, and whether it is within its bound. A row outside its bound, or
with no quality at all, is marked FAIL, and ``failures`` lists it so that run_all.py exits non-zero.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import queue
import sys
from pathlib import Path
from typing import Any, Callable, Optional

ENV = "MODELDESK_BENCH_TABLE"


NO_QUALITY = "no held-out quality"


def record(task: str, backend: str, ratio: float, memory_mb: Optional[float], parity: str,
           measure: str = "speed vs torch fp32", quality: str = "", ok: bool = True) -> None:
    """Add one row (a no-op when no table file is set). ``ratio`` is how many times faster than
    torch fp32 eager in the same run; ``measure`` says what was timed when that needs saying.
    ``quality`` is the row's quality on held-out data in words (empty: none, which fails the row)
    and ``ok`` whether it is within the row's bound."""
    path = os.environ.get(ENV)
    if not path:
        return
    row = {"task": task, "backend": backend, "ratio": ratio, "memory_mb": memory_mb, "parity": parity,
           "measure": measure, "quality": quality, "ok": bool(ok)}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")


def parity_text(parity: dict, backend: str) -> str:
    """The export's parity figures for ``backend`` (onnx-fp32 / onnx-int8), as the Models page words them."""
    from models.core.parity import format_figures

    figures = parity.get(backend.removeprefix("onnx-"))
    return format_figures(figures) if isinstance(figures, dict) and figures else "not recorded"


def peak_memory(target: Callable[..., object], *args: object) -> Optional[float]:
    """The peak resident memory (MB) that ``target(*args)`` - load a model, run it once - adds to a
    fresh process that has already imported torch, transformers and onnxruntime; None if it failed.

    A fresh process, because in the benchmark's own one, weights already loaded by the export, the
    allocator's free lists and torch's lazily mapped safetensors make before/after figures lie.
    ``target`` must be a module-level function (the child imports it).
    """
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_measure_peak, args=(results, target, args))
    child.start()
    try:
        value = results.get(timeout=900)
    except queue.Empty:
        value = None
    child.join(30)
    return value


def _status_kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise OSError(f"/proc/self/status has no {field}")


def _measure_peak(results: Any, target: Callable[..., object], args: tuple) -> None:
    """In the child: reset the high-water mark after the imports, run ``target``, report the rise.

    VmHWM, not getrusage's ru_maxrss: the latter carries the parent's peak over fork and exec.
    """
    import onnxruntime  # noqa: F401  (the libraries every backend needs count as the baseline)
    import torch  # noqa: F401
    import transformers  # noqa: F401

    Path("/proc/self/clear_refs").write_text("5")   # VmHWM := VmRSS
    before = _status_kib("VmRSS")
    try:
        target(*args)
    except Exception as exc:  # the row says it failed; the benchmark itself goes on
        print(f"memory measurement failed: {exc}", file=sys.stderr)
        results.put(None)
        return
    results.put((_status_kib("VmHWM") - before) / 1024)


def megabytes(value: Optional[float]) -> str:
    return f"{value:6.0f} MB" if value is not None else f"{'-':>9s}"


def read_rows(path: Path) -> list[dict]:
    """The rows recorded in ``path`` (rows from before quality was recorded read as without one)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        row.setdefault("quality", "")
        row.setdefault("ok", True)
    return rows


def passed(row: dict) -> bool:
    """Within its bound, with a held-out quality to say so."""
    return bool(row["ok"]) and bool(row["quality"].strip())


def failures(path: Path) -> list[str]:
    """``task backend: why`` for every row that fails (outside its bound, or no held-out quality)."""
    return [f"{row['task']} {row['backend']}: " + ("outside its bound" if row["quality"].strip() else NO_QUALITY)
            for row in read_rows(path) if not passed(row)]


def render(path: Path) -> str:
    """The rows recorded in ``path`` as one aligned table, quality beside speed, FAIL where a row fails."""
    rows = read_rows(path)
    if not rows:
        return "no backend rows were recorded"
    lines = [f"{'':4s} {'task':10s} {'backend':16s} {'vs torch fp32':>13s} {'memory':>9s}  parity | held-out quality"]
    for row in rows:
        mark = "ok" if passed(row) else "FAIL"
        lines.append(f"{mark:4s} {row['task']:10s} {row['backend']:16s} {row['ratio']:12.2f}x "
                     f"{megabytes(row['memory_mb'])}  {row['parity']} | {row['quality'].strip() or NO_QUALITY}")
    measures = sorted({f"{row['task']}: {row['measure']}" for row in rows})
    notes = ["", "ratios are speed (higher is faster) against torch fp32 in the same run; memory is the peak that "
             "loading the model and running it once added to a fresh process; quality is measured on held-out "
             "data no setting was chosen on; FAIL: outside its bound, or no held-out quality"]
    return "\n".join(lines + notes + measures)


def main(argv: Optional[list[str]] = None) -> int:
    """``table.py ROWS.jsonl``: print a recorded table again; exit 1 if any row fails."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not Path(args[0]).is_file():
        print("usage: table.py ROWS.jsonl (a table file that a benchmark run recorded)", file=sys.stderr)
        return 2
    print(render(Path(args[0])))
    failed = failures(Path(args[0]))
    for line in failed:
        print(f"FAIL {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
