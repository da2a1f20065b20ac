"""Peak memory of ``transform``: it must not grow with ``n_cases`` beyond the output.

Usage::

    python benchmarks/timeseries_memory.py [--cases 1000,4000,16000] [--length 300]
        [--methods minirocket,rocket,multirocket,hydra] [--batch-size 256] [--out results.json]

Each measurement runs in a fresh subprocess: build the input in place (no temporaries),
fit on the first 100 cases, transform a slice once (warm-up: libraries, thread pools,
layouts; its own peak is reported as ``warm-up``), then reset the kernel's peak-RSS mark (``/proc/self/clear_refs``) and
transform all cases. ``extra`` = peak RSS during the transform - RSS before it - the
output array's bytes: the working memory of the transform. Bounded memory means
``extra`` stays flat as ``n_cases`` grows (it depends on ``batch_size``, the series
length and ``n_jobs``). Linux only (``/proc``).

Measured 2026-11-28 (2-core machine under heavy load from other jobs, which does not
change memory; length 300, univariate, ``n_jobs=1``, MiniRocket/MultiRocket 840 kernels,
Rocket 500), ``extra`` MiB at 1000 / 4000 / 16000 cases:

* ``--batch-size 256``: MiniRocket 0.0 / 1.0 / 0.8, Rocket 1.2 / 1.2 / 2.2,
  MultiRocket 37.8 / 37.8 / 33.4 (outputs 3-410 MiB): flat.
* automatic batch size: MiniRocket 0.0 / 0.5 / 0.1, MultiRocket 0.0 / 0.0 / 3.5, Rocket
  7.4 / 32.6 / 30.2 (its automatic batch exceeds the 200-case warm-up, so the first
  larger call grows the working set once; flat from 4000 cases on).

Hydra (k = 8, g = 64, native engine, 6 144 features; 2026-11-28 under load), ``extra`` MiB at
1000 / 4000 / 16000 cases: ``--batch-size 256`` 12.1 / 17.5 / 11.5 (outputs 23-375 MiB): flat;
automatic batch size 24.5 / 37.1 / 56.7, and 49.9 at 32 000 cases: one batch's working set (the
automatic batch is ~2 500 cases here: the 2**24-element budget, 64 MiB, over ~6 700 elements
per case), reached once a call holds more than one batch.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

MiB = 1 << 20


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def child(method: str, n_cases: int, length: int, batch_size: int | None, n_jobs: int) -> dict:
    """One measurement (in this process); returns MiB figures."""
    import numpy as np
    import torch

    import anyconv.timeseries as ts

    torch.set_num_threads(1)
    classes = {"minirocket": ts.MiniRocket, "rocket": ts.Rocket, "multirocket": ts.MultiRocket, "hydra": ts.Hydra}
    # Hydra: its defaults (k = 8 kernels per group, g = 64 groups)
    sizes = {"minirocket": {"n_kernels": 840}, "rocket": {"n_kernels": 500}, "multirocket": {"n_kernels": 840},
             "hydra": {"n_kernels": 8, "n_groups": 64}}  # fmt: skip
    X = np.empty((n_cases, 1, length), dtype=np.float32)  # (n_cases, 1, length), filled in place
    rng = np.random.default_rng(0)
    for i in range(0, n_cases, 1000):
        block = X[i : i + 1000, 0]
        block[:] = rng.standard_normal(block.shape, dtype=np.float32)
        np.cumsum(block, axis=1, out=block)
    est = classes[method](**sizes[method], random_state=0, n_jobs=n_jobs, batch_size=batch_size)
    est.fit(X[:100])
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current RSS
    warm = _rss_kib("VmRSS")
    est.transform(X[:200])  # warm-up
    warm_extra = _rss_kib("VmHWM") - warm
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = _rss_kib("VmRSS")
    out = est.transform(X)
    peak = _rss_kib("VmHWM")
    extra = peak - before - out.nbytes // 1024
    return {
        "method": method, "n_cases": n_cases, "length": length, "batch_size": batch_size, "n_jobs": n_jobs,
        "n_features": out.shape[1], "input_mib": X.nbytes / MiB, "output_mib": out.nbytes / MiB,
        "before_mib": before / 1024, "peak_mib": peak / 1024, "extra_mib": extra / 1024,
        "warmup_extra_mib": warm_extra / 1024,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default="1000,4000,16000")
    parser.add_argument("--length", type=int, default=300)
    parser.add_argument("--methods", default="minirocket,rocket,multirocket")
    parser.add_argument("--batch-size", type=int, default=None, help="default: automatic")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default=None)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        method, n, length, bs, jobs = args.child
        print(json.dumps(child(method, int(n), int(length), None if bs == "None" else int(bs), int(jobs))))
        return
    rows = []
    print(f"{'method':12} {'cases':>7} {'features':>8} {'input':>8} {'output':>8} {'extra MiB':>9} {'warm-up MiB':>11}")
    for method in args.methods.split(","):
        for n in map(int, args.cases.split(",")):
            argv = [method, str(n), str(args.length), str(args.batch_size), str(args.n_jobs)]
            done = subprocess.run([sys.executable, __file__, "--child", *argv], capture_output=True, text=True)
            if done.returncode:
                raise RuntimeError(done.stderr)
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(
                f"{method:12} {n:7d} {row['n_features']:8d} {row['input_mib']:8.1f} "
                f"{row['output_mib']:8.1f} {row['extra_mib']:9.1f} {row['warmup_extra_mib']:11.1f}"
            )
    if args.out:
        from anyconv.utils.io import atomic_write_json

        atomic_write_json(args.out, {"rows": rows, "args": vars(args)})


if __name__ == "__main__":
    main()
