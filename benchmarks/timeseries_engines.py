"""Native (compiled loops) vs torch engine of each anyconv time-series transformer.

Same process, same fitted transformer, same threads: ``transform`` of the test
split with ``engine="torch"`` and with ``engine="native"``, best of N after a
warm-up, printed as ``torch / native`` (> 1: the compiled loops are faster),
plus the largest feature difference between the two engines.

Usage: ``python benchmarks/timeseries_engines.py [--threads 2] [--repeats 5] [names...]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from anyconv.data import load_ucr
from anyconv.timeseries import HDCMiniRocket, LightWaveS, MiniRocket, MultiRocket, Rocket, native

DATASETS = ["GunPoint", "ItalyPowerDemand", "OSULeaf", "BasicMotions", "ACSF1"]
TRANSFORMERS = {
    "Rocket": Rocket, "MiniRocket": MiniRocket, "MultiRocket": MultiRocket, "HDCMiniRocket": HDCMiniRocket,
    "LightWaveS": LightWaveS,
}  # fmt: skip


def best_transform_time(est, X: np.ndarray, repeats: int) -> float:
    """Best wall time of ``est.transform(X)`` after one warm-up call."""
    est.transform(X)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        est.transform(X)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", default=DATASETS)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    if not native.available():
        sys.exit("the compiled loops were not built (no C compiler at install time): nothing to compare")
    torch.set_num_threads(args.threads)
    print(f"{'dataset':18s} {'transformer':13s} {'torch s':>8s} {'native s':>9s} {'torch/native':>12s} {'max |diff|':>10s}")
    for name in args.names:
        (X_train, y_train), (X_test, _) = load_ucr(name, "train"), load_ucr(name, "test")
        for label, cls in TRANSFORMERS.items():
            est = cls(random_state=0, n_jobs=args.threads, engine="torch").fit(X_train, y_train)
            t_torch = best_transform_time(est, X_test, args.repeats)
            a = est.transform(X_test)
            est.set_params(engine="native")
            t_native = best_transform_time(est, X_test, args.repeats)
            diff = float(np.abs(est.transform(X_test) - a).max())
            print(f"{name:18s} {label:13s} {t_torch:8.4f} {t_native:9.4f} {t_torch / t_native:12.2f} {diff:10.2e}", flush=True)


if __name__ == "__main__":
    main()
