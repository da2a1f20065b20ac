"""Probabilities and regression: prevalidated-ridge log-loss, and regressors vs aeon.

Usage::

    python benchmarks/timeseries_regression.py [--repeats 3] [--out results.json]

Part 1, per bundled classification dataset (equal-length ones): test log-loss of
``MiniRocketClassifier(random_state=0).predict_proba`` (prevalidated ridge) against
the one-hot probabilities a ridge classifier without calibration returns (aeon's
``predict_proba`` for its ridge heads: one-hot of ``predict``; clipped at 1e-15 as
scikit-learn's ``log_loss``), with the accuracy and the fitted temperature.

Part 2, on aeon's bundled regression datasets (Covid3Month, CardanoSentiment):
test RMSE of our Rocket/MiniRocket/MultiRocket regressors and of aeon's in the same
run (same defaults, ``random_state=0``), the mean predictor's RMSE, the published
ROCKET RMSE, and the fit+predict time ratio aeon/anyconv: both warmed up first (aeon's
numba compilation excluded), then best of ``--repeats`` alternating runs, one thread.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import time

import numpy as np
import torch
from sklearn.metrics import log_loss

from anyconv.data import describe_dataset, list_bundled_datasets, load_ucr
from anyconv.timeseries import MiniRocketClassifier, MiniRocketRegressor, MultiRocketRegressor, RocketRegressor

PUBLISHED_ROCKET_RMSE = {"Covid3Month": 0.0421, "CardanoSentiment": 0.2993}


def log_loss_table() -> list[dict]:
    rows = []
    for name in list_bundled_datasets():
        info = describe_dataset(name)
        if info.min_length != info.max_length or info.min_length < 9:
            continue
        X, y = load_ucr(name, "train")
        Xte, yte = load_ucr(name, "test")
        clf = MiniRocketClassifier(random_state=0).fit(X, y)
        P = clf.predict_proba(Xte)
        pred = clf.predict(Xte)
        one_hot = np.eye(len(clf.classes_))[np.searchsorted(clf.classes_, pred)]
        row = {
            "dataset": name,
            "accuracy": float(np.mean(pred == yte)),
            "temperature": clf.temperature_,
            "log_loss": float(log_loss(yte, P, labels=clf.classes_)),
            "log_loss_one_hot": float(log_loss(yte, np.clip(one_hot, 1e-15, 1), labels=clf.classes_)),
        }
        print(row, flush=True)
        rows.append(row)
    return rows


def _aeon(kind: str):
    from aeon.regression.convolution_based import MiniRocketRegressor as AMini
    from aeon.regression.convolution_based import MultiRocketRegressor as AMulti
    from aeon.regression.convolution_based import RocketRegressor as ARocket

    return {"rocket": ARocket, "minirocket": AMini, "multirocket": AMulti}[kind](random_state=0, n_jobs=1)


OURS = {"rocket": RocketRegressor, "minirocket": MiniRocketRegressor, "multirocket": MultiRocketRegressor}


def _fit_predict(make, X, y, Xte) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    pred = make().fit(X, y).predict(Xte)
    return time.perf_counter() - start, np.asarray(pred, dtype=np.float64)


def regression_table(repeats: int) -> list[dict]:
    from aeon.datasets import load_regression

    rows = []
    for name in PUBLISHED_ROCKET_RMSE:
        X, y = load_regression(name, split="train")
        Xte, yte = load_regression(name, split="test")
        mean_rmse = float(np.sqrt(np.mean((y.mean() - yte) ** 2)))
        for kind, ours_cls in OURS.items():
            ours = functools.partial(ours_cls, random_state=0, n_jobs=1)
            theirs = functools.partial(_aeon, kind)
            _fit_predict(ours, X[:20], y[:20], Xte[:5])  # warm-up (aeon: numba compilation)
            _fit_predict(theirs, X[:20], y[:20], Xte[:5])
            t_ours, t_theirs = [], []
            for _ in range(repeats):
                t, p_ours = _fit_predict(ours, X, y, Xte)
                t_ours.append(t)
                t, p_theirs = _fit_predict(theirs, X, y, Xte)
                t_theirs.append(t)
            row = {
                "dataset": name,
                "method": kind,
                "rmse_anyconv": float(np.sqrt(np.mean((p_ours - yte) ** 2))),
                "rmse_aeon": float(np.sqrt(np.mean((p_theirs - yte) ** 2))),
                "rmse_mean_predictor": mean_rmse,
                "rmse_published_rocket": PUBLISHED_ROCKET_RMSE[name],
                "fit_predict_ratio_aeon_over_anyconv": min(t_theirs) / min(t_ours),
                "fit_predict_s_anyconv": min(t_ours),
            }
            print(row, flush=True)
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="")
    parser.add_argument("--skip-log-loss", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    result = {
        "log_loss": [] if args.skip_log_loss else log_loss_table(),
        "regression": regression_table(args.repeats),
    }
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(result, handle, indent=1)


if __name__ == "__main__":
    main()
