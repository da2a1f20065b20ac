"""ROCKET kernels that matter: the kernels carrying the most weight in a fitted classifier's linear
head, and each one's response along an input series (where it fires).

A ROCKET kernel ``i`` gives two features, PPV (share of positive responses) and max; the head's
weight on feature ``j`` for score ``s`` is ``W[j, s]`` (the scaler folded in, see
:class:`~anyconv.timeseries.linear_head.LinearHead`). A kernel's **importance** is
``Σ_s Σ_{j ∈ {2i, 2i+1}} |W[j, s]| · std_X(F_j)`` — how far its features move the scores across
the given series. :func:`rocket_response` is the dilated, zero-padded correlation the features are
pooled from (the same sum as :mod:`anyconv.timeseries.rocket.reference`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RocketKernelView", "rocket_response", "top_rocket_kernels"]


@dataclass(frozen=True)
class RocketKernelView:
    """One kernel: its index, importance, taps ``(n_channels, length)``, channels, bias, dilation, padding."""

    index: int
    importance: float
    weights: np.ndarray
    channels: np.ndarray
    bias: float
    dilation: int
    padding: int


def rocket_response(series: np.ndarray, view: RocketKernelView) -> np.ndarray:
    """The kernel's output at every position of one (already normalised) series.

    Shape:
        series: ``(n_channels, n_timepoints)`` → ``(n_timepoints + 2·padding − (length − 1)·dilation,)``
    """
    x = np.asarray(series, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"series must be (n_channels, n_timepoints), got shape {x.shape}")
    length = view.weights.shape[1]
    d, p = view.dilation, view.padding
    padded = np.pad(x[view.channels], ((0, 0), (p, p)))  # (n_ch, T + 2p)
    n_out = padded.shape[1] - (length - 1) * d
    out = np.full(n_out, view.bias, dtype=np.float64)
    for j in range(length):
        out += view.weights[:, j].astype(np.float64) @ padded[:, j * d : j * d + n_out]  # (n_out,)
    return out


def _fitted_parts(model: object) -> tuple[object, object]:
    from anyconv.timeseries.rocket.estimator import Rocket, RocketClassifier

    if isinstance(model, RocketClassifier) and hasattr(model, "head_"):
        return model.transformer_, model.head_
    if isinstance(model, (Rocket, RocketClassifier)):
        raise ValueError(f"{type(model).__name__} is not fitted (call fit first)")
    raise ValueError(f"expected a fitted RocketClassifier, got {type(model).__name__} "
                     "(MiniRocket/MultiRocket kernel views are not implemented)")


def top_rocket_kernels(model: object, X: np.ndarray, k: int = 4) -> list[RocketKernelView]:
    """The ``k`` kernels of a fitted ``RocketClassifier`` with the most head weight on ``X``.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``
    """
    transformer, head = _fitted_parts(model)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    X = np.asarray(X)
    features = transformer.transform(X if X.ndim == 3 else X[:, None])  # type: ignore[attr-defined]  # (n, 2K)
    spread = features.std(0)  # (2K,)
    per_feature = (np.abs(head.weight) * spread[:, None]).sum(1)  # type: ignore[attr-defined]  # (2K,)
    per_kernel = per_feature.reshape(-1, 2).sum(1)  # (K,) ppv + max
    bank = transformer.kernels_  # type: ignore[attr-defined]
    views = []
    for i in np.argsort(-per_kernel)[:k]:
        w, ch, b, d, p = bank.kernel(int(i))
        views.append(RocketKernelView(int(i), float(per_kernel[i]), w, ch, float(b), int(d), int(p)))
    return views
