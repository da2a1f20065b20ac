"""Shared pieces of the time-series benchmark: estimators of both libraries, head, threads.

Both libraries get the same settings (``n_kernels``, ``random_state``, ``n_jobs``) and
their features go through the same head, the one aeon's ROCKET classifiers use:
``StandardScaler(with_mean=False)`` then ``RidgeClassifierCV(alphas=logspace(-3, 3, 10))``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

METHODS = ("rocket", "minirocket", "multirocket")
#: size per method: n_kernels (the papers' defaults; MultiRocket 6 250 kernels -> ~50k
#: features), and for LightWaveS n_features (its default, 500)
N_KERNELS = {"rocket": 10_000, "minirocket": 10_000, "multirocket": 6_250, "lightwaves": 500}
_CLASS_NAMES = {"rocket": "Rocket", "minirocket": "MiniRocket", "multirocket": "MultiRocket", "lightwaves": "LightWaveS"}


def set_threads(n_threads: int, *, use_torch: bool = True, use_numba: bool = True) -> None:
    """Pin torch and/or numba to ``n_threads`` (importing only the ones asked for)."""
    if use_torch:
        import torch

        torch.set_num_threads(n_threads)
    if use_numba:
        import numba

        numba.set_num_threads(n_threads)


def make_transformer(lib: str, method: str, n_kernels: int | None, seed: int, n_jobs: int) -> Any:
    """A fresh, unfitted transformer of ``lib`` ("aeon" or "anyconv")."""
    if lib == "aeon":
        from aeon.transformations.collection import convolution_based as module
    elif lib == "anyconv":
        import anyconv.timeseries as module
    else:
        raise ValueError(f"lib must be 'aeon' or 'anyconv', got {lib!r}")
    cls = getattr(module, _CLASS_NAMES[method])
    params: dict[str, Any] = {"random_state": seed, "n_jobs": n_jobs}
    if n_kernels is not None:
        params["n_features" if method == "lightwaves" else "n_kernels"] = n_kernels
    return cls(**params)


def make_head() -> Any:
    """The linear head shared by every method and library."""
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(with_mean=False), RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)))


#: Extra inference calls per run: at most this many, within this much time.
INFERENCE_MAX_CALLS = 20
INFERENCE_BUDGET_S = 0.25


def run_once(
    transformer: Any, X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
    *, repeat_inference: bool = False, other_heads: dict[str, Callable[[int], Any]] | None = None,
) -> dict:
    """Fit, transform both splits, fit the head, predict; time each stage (seconds).

    Accuracy comes from the scikit-learn head's ``predict``. Inference, i.e.
    ``transform(X_test)`` + predict, is timed with the same fitted head folded into
    one affine map (:class:`anyconv.timeseries.linear_head.LinearHead`, what our
    classifiers' ``predict`` applies); ``head_disagreements`` counts test cases where
    the two heads' labels differ (expected 0).

    ``other_heads``: name -> factory of an unfitted head for ``n_cases`` training cases
    (e.g. ``LightWaveSClassifier().make_head``), fitted on the same features after the
    timed stages; its test accuracy goes to ``accuracy_<name>`` (not timed).

    ``repeat_inference``: time inference again, best of up to
    ``INFERENCE_MAX_CALLS`` calls within ``INFERENCE_BUDGET_S`` (steady state only;
    never in the first-result worker, whose clock would count the repeats).
    """
    from anyconv.timeseries.linear_head import LinearHead

    t0 = time.perf_counter()
    transformer.fit(X_train, y_train)
    t1 = time.perf_counter()
    F_train = transformer.transform(X_train)
    t2 = time.perf_counter()
    F_test = transformer.transform(X_test)
    t3 = time.perf_counter()
    head = make_head().fit(F_train, y_train)
    t4 = time.perf_counter()
    predictions = head.predict(F_test)
    t5 = time.perf_counter()
    folded = LinearHead.fold(head)
    t6 = time.perf_counter()
    folded_predictions = folded.predict(F_test)
    t7 = time.perf_counter()
    # inference = transform(test) + folded predict, repeated (best of) while cheap: a
    # single millisecond-scale call is mostly timer and scheduling noise
    inference, spent, calls = (t3 - t2) + (t7 - t6), 0.0, 0
    while repeat_inference and spent < INFERENCE_BUDGET_S and calls < INFERENCE_MAX_CALLS:
        s0 = time.perf_counter()
        folded.predict(transformer.transform(X_test))
        took = time.perf_counter() - s0
        inference, spent, calls = min(inference, took), spent + took, calls + 1
    other = {f"accuracy_{name}": float(np.mean(factory(len(y_train)).fit(F_train, y_train).predict(F_test) == y_test))
             for name, factory in (other_heads or {}).items()}  # fmt: skip
    return other | {
        "fit": t1 - t0,
        "transform_train": t2 - t1,
        "transform_test": t3 - t2,
        "fit_transform": t3 - t0,
        "head_fit": t4 - t3,
        "head_predict": t5 - t4,
        "folded_head_predict": t7 - t6,
        "inference": inference,
        "accuracy": float(np.mean(predictions == y_test)),
        "head_disagreements": int(np.sum(predictions != folded_predictions)),
        "n_features": int(F_train.shape[1]),
    }
