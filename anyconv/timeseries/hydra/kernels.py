"""Hydra's kernel bank: sampled with numpy from ``random_state`` (or injected).

The bank of the reference (angus924/hydra, aeon's ``_HydraInternal``) for series of
length ``L`` with ``C`` channels, ``k`` kernels per group and ``g`` groups:

* dilations ``2 ** arange(int(log2((L - 1) / 8)) + 1)``, padding ``4 * d``;
* ``divisor = min(2, g)`` representations (the series, then its first
  difference), ``h = g // divisor`` groups on each;
* weights ``(n_dilations, divisor, k * h, 9)``: standard normal, minus their
  mean, divided by their L1 norm (float32);
* multivariate channel sampling: per dilation, ``(divisor, h, n_per)`` channel
  indices drawn uniformly *with replacement*, ``n_per = clip(C // 2, 2,
  max_num_channels)``; each group convolves the sum of its channels. Univariate
  series (``C == 1``) use the series itself (the indices are drawn but unused).

aeon draws the same shapes from torch's global generator (whose stream depends on
the build); we draw them from ``numpy.random.RandomState`` in the same order
(weights, then per dilation the indices), so one ``random_state`` gives the same
bank on every machine. :func:`bank_from_aeon` takes the bank out of a fitted aeon
``HydraTransformer`` (the injected-weights hook for parity checks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["HydraBank", "KERNEL_LENGTH", "hydra_dilations", "sample_hydra_bank", "bank_from_aeon"]

#: Taps per Hydra kernel.
KERNEL_LENGTH = 9


@dataclass(frozen=True)
class HydraBank:
    """A sampled (or injected) Hydra bank.

    Attributes
    ----------
    dilations : np.ndarray, int64, ``(n_dilations,)``
    weights : np.ndarray, float32, ``(n_dilations, divisor, k * h, 9)``
        Rows ``j * k : (j + 1) * k`` of ``weights[i, r]`` are group ``j``'s kernels.
    channels : np.ndarray, int64, ``(n_dilations, divisor, h, n_per)``
        Channels summed into each group's input (multivariate only).
    k, h, divisor, n_channels : int
    """

    dilations: np.ndarray
    weights: np.ndarray
    channels: np.ndarray
    k: int
    h: int
    divisor: int
    n_channels: int

    @property
    def paddings(self) -> np.ndarray:
        """``4 * d`` per dilation (``(9 - 1) * d // 2``)."""
        return (KERNEL_LENGTH - 1) * self.dilations // 2

    @property
    def n_features(self) -> int:
        """``n_dilations * divisor * 2 * h * k`` (max counts and min counts per representation)."""
        return len(self.dilations) * self.divisor * 2 * self.h * self.k


def hydra_dilations(n_timepoints: int) -> np.ndarray:
    """``2 ** arange(int(log2((L - 1) / 8)) + 1)`` (empty when ``L < 6``)."""
    if n_timepoints < 2:
        return np.zeros(0, dtype=np.int64)
    max_exponent = np.log2((n_timepoints - 1) / (KERNEL_LENGTH - 1))
    return (2 ** np.arange(int(max_exponent) + 1)).astype(np.int64)


def sample_hydra_bank(
    n_timepoints: int,
    n_channels: int,
    k: int,
    g: int,
    max_num_channels: int,
    rng: np.random.RandomState,
) -> HydraBank:
    """Draw a bank as the reference does, from ``rng`` (weights first, then channel indices)."""
    dilations = hydra_dilations(n_timepoints)
    divisor = min(2, g)
    h = g // divisor
    W = rng.standard_normal((len(dilations), divisor, k * h, KERNEL_LENGTH)).astype(np.float32)
    W = W - W.mean(-1, keepdims=True)
    W = W / np.abs(W).sum(-1, keepdims=True)
    n_per = int(np.clip(n_channels // 2, 2, max_num_channels))
    channels = np.stack(
        [rng.randint(0, n_channels, size=(divisor, h, n_per)) for _ in range(len(dilations))]
    ) if len(dilations) else np.zeros((0, divisor, h, n_per), dtype=np.int64)
    return HydraBank(dilations, W.astype(np.float32), channels.astype(np.int64), k, h, divisor, n_channels)


def bank_from_aeon(transformer: object) -> HydraBank:
    """The bank of a fitted aeon ``HydraTransformer`` (weights and channel indices as numpy).

    For parity checks: inject it with ``Hydra(...).fit(X)`` then ``set_bank(bank)``,
    or the ``bank=`` parameter.
    """
    inner = transformer._hydra  # type: ignore[attr-defined]
    W = inner.W.detach().cpu().numpy()[:, :, :, 0, :]  # (n_dil, divisor, k*h, 1, 9) -> drop the in-channel axis
    channels = np.stack([idx.cpu().numpy() for idx in inner.idx]) if len(inner.idx) else None
    divisor, h = int(inner.divisor), int(inner.h)
    if channels is None:
        channels = np.zeros((0, divisor, h, 2), dtype=np.int64)
    n_channels = int(transformer.metadata_["n_channels"]) if hasattr(transformer, "metadata_") else -1  # type: ignore[attr-defined]
    return HydraBank(inner.dilations.cpu().numpy().astype(np.int64), W.astype(np.float32),
                     channels.astype(np.int64), int(inner.k), h, divisor, n_channels)
