"""Face rendering on each backend: torch fp32 against the DCGAN's ONNX fp32 and INT8 exports.

Renders a 4×4 grid (what the Faces page draws on each slider move) and a batch of 64, timed in the
same run for every backend, and prints the ratio to torch and the parity the export recorded
(largest difference of an 8-bit pixel over 16 seeds). Each row's quality is its largest pixel difference
from torch on 64 held-out seeds (5000-5063: neither the export's parity seeds nor its INT8 calibration
seeds), within 1 for fp32 and 64 for INT8 or the row prints FAIL and the run exits non-zero. Without --model it builds a 64 px DCGAN of
the default width with random weights and batch-norm statistics; pass a trained model for
representative parity.

    python benchmarks/faces_backends.py [--model NAME_OR_FOLDER] [--threads N] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks import table  # noqa: E402

#: seeds no export step uses (parity: 0-15, INT8 calibration: 1000-1127)
HELD_OUT_SEEDS = range(5000, 5064)
#: the largest 8-bit pixel difference from torch each backend may show on them
BOUNDS = {"torch": 0, "onnx-fp32": 1, "onnx-int8": 64}


def _random_dcgan(folder: Path) -> Path:
    import torch

    from models.faces import dcgan

    from models.faces.training import recalibrate_norms

    config = {"nz": 100, "ngf": 64, "ndf": 64, "image_size": 64}
    generator, discriminator = dcgan.build_dcgan(config, seed=0)
    recalibrate_norms(generator, torch.randn(256, 100, generator=torch.Generator().manual_seed(1)))
    folder.mkdir(parents=True)
    dcgan.save_model(folder, generator.eval(), discriminator, {**config, "epochs_trained": 0})
    return folder


def first_render(folder: str, backend: str, device: str, threads: int) -> None:
    """Load the generator on ``backend`` and render one face (what the memory column measures)."""
    from models.core import runtime

    runtime.set_threads(threads or None)
    from models.faces import generation

    generation.generate(generation.load_renderer(folder, device, backend), range(1))


def _seconds(call, repeats: int) -> float:
    call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a DCGAN faces model (default: a random 64 px one)")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="faces-backends-"))
    os.environ.setdefault("MODELDESK_HOME", str(work / "home"))
    from models.core import runtime

    runtime.set_threads(args.threads or None)
    from models.core.exports import export_model
    from models.faces import generation

    folder = work / "model"
    if args.model:
        from models.core import store

        shutil.copytree(store.resolve(args.model).path, folder)
    else:
        _random_dcgan(folder)
    parity = export_model(folder, device="cpu")
    print(f"{'backend':10} {'grid 16 ms':>10} {'vs torch':>8} {'batch 64 ms':>11} {'vs torch':>8} {'max pixel diff':>14} "
          f"{'held-out diff':>13}")
    baseline: dict[int, float] = {}
    reference = None
    failed = False
    for backend, key in (("torch", None), ("onnx-fp32", "fp32"), ("onnx-int8", "int8")):
        memory = table.peak_memory(first_render, str(folder), backend, args.device, args.threads)
        renderer = generation.load_renderer(folder, args.device, backend)
        row = [f"{backend:10}"]
        for count in (16, 64):
            seconds = _seconds(lambda: generation.generate(renderer, range(count)), args.repeats)
            baseline.setdefault(count, seconds)
            row += [f"{seconds * 1000:10.1f}" if count == 16 else f"{seconds * 1000:11.1f}",
                    f"{baseline[count] / seconds:7.2f}×"]
        row.append(f"{parity[key]['max_pixel_diff']:14d}" if key else f"{'-':>14}")
        held_out = generation.generate(renderer, HELD_OUT_SEEDS).astype(int)
        reference = held_out if reference is None else reference
        diff = int(np.abs(held_out - reference).max())
        ok = diff <= BOUNDS[backend]
        failed |= not ok
        row.append(f"{diff:13d} {'ok' if ok else 'FAIL'}")
        print(" ".join(row), flush=True)
        table.record("faces", backend, baseline[64] / seconds, memory,
                     table.parity_text(parity, backend) if key else "reference", "a batch of 64 faces",
                     quality=f"max pixel diff vs torch {diff} on 64 held-out seeds", ok=ok)
    print(f"parity measured on {parity['set']}")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
