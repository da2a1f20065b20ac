"""ROCKET kernels that matter: the kernels carrying the most weight in a fitted classifier's linear
head, and each one's response along an input series (where it fires).

A ROCKET kernel ``i`` gives two features, PPV (share of positive responses) and max; the head's
weight on feature ``j`` for score ``s`` is ``W[j, s]`` (the scaler folded in, see
:class:`~anyconv.timeseries.linear_head.LinearHead`). A kernel's **importance** is
``Σ_s Σ_{j ∈ {2i, 2i+1}} |W[j, s]| · std_X(F_j)`` — how far its features move the scores across
the given series. :func:`rocket_response` is the dilated, zero-padded correlation the features are
pooled from (the same sum as :mod:`anyconv.timeseries.rocket.reference`).

MiniRocket and MultiRocket (:class:`MiniRocketKernelView`): one view per (representation,
dilation, kernel) — the fixed length-9 kernel (−1, three 2s) summed over its channel combination —
with all its biases; its importance sums the same terms over every bias (and, for MultiRocket, the
four pooling operators PPV, LSPV, MPV, MIPV). Its response is the un-biased convolution of the
raw series (``"diff"``: of its first difference, with the reference's left-tap shift), zero-padded
or only the centre as the transform alternates; ``mean(response > biases[b])`` is PPV column
``columns[0, b]`` (as :mod:`anyconv.timeseries.minirocket.reference`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MiniRocketKernelView", "RocketKernelView", "response_positions", "rocket_response", "top_rocket_kernels"]


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


@dataclass(frozen=True)
class MiniRocketKernelView(RocketKernelView):
    """A MiniRocket-family kernel at one dilation: ``index`` the kernel (0..83), ``weights`` its taps on
    each of ``channels``, ``bias`` 0 (the response carries none), ``padding`` ``4·dilation`` or 0 (centre
    only); ``biases`` ``(n_biases,)`` its thresholds; ``columns`` ``(n_pooling, n_biases)`` its feature
    columns (row 0 PPV; MultiRocket: then LSPV, MPV, MIPV); ``representation`` ``"series"`` or ``"diff"``;
    ``left_tap_shift`` as :class:`~anyconv.timeseries.minirocket.kernels.MiniRocketBank`."""

    biases: np.ndarray
    columns: np.ndarray
    representation: str
    left_tap_shift: int


def _minirocket_response(series: np.ndarray, view: MiniRocketKernelView) -> np.ndarray:
    x = np.asarray(series).astype(np.float32)  # the transform reads float32
    if view.representation == "diff":
        x = np.diff(x, axis=-1)  # (C, T - 1), in float32 as the transform
    summed = x[view.channels].astype(np.float64).sum(0)  # (L,) the kernel is linear in each channel
    L, d = summed.shape[0], view.dilation
    out = np.zeros(L)
    for i in range(9):
        offset = (i - 4) * d + (view.left_tap_shift if i < 4 else 0)
        lo, hi = max(0, -offset), min(L, L - offset)
        if lo < hi:
            out[lo:hi] += float(view.weights[0, i]) * summed[lo + offset : hi + offset]
    return out if view.padding else out[4 * d : L - 4 * d]  # (L,) or (L - 8d,)


def response_positions(view: RocketKernelView, n_timepoints: int) -> np.ndarray:
    """Time (in input samples) of each response value's centre tap, for plotting it under the series.

    Shape:
        returns ``(len(rocket_response(series, view)),)`` float64
    """
    if isinstance(view, MiniRocketKernelView):
        L = n_timepoints - (view.representation == "diff")
        t = np.arange(L, dtype=np.float64) + 0.5 * (view.representation == "diff")
        return t if view.padding else t[4 * view.dilation : L - 4 * view.dilation]
    length = view.weights.shape[1]
    n_out = n_timepoints + 2 * view.padding - (length - 1) * view.dilation
    return np.arange(n_out) - view.padding + (length - 1) * view.dilation / 2


def rocket_response(series: np.ndarray, view: RocketKernelView) -> np.ndarray:
    """The kernel's output at every position of one (already normalised) series.

    Shape:
        series: ``(n_channels, n_timepoints)`` → ``(n_timepoints + 2·padding − (length − 1)·dilation,)``;
        MiniRocket views take the raw series (``"diff"`` views: ``n_timepoints − 1`` in place of ``n_timepoints``)
    """
    x = np.asarray(series, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"series must be (n_channels, n_timepoints), got shape {x.shape}")
    if isinstance(view, MiniRocketKernelView):
        return _minirocket_response(series, view)
    length = view.weights.shape[1]
    d, p = view.dilation, view.padding
    padded = np.pad(x[view.channels], ((0, 0), (p, p)))  # (n_ch, T + 2p)
    n_out = padded.shape[1] - (length - 1) * d
    out = np.full(n_out, view.bias, dtype=np.float64)
    for j in range(length):
        out += view.weights[:, j].astype(np.float64) @ padded[:, j * d : j * d + n_out]  # (n_out,)
    return out


def _fitted_parts(model: object) -> tuple[object, object]:
    from anyconv.timeseries.minirocket.classifiers import MiniRocketClassifier, MultiRocketClassifier
    from anyconv.timeseries.rocket.estimator import Rocket, RocketClassifier

    supported = (RocketClassifier, MiniRocketClassifier, MultiRocketClassifier)
    if isinstance(model, supported) and hasattr(model, "head_"):
        return model.transformer_, model.head_
    if isinstance(model, (Rocket, *supported)):
        raise ValueError(f"{type(model).__name__} is not fitted (call fit first)")
    raise ValueError(f"expected a fitted RocketClassifier, MiniRocketClassifier or MultiRocketClassifier, "
                     f"got {type(model).__name__}")


def _minirocket_views(transformer: object, per_feature: np.ndarray) -> list[MiniRocketKernelView]:
    """Every (representation, dilation, kernel) of a MiniRocket/MultiRocket transformer, reference order."""
    from anyconv.timeseries.minirocket.kernels import KERNEL_WEIGHTS, N_KERNELS
    from anyconv.timeseries.minirocket.multirocket import MultiRocket

    if isinstance(transformer, MultiRocket):
        banks = [("series", transformer.bank_, 0), ("diff", transformer.bank_diff_, 4 * transformer.bank_.n_features)]
        n_pool = 4
    else:
        banks, n_pool = [("series", transformer.bank_, 0)], 1  # type: ignore[attr-defined]
    views = []
    for representation, bank, offset in banks:
        ends = np.cumsum(bank.n_channels_per_combination)
        for j, (start, _, nf) in enumerate(bank.feature_slices()):
            d = int(bank.dilations[j])
            for k in range(N_KERNELS):
                comb = j * N_KERNELS + k
                channels = bank.channel_indices[ends[comb] - bank.n_channels_per_combination[comb] : ends[comb]]
                first = start + k * nf  # this kernel's first bias at this dilation
                columns = offset + np.arange(n_pool)[:, None] * bank.n_features + first + np.arange(nf)  # (n_pool, nf)
                weights = np.repeat(KERNEL_WEIGHTS[k][None], len(channels), 0)  # (n_ch, 9)
                views.append(MiniRocketKernelView(
                    k, float(per_feature[columns].sum()), weights, channels.copy(), 0.0, d,
                    4 * d if (j + k) % 2 == 0 else 0, bank.biases[first : first + nf].copy(), columns,
                    representation, int(bank.left_tap_shift)))
    return views


def top_rocket_kernels(model: object, X: np.ndarray, k: int = 4) -> list[RocketKernelView]:
    """The ``k`` kernels of a fitted ``RocketClassifier`` with the most head weight on ``X``; for a
    ``MiniRocketClassifier`` / ``MultiRocketClassifier`` the ``k`` (kernel, dilation) views
    (:class:`MiniRocketKernelView`), most important first.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``
    """
    transformer, head = _fitted_parts(model)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    X = np.asarray(X)
    features = transformer.transform(X if X.ndim == 3 else X[:, None])  # type: ignore[attr-defined]  # (n, F)
    spread = features.std(0)  # (F,)
    per_feature = (np.abs(head.weight) * spread[:, None]).sum(1)  # type: ignore[attr-defined]  # (F,)
    if not hasattr(transformer, "kernels_"):  # MiniRocket family
        family = _minirocket_views(transformer, per_feature)
        order = np.argsort(-np.array([v.importance for v in family]), kind="stable")
        return [family[i] for i in order[:k]]
    per_kernel = per_feature.reshape(-1, 2).sum(1)  # (K,) ppv + max
    bank = transformer.kernels_  # type: ignore[attr-defined]
    views = []
    for i in np.argsort(-per_kernel)[:k]:
        w, ch, b, d, p = bank.kernel(int(i))
        views.append(RocketKernelView(int(i), float(per_kernel[i]), w, ch, float(b), int(d), int(p)))
    return views
