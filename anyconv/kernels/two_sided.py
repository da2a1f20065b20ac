"""Two-sided (bidirectional) long kernels, laid out for ``mode="same"`` with ``flip=True``.

The LongConv / SGConv references make a bidirectional layer from two one-sided kernels
``k0`` (causal part: lag ``s >= 0`` reads ``x[t - s]``) and ``k1`` (anti-causal part:
``k1[j]`` reads the future sample ``x[t + j + 1]``) and assemble them as
``F.pad(k0, (0, L)) + F.pad(k1.flip(-1), (L, 0))`` before an FFT of size ``2L``.

Our engines take one weight instead. With ``flip=True`` and ``mode="same"`` a kernel ``w``
of odd length ``K = 2N - 1`` computes ``y[t] = Σ_d w[N - 1 + d] x[t - d]`` for
``d = -(N-1) .. N-1``: index ``N - 1`` is "now". So the two-sided weight is::

    w = cat(k1[..., :N-1].flip(-1), k0[..., :N])          # (..., 2N - 1)

which reproduces the reference exactly (its last anti-causal tap ``k1[N-1]`` reads a lag of
``-N`` that never meets the input, so it is dropped).
"""

from __future__ import annotations

import torch
from torch import Tensor


def two_sided(causal: Tensor, anticausal: Tensor) -> Tensor:
    """Assemble a two-sided kernel from a causal and an anti-causal one of the same length.

    Shape:
        causal, anticausal: ``(*, N)`` → output ``(*, 2N - 1)`` (index ``N - 1`` is lag 0)
    """
    if causal.shape != anticausal.shape:
        raise ValueError(
            f"causal and anticausal kernels must have the same shape, got {tuple(causal.shape)} "
            f"and {tuple(anticausal.shape)}"
        )
    n = causal.shape[-1]
    return torch.cat([anticausal[..., : n - 1].flip(-1), causal], dim=-1)  # (*, 2N - 1)
