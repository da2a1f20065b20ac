"""LightWaveS vs our ROCKET: inference speed, accuracy and feature fraction per aeon dataset.

For every equal-length classification dataset bundled with aeon, fits
``LightWaveSClassifier`` and ``RocketClassifier`` (default 10 000 kernels, seed 0)
on the train split and reports, all in one process with the same number of torch
threads: the best-of-N wall time of each fitted transformer's ``transform`` on the
test split (after a warm-up), their ratio, both test accuracies, and LightWaveS's
output features as a fraction of ROCKET's 20 000.

Usage::

    python benchmarks/lightwaves_speed.py [--threads 2] [--repeats 7] [--datasets GunPoint ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from anyconv.timeseries import LightWaveSClassifier, RocketClassifier
from benchmarks._timing import best_of

DATASETS = ("GunPoint", "ItalyPowerDemand", "ArrowHead", "OSULeaf", "BasicMotions",
            "ACSF1", "Covid3Month_disc", "UnitTest")


def _load(name: str):
    from aeon.datasets import load_classification

    X, y = load_classification(name, split="train")
    Xt, yt = load_classification(name, split="test")
    if not isinstance(X, np.ndarray) or not isinstance(Xt, np.ndarray):
        return None  # unequal-length collection: neither estimator takes lists
    return X.astype(np.float64), y, Xt.astype(np.float64), yt


def run(datasets, threads: int, repeats: int) -> list[dict]:
    """Fit both classifiers per dataset and time their transforms; one row per dataset."""
    torch.set_num_threads(threads)
    rows = []
    for name in datasets:
        data = _load(name)
        if data is None:
            print(f"{name:18s} skipped (unequal length)", flush=True)
            continue
        X, y, Xt, yt = data
        t0 = time.perf_counter()
        lws = LightWaveSClassifier(random_state=0, n_jobs=threads).fit(X, y)
        fit_lws = time.perf_counter() - t0
        rocket = RocketClassifier(random_state=0, n_jobs=threads).fit(X, y)
        acc_l, acc_r = lws.score(Xt, yt), rocket.score(Xt, yt)
        tl, tr = lws.transformer_, rocket.transformer_
        # interleave the two timings so machine-load drift hits both alike
        t_l, t_r = float("inf"), float("inf")
        for _ in range(3):
            t_r = min(t_r, best_of(lambda tr=tr, Xt=Xt: tr.transform(Xt), repeats=max(1, repeats // 3), budget_s=10))
            t_l = min(t_l, best_of(lambda tl=tl, Xt=Xt: tl.transform(Xt), repeats=max(1, repeats // 3), budget_s=10))
        row = dict(name=name, shape=Xt.shape, rocket_s=t_r, lws_s=t_l, ratio=t_r / t_l, acc_rocket=acc_r,
                   acc_lws=acc_l, gap=100 * (acc_r - acc_l), frac=tl.n_features_out_ / (2 * tr.kernels_.n_kernels),
                   fit_lws_s=fit_lws)
        rows.append(row)
        print(f"{name:18s} {Xt.shape!s:16s} rocket {t_r * 1e3:8.1f} ms  lws {t_l * 1e3:7.2f} ms  "
              f"speed-up {row['ratio']:5.1f}x  acc rocket {acc_r:.3f} lws {acc_l:.3f} (gap {row['gap']:+.1f} pts)  "
              f"features {100 * row['frac']:.2f}%  lws fit {fit_lws:.1f}s", flush=True)
    return rows


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--datasets", nargs="*", default=list(DATASETS))
    a = p.parse_args(argv)
    warnings.simplefilter("ignore")
    rows = run(a.datasets, a.threads, a.repeats)
    if rows:
        print(f"min speed-up {min(r['ratio'] for r in rows):.1f}x, max accuracy gap "
              f"{max(r['gap'] for r in rows):+.1f} pts, max feature fraction {100 * max(r['frac'] for r in rows):.2f}%")


if __name__ == "__main__":
    main()
