"""Hydra transform speed: ours native vs ours torch vs aeon, same run, on aeon's bank.

One process, one thread everywhere (``torch.set_num_threads(1)``, BLAS limited to one
thread, ``n_jobs=1``). Per dataset: aeon's ``HydraTransformer(random_state=0)`` is
fitted on the training split, its bank exported (``bank_from_aeon``) and injected
into ours with ``engine="native"`` and ``engine="torch"``; then each transforms the
test split once (warm-up) and the three are timed interleaved, best of
``--repeats``. Also one synthetic long series collection (random walks). Prints
seconds and ``aeon / ours`` (> 1: ours is faster) and the largest feature
difference from aeon's (float32 rounding). Timings on a shared machine mean
something only as these same-run ratios; the load average is printed beside them.

Usage: ``python benchmarks/hydra_speed.py [--repeats 5] [--datasets GunPoint,...] [--long 32x4096]``
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks._timing import best_of_interleaved

DATASETS = ["GunPoint", "ItalyPowerDemand", "BasicMotions", "ArrowHead", "OSULeaf", "ACSF1"]


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Train and test series of a bundled dataset, or a synthetic ``"<n>x<L>"`` random-walk collection."""
    if "x" in name and name.split("x")[0].isdigit():
        n, L = (int(v) for v in name.split("x"))
        rs = np.random.RandomState(0)
        return rs.randn(n, 1, L).cumsum(-1), rs.randn(n, 1, L).cumsum(-1)
    from aeon.datasets import load_classification

    return load_classification(name, split="train")[0], load_classification(name, split="test")[0]


def run_one(name: str, repeats: int) -> dict:
    """Times and ratios for one collection."""
    from aeon.transformations.collection.convolution_based import HydraTransformer

    from anyconv.timeseries import Hydra
    from anyconv.timeseries.hydra import bank_from_aeon

    X, Xt = load(name)
    aeon = HydraTransformer(random_state=0, n_jobs=1, output_type="numpy").fit(X)
    bank = bank_from_aeon(aeon)
    nat = Hydra(bank=bank, engine="native", n_jobs=1).fit(X)
    tor = Hydra(bank=bank, engine="torch", n_jobs=1).fit(X)
    F_aeon = np.asarray(aeon.transform(Xt))
    diff = float(np.abs(nat.transform(Xt) - F_aeon).max() / max(1.0, np.abs(F_aeon).max()))
    t_aeon, t_nat, t_tor = best_of_interleaved(
        [lambda: aeon.transform(Xt), lambda: nat.transform(Xt), lambda: tor.transform(Xt)],
        repeats=repeats, warmup=1, budget_s=60,
    )
    return dict(name=name, shape=tuple(Xt.shape), aeon_s=t_aeon, native_s=t_nat, torch_s=t_tor,
                native_ratio=t_aeon / t_nat, torch_ratio=t_aeon / t_tor, rel_diff=diff, load=os.getloadavg()[0])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated bundled names")
    p.add_argument("--long", default="32x4096", help="synthetic collection '<n_cases>x<length>' ('' to skip)")
    a = p.parse_args(argv)
    import torch
    from threadpoolctl import threadpool_limits

    from anyconv.timeseries import native

    torch.set_num_threads(1)
    threadpool_limits(1)
    warnings.simplefilter("ignore")
    print(native.status(), flush=True)
    names = [n for n in a.datasets.split(",") if n] + ([a.long] if a.long else [])
    ratios = []
    for name in names:
        r = run_one(name, a.repeats)
        ratios.append(r["native_ratio"])
        print(f"{name:18s} {r['shape']!s:18s} aeon {r['aeon_s'] * 1e3:9.1f} ms  native {r['native_s'] * 1e3:8.1f} ms "
              f"({r['native_ratio']:5.1f}x)  torch {r['torch_s'] * 1e3:9.1f} ms ({r['torch_ratio']:4.2f}x)  "
              f"max rel diff {r['rel_diff']:.1e}  load {r['load']:.1f}", flush=True)
    if ratios:
        print(f"native vs aeon: min {min(ratios):.1f}x, geometric mean {float(np.exp(np.mean(np.log(ratios)))):.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
