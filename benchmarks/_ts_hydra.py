"""Hydra and MultiRocket-Hydra: anyconv vs aeon on the bundled UCR/UEA datasets, same run.

Usage::

    python benchmarks/_ts_hydra.py [--datasets GunPoint,BasicMotions] [--repeats 3] [--out hydra.json]
                                   [--no-timing]

aeon draws Hydra's kernels from torch's global generator, so both libraries run on
**aeon's bank** (exported with ``bank_from_aeon`` and injected with ``bank=``); our own
numpy-drawn bank (``random_state=0``) is reported beside it. Per dataset:

* accuracy: aeon's ``HydraClassifier(random_state=0)``, ours on its bank, ours on our bank;
  aeon's ``MultiRocketHydraClassifier(random_state=0)`` and ours on its Hydra bank (same
  int seed: the MultiRocket part draws aeon's kernels);
* ``*_disagree``: test cases where ours (aeon's bank) and aeon predict different labels;
* log-loss of the test split: ours (``predict_proba``, prevalidated ridge) and aeon's
  (``predict_proba`` of its ridge head: one-hot of ``predict``), both clipped at 1e-15
  as scikit-learn's ``log_loss``;
* ``hydra_transform_ratio``: aeon's transform time / ours on the test split (both warmed up,
  best of ``--repeats`` alternating runs);
* ``mrhydra_fit_predict_ratio``: aeon's fit+predict time / ours (the first fit of each is the
  warm-up; then best of ``--repeats`` alternating runs).

The data come from ``anyconv.data.load_ucr`` (the same arrays for both libraries); by
default every bundled equal-length classification dataset, including the archive's
``_eq`` versions of the unequal-length ones. ``engine`` is the engine ours ran on
(``"auto"`` picks the compiled loop when it is built). Both run with 1 torch thread
(``n_jobs=1``); the 1-minute load average is printed with each row. Timings on a shared
machine are only meaningful as these same-run ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch


def _best(fns: list, repeats: int) -> list[float]:
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t)
    return best


def _log_loss(y: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> float:
    from sklearn.metrics import log_loss

    return float(log_loss(y, np.clip(proba, 1e-15, 1.0), labels=classes))


def _scores(prefix: str, aeon, ours, Xt: np.ndarray, yt: np.ndarray) -> dict:
    """Accuracy, label disagreements and log-loss of aeon's and our fitted classifier."""
    pa, po = aeon.predict(Xt), ours.predict(Xt)
    return {
        f"{prefix}_acc_aeon": float((pa == yt).mean()),
        f"{prefix}_acc_ours_aeon_bank": float((po == yt).mean()),
        f"{prefix}_disagree": int((pa != po).sum()),
        f"{prefix}_logloss_aeon": _log_loss(yt, aeon.predict_proba(Xt), aeon.classes_),
        f"{prefix}_logloss_ours": _log_loss(yt, ours.predict_proba(Xt), ours.classes_),
    }


def run_dataset(name: str, repeats: int, timing: bool = True) -> dict:
    from aeon.classification.convolution_based import HydraClassifier as AeonHydra
    from aeon.classification.convolution_based import MultiRocketHydraClassifier as AeonMRH

    from anyconv.data import load_ucr
    from anyconv.timeseries import HydraClassifier, MultiRocketHydraClassifier
    from anyconv.timeseries.hydra import bank_from_aeon

    X, y = load_ucr(name, "train")
    Xt, yt = load_ucr(name, "test")
    row: dict = {"dataset": name, "n_train": len(y), "n_test": len(yt), "shape": list(X.shape[1:])}
    aeon = AeonHydra(random_state=0).fit(X, y)
    bank = bank_from_aeon(aeon.clf_.steps[0][1])
    ours = HydraClassifier(bank=bank).fit(X, y)
    own = HydraClassifier(random_state=0).fit(X, y)
    row["engine"] = ours.transformer_.transformer._engine()
    row.update(_scores("hydra", aeon, ours, Xt, yt))
    row["hydra_acc_ours_own_bank"] = float((own.predict(Xt) == yt).mean())
    row["hydra_logloss_ours_own_bank"] = _log_loss(yt, own.predict_proba(Xt), own.classes_)
    if timing:
        ta, to = aeon.clf_.steps[0][1], ours.transformer_.transformer
        ta.transform(Xt), to.transform(Xt)  # warm-up
        t_aeon, t_ours = _best([lambda: ta.transform(Xt), lambda: to.transform(Xt)], repeats)
        row["hydra_transform_s_aeon"], row["hydra_transform_s_ours"] = t_aeon, t_ours
        row["hydra_transform_ratio"] = t_aeon / t_ours

    if X.shape[2] >= 10:
        amr = AeonMRH(random_state=0).fit(X, y)  # warm-up (numba compilation)
        mbank = bank_from_aeon(amr._transform_hydra)
        omr = MultiRocketHydraClassifier(bank=mbank, random_state=0).fit(X, y)
        row.update(_scores("mrhydra", amr, omr, Xt, yt))
        if not timing:
            row["load_average"] = os.getloadavg()[0]
            return row

        def aeon_fp() -> None:
            torch.manual_seed(0)  # (aeon reseeds from random_state anyway)
            AeonMRH(random_state=0).fit(X, y).predict(Xt)

        def ours_fp() -> None:
            MultiRocketHydraClassifier(bank=mbank, random_state=0).fit(X, y).predict(Xt)

        f_aeon, f_ours = _best([aeon_fp, ours_fp], repeats)
        row["mrhydra_fit_predict_s_aeon"], row["mrhydra_fit_predict_s_ours"] = f_aeon, f_ours
        row["mrhydra_fit_predict_ratio"] = f_aeon / f_ours
    row["load_average"] = os.getloadavg()[0]
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--datasets",
        default=None,
        help="comma-separated names (default: every bundled equal-length classification dataset)",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=None, help="JSON file for the rows")
    parser.add_argument("--no-timing", action="store_true", help="accuracy and log-loss only (no timed repeats)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if args.datasets:
        names = args.datasets.split(",")
    else:
        from anyconv.data import describe_dataset, list_bundled_datasets

        names = [n for n in list_bundled_datasets()
                 if describe_dataset(n).min_length == describe_dataset(n).max_length]  # fmt: skip
    if args.out and os.path.dirname(args.out):
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
    print(f"load average at start: {os.getloadavg()}", flush=True)
    rows = []
    for name in names:
        try:
            row = run_dataset(name, args.repeats, timing=not args.no_timing)
        except (ValueError, TypeError) as err:  # unequal length, regression, ...
            print(f"{name}: skipped ({err})", file=sys.stderr)
            continue
        rows.append(row)
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
        if args.out:  # after every dataset: an interrupted run keeps the finished rows
            with open(args.out, "w") as fh:
                json.dump(rows, fh, indent=1)
    print(f"load average at end: {os.getloadavg()}", flush=True)
    if rows:
        for key in ("hydra_transform_ratio", "mrhydra_fit_predict_ratio"):
            vals = [r[key] for r in rows if key in r]
            if vals:
                print(f"geometric mean {key}: {float(np.exp(np.mean(np.log(vals)))):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
