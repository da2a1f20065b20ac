"""MiniRocket / MultiRocket fit+transform speed: anyconv vs aeon, steady state.

One process, both libraries with ``n_jobs=2``, numba warmed up first. Per
dataset and model: ``fit(train); transform(train); transform(test)``, best of
N. Each library runs in its own block of repeats, after a short pause, and the
blocks alternate: numba's OpenMP workers keep spinning for a while after a
parallel region and would otherwise slow whichever library runs right after
aeon. Prints ``aeon / ours`` (> 1: we are faster).

Usage: ``python benchmarks/minirocket_speed.py [--repeats 3] [--rounds 2] [--multirocket] [names...]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

DATASETS = ["GunPoint", "ItalyPowerDemand", "ArrowHead", "OSULeaf", "BasicMotions", "ACSF1"]


def job(cls, Xtr, Xte, **kw):
    """``fit(Xtr)``, ``transform(Xtr)``, ``transform(Xte)`` with a fresh estimator."""

    def run():
        m = cls(random_state=0, n_jobs=2, **kw).fit(Xtr)
        m.transform(Xtr)
        m.transform(Xte)

    return run


def best_times(fns: dict, repeats: int, rounds: int, pause: float = 0.3) -> dict:
    """Best wall time per named callable: alternating blocks of ``repeats`` runs."""
    best = {k: float("inf") for k in fns}
    for f in fns.values():  # warm-up (numba compilation, caches)
        f()
    for r in range(rounds):
        for k in list(fns)[:: 1 if r % 2 == 0 else -1]:
            time.sleep(pause)
            for _ in range(repeats):
                t0 = time.perf_counter()
                fns[k]()
                best[k] = min(best[k], time.perf_counter() - t0)
    return best


def load(name: str):
    from aeon.datasets import load_classification

    Xtr, _ = load_classification(name, split="train")
    Xte, _ = load_classification(name, split="test")
    return Xtr.astype(np.float32), Xte.astype(np.float32)


def models(multirocket: bool) -> list[tuple[str, type, type]]:
    """``(label, aeon class, anyconv class)`` pairs."""
    from aeon.transformations.collection.convolution_based import MiniRocket as AMini
    from aeon.transformations.collection.convolution_based import MultiRocket as AMulti

    from anyconv.timeseries import MiniRocket, MultiRocket

    out = [("MiniRocket", AMini, MiniRocket)]
    if multirocket:
        out.append(("MultiRocket", AMulti, MultiRocket))
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("names", nargs="*", default=DATASETS)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--multirocket", action="store_true", help="also time MultiRocket")
    args = p.parse_args()
    print(f"{'dataset':18s} {'model':12s} {'aeon s':>8s} {'ours s':>8s} {'aeon/ours':>9s}")
    for name in args.names:
        Xtr, Xte = load(name)
        for label, theirs, ours in models(args.multirocket):
            t = best_times({"aeon": job(theirs, Xtr, Xte), "ours": job(ours, Xtr, Xte)}, args.repeats, args.rounds)
            print(f"{name:18s} {label:12s} {t['aeon']:8.3f} {t['ours']:8.3f} {t['aeon'] / t['ours']:9.2f}", flush=True)


if __name__ == "__main__":
    main()
