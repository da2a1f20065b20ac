"""Hydra's torch engine (CPU or CUDA): one grouped convolution and one competition per dilation.

Per dilation, the series and its first difference (zero-padded by one step at the
end so both are ``L`` long) are stacked as channels and convolved together with a
grouped ``conv1d`` (``groups = divisor`` univariate, ``divisor * h`` multivariate,
where each group's input is the sum of its sampled channels, built with one
matrix product by a channel-count matrix). The padded step does not change the
difference's convolution at ``t < L - 1`` (it reads a zero, as the padding
would); the extra output at ``t = L - 1`` is masked out of the counts. Then, as
the reference: ``max``/``min`` over each group's ``k`` kernels, ``scatter_add``
of the maximum's value and of 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from anyconv.timeseries.hydra.kernels import KERNEL_LENGTH, HydraBank

__all__ = ["HydraPlan", "make_plan", "hydra_transform"]


@dataclass(frozen=True)
class HydraPlan:
    """Device tensors of one bank (build once with :func:`make_plan`).

    weights[i] : ``(divisor * h * k, 1, 9)``; mixers[i] : ``(divisor * h, C)`` channel
    counts (``None`` univariate).
    """

    dilations: tuple[int, ...]
    weights: tuple[torch.Tensor, ...]
    mixers: tuple[torch.Tensor | None, ...]
    k: int
    h: int
    divisor: int


def make_plan(bank: HydraBank, n_channels: int, *, dtype: torch.dtype = torch.float32,
              device: torch.device | str = "cpu") -> HydraPlan:
    """Lay ``bank`` out for :func:`hydra_transform` on ``device`` in ``dtype``."""
    weights, mixers = [], []
    for i in range(len(bank.dilations)):
        W = bank.weights[i].reshape(-1, 1, KERNEL_LENGTH)  # (divisor * k*h, 1, 9)
        weights.append(torch.as_tensor(W, dtype=dtype, device=device).contiguous())
        if n_channels == 1:
            mixers.append(None)
            continue
        counts = np.zeros((bank.divisor * bank.h, n_channels))
        idx = bank.channels[i].reshape(bank.divisor * bank.h, -1)  # (divisor*h, n_per)
        for row, chans in enumerate(idx):
            np.add.at(counts[row], chans, 1.0)  # repeated channels count twice, as the sum of X[:, idx]
        mixers.append(torch.as_tensor(counts, dtype=dtype, device=device))
    return HydraPlan(tuple(int(d) for d in bank.dilations), tuple(weights), tuple(mixers),
                     bank.k, bank.h, bank.divisor)


def hydra_transform(x: torch.Tensor, plan: HydraPlan) -> torch.Tensor:
    """Hydra features of ``x`` (reference layout).

    Shape:
        x: ``(n_cases, n_channels, n_timepoints)``; returns ``(n_cases, n_features)``.
    """
    n, C, L = x.shape
    k, h, divisor = plan.k, plan.h, plan.divisor
    if divisor > 1:
        dx = F.pad(torch.diff(x, dim=-1), (0, 1))  # (n, C, L): last step is padding
        xs = torch.stack((x, dx), dim=1)  # (n, 2, C, L)
    else:
        xs = x.unsqueeze(1)  # (n, 1, C, L)
    valid = None
    if divisor > 1:
        valid = torch.ones(divisor, 1, L, dtype=x.dtype, device=x.device)
        valid[1, :, L - 1] = 0  # the difference's padded step counts nothing
    out = []
    for d, W, mixer in zip(plan.dilations, plan.weights, plan.mixers):
        if mixer is None:
            inp = xs[:, :, 0]  # (n, divisor, L)
            groups = divisor
        else:
            mix = mixer.view(divisor, h, C)
            inp = torch.einsum("rhc,nrcl->nrhl", mix, xs).reshape(n, divisor * h, L)
            groups = divisor * h
        Z = F.conv1d(inp, W, padding=4 * d, dilation=d, groups=groups)  # (n, divisor*h*k, L)
        Z = Z.view(n, divisor, h, k, L)
        max_values, max_idx = Z.max(3)  # (n, divisor, h, L)
        min_idx = Z.min(3).indices  # (values+indices: ~5x faster than argmin over a strided dim)
        ones = torch.ones_like(max_values)
        if valid is not None:
            max_values = max_values * valid
            ones = ones * valid
        count = torch.zeros(n, divisor, 2, h, k, dtype=x.dtype, device=x.device)
        count[:, :, 0].scatter_add_(-1, max_idx, max_values)
        count[:, :, 1].scatter_add_(-1, min_idx, ones)
        out.append(count.reshape(n, -1))
    if not out:
        return x.new_zeros(n, 0)
    return torch.cat(out, dim=1)
