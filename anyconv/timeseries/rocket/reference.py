"""Slow, readable numpy reference for applying a ROCKET kernel bank (the test oracle).

Mirrors ``apply_kernel`` of angus924/rocket and aeon's multivariate loop: for each
case and kernel, slide the dilated kernel over the zero-padded series, add the bias,
and keep the proportion of positive values (PPV) and the maximum.
"""

from __future__ import annotations

import numpy as np

from anyconv.timeseries.rocket.kernels import RocketKernels

__all__ = ["apply_rocket_reference"]


def _apply_one(x: np.ndarray, w: np.ndarray, ch: np.ndarray, bias: float, dilation: int, padding: int) -> tuple[float, float]:
    """PPV and max of one kernel on one case ``x`` of shape ``(n_channels, n_timepoints)``."""
    n_timepoints = x.shape[1]
    length = w.shape[1]
    end = n_timepoints + padding - (length - 1) * dilation
    outputs = []
    for i in range(-padding, end):
        total = bias
        for j in range(length):
            index = i + j * dilation
            if 0 <= index < n_timepoints:
                total += float(np.dot(w[:, j], x[ch, index]))
        outputs.append(total)
    out = np.asarray(outputs)
    return float(np.mean(out > 0)), float(np.max(out))


def apply_rocket_reference(X: np.ndarray, bank: RocketKernels) -> np.ndarray:
    """Apply every kernel of ``bank`` to every case with plain loops, in float64.

    Parameters
    ----------
    X : np.ndarray
        Collection of equal-length series.
    bank : RocketKernels
        Sampled kernels.

    Returns
    -------
    np.ndarray
        Features ``[ppv_0, max_0, ppv_1, max_1, ...]`` per case.

    Shape:
        X ``(n_cases, n_channels, n_timepoints)`` -> ``(n_cases, 2 * n_kernels)``.
    """
    X = np.asarray(X, dtype=np.float64)
    out = np.zeros((X.shape[0], 2 * bank.n_kernels))
    kernels = [bank.kernel(k) for k in range(bank.n_kernels)]
    for n in range(X.shape[0]):
        for k, (w, ch, b, d, p) in enumerate(kernels):
            out[n, 2 * k], out[n, 2 * k + 1] = _apply_one(X[n], w.astype(np.float64), ch, b, d, p)
    return out
