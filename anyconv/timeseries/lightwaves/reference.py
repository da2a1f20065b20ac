"""Slow, readable numpy reference of the LightWaveS two-layer transform (the test oracle).

Follows ``_apply_kernel`` / ``_apply_kernel_features_only`` of the LightWaveS code:
"same" padding, each output divided by ``dilation ** 1.5``; features are the
proportion of positive values, max |y|, the longest stretch of positive values
(a stretch still running at the end of the series is not counted, as in the
reference) and min |y|, the last two as a fraction of the output length. The second
layer applies the same kernel to every other value of |first-layer output|
(``L // 2`` values).
"""

from __future__ import annotations

import numpy as np

from anyconv.timeseries.lightwaves.kernels import LightWaveSKernels

__all__ = ["lightwaves_layer_reference", "apply_lightwaves_reference"]


def lightwaves_layer_reference(x: np.ndarray, w: np.ndarray, dilation: int) -> tuple[np.ndarray, np.ndarray]:
    """One layer on one series: (output, [ppv, max|y|, longest positive stretch, min|y|]).

    Shape:
        x ``(L,)``, w ``(9,)`` -> output ``(L,)``, features ``(4,)``.
    """
    n, length = x.shape[0], w.shape[0]
    padding = (length - 1) * dilation // 2
    out = np.zeros(n)
    for t in range(n):
        total = 0.0  # LightWaveS kernels have zero bias
        for j in range(length):
            index = t - padding + j * dilation
            if 0 <= index < n:
                total += w[j] * x[index]
        out[t] = total / (dilation * np.sqrt(dilation))
    longest, run = 0, 0
    for value in out:
        if value > 0:
            run += 1
        else:
            longest, run = max(longest, run), 0  # only stretches that end count
    feats = np.array([np.mean(out > 0), np.abs(out).max(), longest / n, np.abs(out).min()])
    return out, feats


def apply_lightwaves_reference(X: np.ndarray, bank: LightWaveSKernels) -> np.ndarray:
    """All selected features of every case, with plain loops in float64.

    Parameters
    ----------
    X : np.ndarray
        Collection (already scaled as the estimator scales it).
    bank : LightWaveSKernels
        Selected kernels and feature mask.

    Returns
    -------
    np.ndarray
        Selected features, kernel-major.

    Shape:
        X ``(n_cases, n_channels, n_timepoints)`` -> ``(n_cases, bank.n_features)``.
    """
    X = np.asarray(X, dtype=np.float64)
    weights = bank.weights().astype(np.float64)
    dilations = bank.dilations()
    rows = []
    for x in X:
        feats = np.zeros((bank.n_kernels, 8))
        for k in range(bank.n_kernels):
            out, feats[k, :4] = lightwaves_layer_reference(x[bank.channels[k]], weights[k], int(dilations[k]))
            half = np.abs(out)[0 : 2 * (out.shape[0] // 2) : 2]  # every other |y|, L // 2 values
            _, feats[k, 4:] = lightwaves_layer_reference(half, weights[k], int(dilations[k]))
        rows.append(feats[bank.feature_mask])
    return np.asarray(rows).reshape(X.shape[0], bank.n_features)
