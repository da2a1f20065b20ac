"""Two-sided (bidirectional) long kernels, laid out for ``mode="same"`` with ``flip=True``.

The LongConv / SGConv references make a bidirectional layer from two one-sided kernels of
``N`` taps, ``k0`` (causal part: ``k0[s]`` reads ``x[t - s]``, ``s = 0 .. N-1``) and ``k1``
(anti-causal part: ``k1[j]`` reads the future sample ``x[t + j + 1]``, ``j = 0 .. N-1``), and
assemble them as ``F.pad(k0, (0, L)) + F.pad(k1.flip(-1), (L, 0))`` before an FFT of size
``N + L``. Every one of the ``2N`` taps can meet the input: the last anti-causal tap
``k1[N-1]`` reads ``x[t + N]``, which exists whenever the input is longer than ``N``.

Our engines take one weight instead. With ``flip=True`` and ``mode="same"`` a kernel ``w`` of
even length ``K = 2N`` computes ``y[t] = Σ_i w[i] x[t + N - i]`` (torch's ``same`` puts the extra
pad of an even kernel on the right of the correlation, i.e. the left of the convolution), so
index ``N`` is "now", indices ``N+1 ..`` are the past and ``0 .. N-1`` the future::

    w = cat(k1.flip(-1), k0)          # (..., 2N), lag 0 at index N

which reproduces the reference exactly, for inputs shorter or longer than ``N``.
"""

from __future__ import annotations

import torch
from torch import Tensor


def two_sided(causal: Tensor, anticausal: Tensor) -> Tensor:
    """Assemble a two-sided kernel from a causal and an anti-causal one of the same length.

    Shape:
        causal, anticausal: ``(*, N)`` → output ``(*, 2N)`` (index ``N`` is lag 0; index
        ``N - 1 - j`` holds ``anticausal[j]``, lag ``-(j + 1)``)
    """
    if causal.shape != anticausal.shape:
        raise ValueError(
            f"causal and anticausal kernels must have the same shape, got {tuple(causal.shape)} "
            f"and {tuple(anticausal.shape)}"
        )
    return torch.cat([anticausal.flip(-1), causal], dim=-1)  # (*, 2N)
