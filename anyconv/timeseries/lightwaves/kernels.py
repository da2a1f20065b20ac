"""LightWaveS kernel bank: the fixed candidate kernels and a selected bank.

LightWaveS (Pantiskas et al., 2022) uses no random weights: its candidates are the 84
MiniRocket kernels (length 9, three taps of 2 and six of -1, in lexicographic order as
sympy's ``multiset_permutations`` yields them) at dilations ``2**0 .. 2**5``, each on
every channel, with zero bias and "same" padding ``4 * dilation``. Each
(channel, kernel, dilation) triple gives 8 features: 4 of the first-layer output and 4
of the second layer (the same kernel applied to the downsampled absolute first-layer
output). Fitting selects 500 of those features; the bank records which.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

__all__ = [
    "LightWaveSKernels",
    "candidate_kernels",
    "N_CANDIDATES",
    "N_DILATIONS",
    "N_FEATURES_PER_KERNEL",
    "FEATURE_NAMES",
    "unravel_features",
]

N_CANDIDATES = 84
N_DILATIONS = 6  # dilations 2**0 .. 2**5 (the reference's MAX_DILATION = 32)
N_FEATURES_PER_KERNEL = 8
#: Per layer: proportion of positive values, max |y|, longest positive stretch, min |y|.
FEATURE_NAMES = ("ppv1", "max1", "lsp1", "min1", "ppv2", "max2", "lsp2", "min2")


def candidate_kernels() -> np.ndarray:
    """The 84 MiniRocket kernels in lexicographic order.

    Shape:
        ``(84, 9)`` float32 with values in {-1, 2}, each row summing to 0.
    """
    rows = []
    for pos in combinations(range(9), 3):
        row = [-1.0] * 9
        for p in pos:
            row[p] = 2.0
        rows.append(tuple(row))
    return np.asarray(sorted(rows), dtype=np.float32)


def unravel_features(feature_ids: np.ndarray) -> np.ndarray:
    """Global feature ids -> rows ``(channel, kernel, dilation_exponent, feature)``.

    The id of feature ``f`` of kernel ``k`` at dilation ``2**j`` on channel ``c`` is
    ``((c * 84 + k) * 6 + j) * 8 + f`` (the reference's ravel order).

    Shape:
        ``(n,)`` -> ``(n, 4)`` int64.
    """
    shape = (-1, N_CANDIDATES, N_DILATIONS, N_FEATURES_PER_KERNEL)
    c = np.asarray(feature_ids, dtype=np.int64)
    f = c % shape[3]
    c = c // shape[3]
    j = c % shape[2]
    c = c // shape[2]
    k = c % shape[1]
    c = c // shape[1]
    return np.stack([c, k, j, f], axis=1)


@dataclass(frozen=True, eq=False)
class LightWaveSKernels:
    """A selected LightWaveS bank: unique (channel, kernel, dilation) triples and a feature mask.

    Parameters
    ----------
    channels, kernel_ids, dilation_exps : np.ndarray
        int64 triple per selected kernel, sorted lexicographically.
    feature_mask : np.ndarray
        bool, which of the 8 features of each kernel are output.

    Shape:
        per-kernel arrays ``(n_kernels,)``; feature_mask ``(n_kernels, 8)``. The output
        has ``feature_mask.sum()`` columns, kernel-major, features in FEATURE_NAMES order.
    """

    channels: np.ndarray
    kernel_ids: np.ndarray
    dilation_exps: np.ndarray
    feature_mask: np.ndarray

    @classmethod
    def from_feature_ids(cls, feature_ids: np.ndarray) -> LightWaveSKernels:
        """Bank that outputs exactly the given global feature ids (in sorted order)."""
        ckdf = unravel_features(np.unique(np.asarray(feature_ids, dtype=np.int64)))
        ckd, inverse = np.unique(ckdf[:, :3], axis=0, return_inverse=True)
        mask = np.zeros((ckd.shape[0], N_FEATURES_PER_KERNEL), dtype=bool)
        mask[inverse.reshape(-1), ckdf[:, 3]] = True
        return cls(ckd[:, 0].copy(), ckd[:, 1].copy(), ckd[:, 2].copy(), mask)

    @property
    def n_kernels(self) -> int:
        """Number of selected (channel, kernel, dilation) triples."""
        return int(self.channels.shape[0])

    @property
    def n_features(self) -> int:
        """Number of output features."""
        return int(self.feature_mask.sum())

    def dilations(self) -> np.ndarray:
        """Dilation of each kernel, ``2 ** dilation_exps``."""
        return (2 ** self.dilation_exps).astype(np.int64)

    def weights(self) -> np.ndarray:
        """Weights of each selected kernel, shape ``(n_kernels, 9)`` float32."""
        return candidate_kernels()[self.kernel_ids]

    def used_channels(self) -> np.ndarray:
        """Sorted channels the bank reads (channel selection)."""
        return np.unique(self.channels)

    def feature_ids(self) -> np.ndarray:
        """Global id of each output feature, in output order."""
        base = ((self.channels * N_CANDIDATES + self.kernel_ids) * N_DILATIONS + self.dilation_exps)
        k, f = np.nonzero(self.feature_mask)
        return base[k] * N_FEATURES_PER_KERNEL + f
