"""Hydra in plain numpy loops (float64): the oracle the engines are tested against.

For each case, dilation ``d`` and representation (``r = 0``: the series, ``r = 1``:
its first difference), each group ``j`` convolves its input (the series, or for
multivariate series the sum of the group's sampled channels) with its ``k``
kernels (9 taps, dilation ``d``, zero padding ``4 d``, output as long as the
input). At every time step the kernel with the largest response adds that
response to its "max" count and the kernel with the smallest adds 1 to its "min"
count (ties: the lowest index, as ``argmax``). Feature layout as the reference:
``[dilation][representation][max counts | min counts][group][kernel]``.
"""

from __future__ import annotations

import numpy as np

from anyconv.timeseries.hydra.kernels import KERNEL_LENGTH, HydraBank

__all__ = ["reference_hydra"]


def _group_input(x: np.ndarray, bank: HydraBank, i: int, r: int, j: int) -> np.ndarray:
    """The 1-D series group ``j`` of representation ``r`` at dilation ``i`` convolves."""
    if x.shape[0] == 1:  # univariate: the series itself
        return x[0]
    return x[bank.channels[i, r, j]].sum(axis=0)  # sum of the sampled channels (with repeats)


def reference_hydra(X: np.ndarray, bank: HydraBank) -> np.ndarray:
    """Hydra features of ``X`` with ``bank``.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)``; returns ``(n_cases, bank.n_features)`` float64.
    """
    X = np.asarray(X, dtype=np.float64)
    n_cases = X.shape[0]
    k, h = bank.k, bank.h
    out = np.zeros((n_cases, len(bank.dilations), bank.divisor, 2, h, k))
    for n in range(n_cases):
        representations = [X[n], np.diff(X[n], axis=-1)][: bank.divisor]
        for i, d in enumerate(bank.dilations):
            offsets = (np.arange(KERNEL_LENGTH) - KERNEL_LENGTH // 2) * int(d)  # tap positions around t
            for r, x in enumerate(representations):
                for j in range(h):
                    s = _group_input(x, bank, i, r, j)
                    W = bank.weights[i, r, j * k : (j + 1) * k].astype(np.float64)  # (k, 9)
                    for t in range(s.shape[0]):
                        pos = t + offsets
                        taps = np.where((pos >= 0) & (pos < s.shape[0]), s[np.clip(pos, 0, s.shape[0] - 1)], 0.0)
                        response = W @ taps  # (k,)
                        out[n, i, r, 0, j, int(np.argmax(response))] += response.max()
                        out[n, i, r, 1, j, int(np.argmin(response))] += 1.0
    return out.reshape(n_cases, -1)
