"""Plain numpy reference for the MiniRocket family (slow, readable, float64).

Loops case by case, dilation by dilation, kernel by kernel, bias by bias, the
way the papers describe the transforms. It is the test oracle for the torch
engines (``engine.py``, ``pooling.py``, ``native.py``); never use it for
real work.
"""

from __future__ import annotations

import numpy as np

from anyconv.timeseries.minirocket.kernels import KERNEL_WEIGHTS, N_KERNELS, MiniRocketBank

__all__ = [
    "reference_convolve",
    "reference_combination_output",
    "reference_minirocket",
    "reference_pooling",
    "reference_multirocket",
    "reference_hdc_minirocket",
]


def reference_convolve(x: np.ndarray, kernel: int, dilation: int, left_tap_shift: int = 0) -> np.ndarray:
    """``out[t] = sum_i w[i] * x[t + (i - 4) * dilation]`` with zeros outside ``x``.

    With ``left_tap_shift`` s the taps i < 4 read ``x[t + (i - 4) * dilation + s]``.

    Shape:
        x: ``(L,)``; returns ``(L,)``.
    """
    L = x.shape[0]
    out = np.zeros(L)
    for i in range(9):
        offset = (i - 4) * dilation + (left_tap_shift if i < 4 else 0)
        for t in range(L):
            s = t + offset
            if 0 <= s < L:
                out[t] += KERNEL_WEIGHTS[kernel, i] * x[s]
    return out


def reference_combination_output(
    x: np.ndarray, bank: MiniRocketBank, dilation_index: int, kernel: int
) -> np.ndarray:
    """Sum over the combination's channels of the kernel output.

    Shape:
        x: ``(C, L)`` one case; returns ``(L,)``.
    """
    comb = dilation_index * N_KERNELS + kernel
    ends = np.cumsum(bank.n_channels_per_combination)
    channels = bank.channel_indices[ends[comb] - bank.n_channels_per_combination[comb] : ends[comb]]
    d = int(bank.dilations[dilation_index])
    return sum(
        reference_convolve(x[c].astype(np.float64), kernel, d, bank.left_tap_shift) for c in channels
    )


def _outputs(x: np.ndarray, bank: MiniRocketBank):
    """Yield ``(feature_index, C_region, bias)`` for one case, reference order."""
    feature = 0
    for j, d in enumerate(bank.dilations):
        pad = 4 * int(d)
        for k in range(N_KERNELS):
            C = reference_combination_output(x, bank, j, k)
            if (j + k) % 2 == 1:  # alternate: odd combinations use the unpadded centre
                C = C[pad : len(C) - pad]
            for _ in range(int(bank.n_features_per_dilation[j])):
                yield feature, C, float(bank.biases[feature])
                feature += 1


def reference_minirocket(X: np.ndarray, bank: MiniRocketBank) -> np.ndarray:
    """PPV features: fraction of ``C > bias``.

    Shape:
        X: ``(n_cases, C, L)``; returns ``(n_cases, bank.n_features)`` float64.
    """
    out = np.zeros((X.shape[0], bank.n_features))
    for n in range(X.shape[0]):
        for f, C, b in _outputs(X[n], bank):
            out[n, f] = np.mean(C > b)
    return out


def reference_pooling(C: np.ndarray, b: float) -> tuple[float, float, float, float]:
    """MultiRocket's four pooling operators, as the reference code computes them.

    Returns ``(PPV, LSPV, MPV, MIPV)``. Quirks kept from the reference
    (ChangWeiTan/MultiRocket, also in aeon): MPV averages ``C + b`` (not
    ``C - b``) over positive positions (0 if none); MIPV is -1 if none; LSPV is
    the largest gap between consecutive positions with ``C < b`` where position 0
    and ``L - 1`` also count as such positions.
    """
    positive = C > b
    ppv = int(positive.sum())
    idx = np.flatnonzero(positive)
    negatives = np.flatnonzero(C < b)
    markers = np.concatenate([[0], negatives, [len(C) - 1]])
    lspv = float(max(0, np.max(np.diff(markers))))
    mpv = float(np.sum(C[positive] + b) / ppv) if ppv else 0.0
    mipv = float(idx.sum() / ppv) if ppv else -1.0
    return ppv / len(C), lspv, mpv, mipv


def reference_multirocket(X: np.ndarray, bank: MiniRocketBank) -> np.ndarray:
    """Pooled features of one representation, blocks ``[PPV | LSPV | MPV | MIPV]``.

    Shape:
        X: ``(n_cases, C, L)``; returns ``(n_cases, 4 * bank.n_features)``.
    """
    F = bank.n_features
    out = np.zeros((X.shape[0], 4 * F))
    for n in range(X.shape[0]):
        for f, C, b in _outputs(X[n], bank):
            out[n, [f, F + f, 2 * F + f, 3 * F + f]] = reference_pooling(C, b)
    return out


def reference_hdc_minirocket(X: np.ndarray, bank: MiniRocketBank, phases: np.ndarray, scale: float) -> np.ndarray:
    """HDC-MiniRocket features ``mean_t 1[C_t > b] * cas(phase * scale * t / (L - 1))``.

    ``cas(a) = cos(a) + sin(a)``; ``t`` is the absolute time index (the trimmed
    kernels use their own positions ``4d .. L - 4d - 1``).

    Shape:
        X: ``(n_cases, C, L)``; phases: ``(bank.n_features,)``; returns ``(n_cases, n_features)``.
    """
    L = X.shape[2]
    tau = np.arange(L) / max(L - 1, 1)
    out = np.zeros((X.shape[0], bank.n_features))
    for n in range(X.shape[0]):
        feature = 0
        for j, d in enumerate(bank.dilations):
            pad = 4 * int(d)
            for k in range(N_KERNELS):
                C = reference_combination_output(X[n], bank, j, k)
                t = tau
                if (j + k) % 2 == 1:
                    C, t = C[pad : L - pad], tau[pad : L - pad]
                for _ in range(int(bank.n_features_per_dilation[j])):
                    a = phases[feature] * scale * t
                    out[n, feature] = np.mean((C > bank.biases[feature]) * (np.cos(a) + np.sin(a)))
                    feature += 1
    return out
