"""Probabilities and regression: prevalidated-ridge log-loss, and regressors vs aeon.

Usage::

    python benchmarks/timeseries_regression.py [--seeds 0,1,2] [--out results.json]
        [--skip-log-loss] [--skip-regression] [--methods rocket,hydra]

Part 1, per bundled classification dataset (equal-length ones): test log-loss of our
``RocketClassifier``, ``MiniRocketClassifier``, ``MultiRocketClassifier``
(``random_state=0``; ``predict_proba`` = prevalidated ridge) and of aeon's same-named
classifiers in the same run (``predict_proba`` of aeon's ridge heads: one-hot of
``predict``), both clipped at 1e-15 as scikit-learn's ``log_loss``, with both accuracies
and our fitted temperature. (Hydra and MultiRocket-Hydra: ``benchmarks/_ts_hydra.py``.)

Part 2, on aeon's bundled regression datasets (Covid3Month, CardanoSentiment): test RMSE
of our Rocket, MiniRocket, MultiRocket, Hydra and MultiRocket-Hydra regressors and of
aeon's (``aeon.regression.convolution_based``) in the same run, same sizes (MultiRocket:
6 250 kernels for both; aeon's ``MultiRocketRegressor`` defaults to 10 000), for every
seed of ``--seeds`` (mean and sample std over the seeds; the kernels are random). For
Hydra and MultiRocket-Hydra also ours on **aeon's bank** (exported from aeon's fitted
regressor of the same seed): its predictions must equal aeon's to float32 rounding.
Beside them: the mean predictor's RMSE and the published ROCKET RMSE. Time: fit+predict
aeon/anyconv, both warmed up first (aeon's numba compilation excluded), best over the
alternating seed runs, one thread each (``torch.set_num_threads(1)``, ``n_jobs=1``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.metrics import log_loss

from anyconv.data import describe_dataset, list_bundled_datasets, load_ucr

PUBLISHED_ROCKET_RMSE = {"Covid3Month": 0.0421, "CardanoSentiment": 0.2993}
REGRESSORS = ("rocket", "minirocket", "multirocket", "hydra", "multirocket-hydra")
CLASSIFIERS = ("rocket", "minirocket", "multirocket")
_NAMES = {"rocket": "Rocket", "minirocket": "MiniRocket", "multirocket": "MultiRocket", "hydra": "Hydra",
          "multirocket-hydra": "MultiRocketHydra"}  # fmt: skip


def _log_loss(y: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> float:
    return float(log_loss(y, np.clip(proba, 1e-15, 1.0), labels=classes))


def _aeon_classifier(kind: str, seed: int) -> Any:
    from aeon.classification import convolution_based as module

    params: dict[str, Any] = {"random_state": seed, "n_jobs": 1}
    if kind == "multirocket":
        params["n_kernels"] = 6_250  # ours' default (aeon's classifier: 10 000)
    return getattr(module, f"{_NAMES[kind]}Classifier")(**params)


def log_loss_table(kinds: tuple[str, ...]) -> list[dict]:
    import anyconv.timeseries as ts

    rows = []
    for name in list_bundled_datasets():
        info = describe_dataset(name)
        if info.min_length != info.max_length or info.min_length < 9:
            continue
        X, y = load_ucr(name, "train")
        Xte, yte = load_ucr(name, "test")
        for kind in kinds:
            ours = getattr(ts, f"{_NAMES[kind]}Classifier")(random_state=0).fit(X, y)
            aeon = _aeon_classifier(kind, 0).fit(X, y)
            row = {
                "dataset": name,
                "method": kind,
                "accuracy": float(np.mean(ours.predict(Xte) == yte)),
                "accuracy_aeon": float(np.mean(aeon.predict(Xte) == yte)),
                "temperature": float(ours.temperature_),
                "log_loss": _log_loss(yte, ours.predict_proba(Xte), ours.classes_),
                "log_loss_aeon": _log_loss(yte, aeon.predict_proba(Xte), aeon.classes_),
            }
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def _aeon_regressor(kind: str, seed: int) -> Any:
    from aeon.regression import convolution_based as module

    params: dict[str, Any] = {"random_state": seed, "n_jobs": 1}
    if kind == "multirocket":
        params["n_kernels"] = 6_250  # ours' default (aeon's regressor: 10 000)
    return getattr(module, f"{_NAMES[kind]}Regressor")(**params)


def _aeon_bank(kind: str, fitted: Any) -> Any:
    """The Hydra bank of aeon's fitted (MultiRocket-)Hydra regressor, or None for the others."""
    from anyconv.timeseries.hydra import bank_from_aeon

    if kind == "hydra":
        return bank_from_aeon(fitted._clf.steps[0][1])  # pipeline: HydraTransformer, scaler, RidgeCV
    if kind == "multirocket-hydra":
        return bank_from_aeon(fitted._transform_hydra)
    return None


def _ours_regressor(kind: str, seed: int, bank: Any = None) -> Any:
    import anyconv.timeseries as ts

    cls = getattr(ts, f"{_NAMES[kind]}Regressor")
    return cls(random_state=seed, n_jobs=1) if bank is None else cls(random_state=seed, n_jobs=1, bank=bank)


def _fit_predict(
    make: Callable[[], Any], X: np.ndarray, y: np.ndarray, Xte: np.ndarray
) -> tuple[float, np.ndarray, Any]:
    start = time.perf_counter()
    model = make().fit(X, y)
    pred = model.predict(Xte)
    return time.perf_counter() - start, np.asarray(pred, dtype=np.float64), model


def _rmse(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.sqrt(np.mean((pred - y) ** 2)))


def _mean_std(values: list[float]) -> tuple[float, float]:
    return float(np.mean(values)), float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def regression_table(kinds: tuple[str, ...], seeds: list[int]) -> list[dict]:
    from aeon.datasets import load_regression

    rows = []
    for name in PUBLISHED_ROCKET_RMSE:
        X, y = load_regression(name, split="train")
        Xte, yte = load_regression(name, split="test")
        mean_rmse = _rmse(np.full(len(yte), y.mean()), yte)
        for kind in kinds:
            _fit_predict(lambda k=kind: _ours_regressor(k, 0), X[:20], y[:20], Xte[:5])  # warm-up
            _fit_predict(lambda k=kind: _aeon_regressor(k, 0), X[:20], y[:20], Xte[:5])  # (numba compilation)
            t_ours, t_aeon, r_ours, r_aeon, r_bank, diff_bank = [], [], [], [], [], []
            for seed in seeds:
                t, p_ours, _ = _fit_predict(lambda k=kind, s=seed: _ours_regressor(k, s), X, y, Xte)
                t_ours.append(t)
                t, p_aeon, fitted = _fit_predict(lambda k=kind, s=seed: _aeon_regressor(k, s), X, y, Xte)
                t_aeon.append(t)
                r_ours.append(_rmse(p_ours, yte))
                r_aeon.append(_rmse(p_aeon, yte))
                bank = _aeon_bank(kind, fitted)
                if bank is not None:
                    p_bank = _ours_regressor(kind, seed, bank).fit(X, y).predict(Xte)
                    r_bank.append(_rmse(p_bank, yte))
                    diff_bank.append(float(np.max(np.abs(p_bank - p_aeon))))
            row: dict[str, Any] = {"dataset": name, "method": kind, "seeds": seeds,
                                   "rmse_anyconv": r_ours, "rmse_aeon": r_aeon}  # fmt: skip
            row["rmse_anyconv_mean"], row["rmse_anyconv_std"] = _mean_std(r_ours)
            row["rmse_aeon_mean"], row["rmse_aeon_std"] = _mean_std(r_aeon)
            if r_bank:
                row["rmse_anyconv_aeon_bank"] = r_bank
                row["rmse_anyconv_aeon_bank_mean"], row["rmse_anyconv_aeon_bank_std"] = _mean_std(r_bank)
                row["max_abs_prediction_diff_aeon_bank"] = max(diff_bank)
            row |= {
                "rmse_mean_predictor": mean_rmse,
                "rmse_published_rocket": PUBLISHED_ROCKET_RMSE[name],
                "fit_predict_ratio_aeon_over_anyconv": min(t_aeon) / min(t_ours),
                "fit_predict_s_anyconv": min(t_ours),
                "fit_predict_s_aeon": min(t_aeon),
                "load_average": os.getloadavg()[0],
            }
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated random_state values (regression)")
    parser.add_argument("--methods", default=",".join(REGRESSORS),
                        help=f"comma-separated, from {', '.join(REGRESSORS)} (log-loss: the first three)")  # fmt: skip
    parser.add_argument("--out", default="")
    parser.add_argument("--skip-log-loss", action="store_true")
    parser.add_argument("--skip-regression", action="store_true")
    args = parser.parse_args(argv)
    kinds = tuple(args.methods.split(","))
    unknown = sorted(set(kinds) - set(REGRESSORS))
    if unknown:
        parser.error(f"unknown methods {unknown}; expected some of {', '.join(REGRESSORS)}")
    torch.set_num_threads(1)
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    print(f"load average at start: {os.getloadavg()}", flush=True)
    result = {
        "log_loss": [] if args.skip_log_loss else log_loss_table(tuple(k for k in kinds if k in CLASSIFIERS)),
        "regression": [] if args.skip_regression else regression_table(kinds, [int(s) for s in args.seeds.split(",")]),
    }
    print(f"load average at end: {os.getloadavg()}", flush=True)
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(result, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
