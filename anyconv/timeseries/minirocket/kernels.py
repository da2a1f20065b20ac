"""MiniRocket kernel *sampling*: the fixed kernels, dilations, channel subsets, biases.

A fitted MiniRocket-style transformer holds one :class:`MiniRocketBank` — plain
numpy arrays — which any application engine (the torch engine in
``engine.py``, the compiled loops of ``native.py`` or the numpy loops in ``reference.py``) can
apply. Follows Dempster et al., angus924/minirocket ``minirocket.py`` /
``minirocket_multivariate.py``:

* 84 kernels of length 9, weights -1 everywhere except 2 at three positions
  (all ``combinations(range(9), 3)``, reference order);
* dilations ``unique(int(2 ** linspace(0, log2((L - 1) / 8), m)))`` with
  ``m = min(n_features // 84, max_dilations_per_kernel)``; repeated dilations
  get more features (``n_features_per_dilation``), remainder distributed
  round-robin;
* biases: for each (dilation, kernel) the convolution output of one random
  training case, at the low-discrepancy quantiles ``(i * phi) % 1``;
* multivariate: each (dilation, kernel) combination sums the convolutions of
  ``int(2 ** U(0, log2(min(C, 9) + 1)))`` random channels (no replacement).

Random numbers come from ``numpy.random.RandomState`` objects owned by the
estimator (no global seeding). The estimators seed them the way aeon seeds its
global and numba generators (``MiniRocket.aeon_seed``), so an int seed draws
aeon's channel subsets and bias cases. Univariate input skips the channel
draws (as the univariate reference does).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

__all__ = [
    "INDICES",
    "KERNEL_WEIGHTS",
    "MiniRocketBank",
    "fit_dilations",
    "low_discrepancy_quantiles",
    "sample_channel_combinations",
    "fit_biases",
    "reference_quantiles",
    "reference_order_outputs",
    "MINIROCKET_FIT_ORDER",
    "MULTIROCKET_FIT_ORDER",
]

#: (84, 3) positions of the weight 2 in each kernel (reference order).
INDICES = np.array(list(combinations(range(9), 3)), dtype=np.int64)
#: (84, 9) kernel weights: -1 everywhere, 2 at ``INDICES``.
KERNEL_WEIGHTS = np.full((84, 9), -1.0)
KERNEL_WEIGHTS[np.arange(84)[:, None], INDICES] = 2.0
N_KERNELS = 84


@dataclass
class MiniRocketBank:
    """Everything needed to apply MiniRocket kernels (no data, no RNG).

    Attributes
    ----------
    dilations : np.ndarray of int64, shape (n_dilations,)
    n_features_per_dilation : np.ndarray of int64, shape (n_dilations,)
    biases : np.ndarray of float32, shape (84 * n_features_per_dilation.sum(),)
        Order: dilation-major, then kernel, then feature (the reference order).
    n_channels_per_combination : np.ndarray of int64, shape (84 * n_dilations,)
        Channels summed by each (dilation, kernel) combination.
    channel_indices : np.ndarray of int64, shape (n_channels_per_combination.sum(),)
        Concatenated channel subsets, combination by combination.
    left_tap_shift : int
        0 for a true dilated convolution. MultiRocket's reference transform of the
        differenced series reads the four left taps one step later (``1``); see
        ``multirocket.py``.
    """

    dilations: np.ndarray
    n_features_per_dilation: np.ndarray
    biases: np.ndarray
    n_channels_per_combination: np.ndarray
    channel_indices: np.ndarray
    left_tap_shift: int = 0

    @property
    def n_features(self) -> int:
        """Number of (kernel, dilation, bias) features: ``84 * sum(n_features_per_dilation)``."""
        return int(N_KERNELS * self.n_features_per_dilation.sum())

    def feature_slices(self) -> list[tuple[int, int, int]]:
        """Per dilation index: ``(start, stop, n_features_this_dilation)`` into ``biases``."""
        out, start = [], 0
        for nf in self.n_features_per_dilation:
            stop = start + N_KERNELS * int(nf)
            out.append((start, stop, int(nf)))
            start = stop
        return out

    def channel_masks(self, n_channels: int) -> np.ndarray:
        """0/1 matrix: which channels each combination sums.

        Shape:
            returns ``(n_dilations, 84, n_channels)`` float64.
        """
        n_comb = len(self.n_channels_per_combination)
        masks = np.zeros((n_comb, n_channels))
        comb = np.repeat(np.arange(n_comb), self.n_channels_per_combination)
        masks[comb, self.channel_indices] = 1.0  # subsets have no repeats
        return masks.reshape(len(self.dilations), N_KERNELS, n_channels)


def fit_dilations(
    n_timepoints: int, n_features: int, max_dilations_per_kernel: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exponentially spaced dilations and features per dilation (reference rule).

    Returns
    -------
    dilations, n_features_per_dilation : np.ndarray of int64
    """
    n_features_per_kernel = n_features // N_KERNELS
    true_max = min(n_features_per_kernel, max_dilations_per_kernel)
    multiplier = n_features_per_kernel / true_max
    max_exponent = np.log2((n_timepoints - 1) / (9 - 1))
    dilations, counts = np.unique(
        np.logspace(0, max_exponent, true_max, base=2).astype(np.int32), return_counts=True
    )
    per_dilation = (counts * multiplier).astype(np.int32)
    remainder = n_features_per_kernel - per_dilation.sum()
    i = 0
    while remainder > 0:
        per_dilation[i] += 1
        remainder -= 1
        i = (i + 1) % len(per_dilation)
    return dilations.astype(np.int64), per_dilation.astype(np.int64)


def low_discrepancy_quantiles(n: int) -> np.ndarray:
    """``(arange(1, n + 1) * golden_ratio) % 1`` as float32 (reference values).

    Vectorised: the same float64 products and remainders as the reference's
    Python loop (exact int -> float64, one rounding each), hence equal values.
    """
    i = np.arange(1, n + 1, dtype=np.float64)
    return ((i * ((np.sqrt(5) + 1) / 2)) % 1).astype(np.float32)


def sample_channel_combinations(
    rng: np.random.RandomState, n_channels: int, n_combinations: int
) -> tuple[np.ndarray, np.ndarray]:
    """Random channel subsets per combination (reference rule; univariate: channel 0)."""
    if n_channels == 1:
        return np.ones(n_combinations, dtype=np.int64), np.zeros(n_combinations, dtype=np.int64)
    max_exponent = np.log2(min(n_channels, 9) + 1)
    per_comb = (2 ** rng.uniform(0, max_exponent, n_combinations)).astype(np.int64)
    indices = np.concatenate(
        [rng.choice(n_channels, int(k), replace=False) for k in per_comb]
    ).astype(np.int64)
    return per_comb, indices


def _sorted_float64(values: np.ndarray) -> np.ndarray:
    """Each row sorted, as float64: sorted in its own dtype first (float32 sorts ~3x faster
    than float64 here, and widening is exact and monotonic, so the values are the same).

    Shape:
        values: ``(R, L)``; returns ``(R, L)`` float64.
    """
    return np.sort(values, axis=1).astype(np.float64, copy=False)


def reference_quantiles(values: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Per-row quantiles computed as the reference's numba ``np.quantile`` does.

    ``rank = 1 + (n - 1) * (q * 100 / 100)`` in float64, ``lower * (1 - m) +
    upper * m`` between the two closest order statistics (``m`` the fractional
    part of ``rank``), the extreme values for ``q`` of 0 and 1. Rounded once
    more to float32 by the caller, this reproduces aeon's biases.

    Shape:
        values: ``(R, L)``; q: ``(R, Q)``; returns ``(R, Q)`` float64.
    """
    v = _sorted_float64(values)
    n = v.shape[1]
    percent = q.astype(np.float64) * 100.0
    rank = 1 + (n - 1) * (percent / 100.0)
    f = np.floor(rank)
    m = rank - f
    lo = np.clip(f.astype(np.int64) - 1, 0, n - 1)
    hi = np.minimum(lo + 1, n - 1)
    lower = np.take_along_axis(v, lo, axis=1)
    upper = np.take_along_axis(v, hi, axis=1)
    out = lower * (1 - m) + upper * m
    out = np.where(percent == 100, v[:, -1:], out)
    return np.where(percent == 0, v[:, :1], out)


#: Order aeon's MiniRocket bias fit sums the three weight-2 taps in: ``(g0 + g1) + g2``.
MINIROCKET_FIT_ORDER = (0, 1, 2)
#: aeon's *univariate* MultiRocket bias fit (another numba function, reassociated
#: differently by ``fastmath``): ``(g0 + g2) + g1`` (measured on GunPoint and ACSF1: biases
#: equal; its multivariate fit sums as MiniRocket's, measured on BasicMotions).
MULTIROCKET_FIT_ORDER = (0, 2, 1)


def reference_order_outputs(
    X: np.ndarray, dilation: int, gamma_order: tuple[int, int, int] = MINIROCKET_FIT_ORDER
) -> np.ndarray:
    """All 84 kernels on every channel, summed in the order of aeon's bias fit (float32).

    ``alpha = -(x4 + x0 + x1 + x2 + x3 + x5 + x6 + x7 + x8)`` (``x_i`` the tap
    ``x[t + (i - 4) d]``, zero outside), then ``alpha + ((3 x_a + 3 x_b) + 3 x_c)``
    for the taps ``a < b < c`` of weight 2. That is the order numba compiles
    aeon's ``_fit_biases`` into (its ``fastmath`` reassociates the reference's
    left-to-right sum; measured: the same float32 values, rounding included), so
    the biases come out equal to aeon's. The transform sums left to right
    (``minirocket.c``), as aeon's transform does. ``gamma_order`` ``(i, j, k)``
    sums ``alpha + ((g_i + g_j) + g_k)`` instead (MultiRocket's fit: ``(0, 2, 1)``).

    Shape:
        X: ``(K, C, L)`` (row k feeds kernel k); returns ``(K, C, L)`` float32.
    """
    X = X.astype(np.float32, copy=False)
    L, p = X.shape[-1], 4 * dilation
    xp = np.zeros((*X.shape[:-1], L + 2 * p), dtype=np.float32)
    xp[..., p : p + L] = X
    taps = [xp[..., i * dilation : i * dilation + L] for i in range(9)]
    s = taps[4].copy()
    for i in (0, 1, 2, 3, 5, 6, 7, 8):
        s += taps[i]
    alpha = -s
    tap_of_row = INDICES[np.arange(X.shape[0]) % N_KERNELS]  # (K, 3): the weight-2 taps of row k

    def gamma(slot: int) -> np.ndarray:  # 3 * (tap tap_of_row[k, slot] of row k), (K, C, L)
        g = np.empty(X.shape, dtype=np.float32)
        for i in range(9):  # whole rows at a time (a per-element gather is ~4x slower)
            rows = np.flatnonzero(tap_of_row[:, slot] == i)
            g[rows] = taps[i][rows]
        g *= np.float32(3)
        return g

    g = [gamma(slot) for slot in range(3)]
    i, j, k = gamma_order
    return alpha + ((g[i] + g[j]) + g[k])


def fit_biases(
    X: np.ndarray,
    dilations: np.ndarray,
    n_features_per_dilation: np.ndarray,
    n_channels_per_combination: np.ndarray,
    channel_indices: np.ndarray,
    rng: np.random.RandomState,
    gamma_order: tuple[int, int, int] = MINIROCKET_FIT_ORDER,
) -> np.ndarray:
    """Biases from quantiles of the convolution output of random training cases.

    For each (dilation, kernel) one case drawn with ``rng.randint(n_cases)``;
    the kernel's output summed over the combination's channels (in their drawn
    order) and its quantiles, all computed as the reference does
    (:func:`reference_order_outputs`, :func:`reference_quantiles`).

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)``; returns ``(84 * sum(nf),)`` float32.
    """
    n_cases = X.shape[0]
    quantiles = low_discrepancy_quantiles(N_KERNELS * int(n_features_per_dilation.sum()))
    n_comb = len(n_channels_per_combination)
    width = int(n_channels_per_combination.max())
    # (n_comb, width) channel ids in drawn order, -1 past each combination's count
    chan = np.full((n_comb, width), -1, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(n_channels_per_combination)[:-1]])
    for m in range(width):
        has = n_channels_per_combination > m
        chan[has, m] = channel_indices[starts[has] + m]
    biases = np.empty(len(quantiles), dtype=np.float32)
    start = 0
    for j, (d, nf) in enumerate(zip(dilations, n_features_per_dilation)):
        stop = start + N_KERNELS * int(nf)
        cases = rng.randint(n_cases, size=N_KERNELS)
        per_channel = reference_order_outputs(X[cases], int(d), gamma_order)  # (84, C, L)
        combos = chan[j * N_KERNELS : (j + 1) * N_KERNELS]  # (84, width)
        C = np.zeros((N_KERNELS, X.shape[-1]), dtype=np.float32)
        for m in range(width):  # channel sums in the drawn order, as the reference
            has = combos[:, m] >= 0
            C[has] += per_channel[np.flatnonzero(has), combos[has, m]]
        q = quantiles[start:stop].reshape(N_KERNELS, int(nf))
        biases[start:stop] = reference_quantiles(C, q).astype(np.float32).ravel()
        start = stop
    return biases
