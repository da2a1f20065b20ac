"""Fast torch engine applying a ROCKET kernel bank.

Kernels sharing ``(length, dilation, padding)`` form a group (split into chunks of at
most ``MAX_GROUP``), and each group is one im2col + matmul over the union of the
channels its kernels read (weights are zero on channels a kernel does not read) — the
same arithmetic as one ``conv1d`` call, but with time as the outer axis of the output
so that max and PPV reduce vectorised across cases and kernels (measured 1.4-2x
faster than ``conv1d`` + last-axis reductions on CPU). Cases are processed in batches
capped so that one group's output stays cache-sized; all outputs never exist at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from anyconv.timeseries.rocket.kernels import RocketKernels

__all__ = ["RocketPlan", "plan_rocket", "apply_rocket"]

MAX_GROUP = 64  # kernels per conv call
OUT_BUDGET = 1 << 20  # conv output elements per call (about 4 MB in float32)


@dataclass(frozen=True, eq=False)
class _Group:
    dilation: int
    padding: int
    length: int
    channels: torch.Tensor | None  # (U,) channels read by the group; None = all, in order
    weight: torch.Tensor  # (U * length, K_g): im2col weight, channel-major rows
    bias: torch.Tensor  # (K_g,)


@dataclass(frozen=True, eq=False)
class RocketPlan:
    """A bank laid out for the torch engine: one conv1d per kernel group.

    Shape:
        ``order`` ``(2 * n_kernels,)``: output column ``j`` of the engine's grouped
        layout is feature ``order[j]`` of the reference layout.
    """

    groups: tuple[_Group, ...]
    order: torch.Tensor
    n_kernels: int
    n_channels: int
    dtype: torch.dtype
    device: torch.device


def plan_rocket(
    bank: RocketKernels,
    n_channels: int,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
    max_group: int = MAX_GROUP,
) -> RocketPlan:
    """Group the kernels of ``bank`` by ``(length, dilation, padding)``.

    Parameters
    ----------
    bank : RocketKernels
        Sampled kernels.
    n_channels : int
        Channels of the series the bank is applied to.
    dtype, device
        Compute precision and device of the convolutions.
    max_group : int
        Largest number of kernels per conv call; bigger groups are split so one
        call's output stays cache-sized (measured: 2-8x faster on CPU than one
        call with hundreds of output channels).

    Returns
    -------
    RocketPlan

    Shape:
        each group weight is ``(K_g, U, length)`` with ``U`` the number of channels read.
    """
    device = torch.device(device)
    dense = bank.dense_weights(n_channels)  # (K, C, 11)
    key = np.stack([bank.lengths, bank.dilations, bank.paddings], axis=1)
    keys, inverse = np.unique(key, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    groups, order = [], []
    chunks = []
    for g, (length, dilation, padding) in enumerate(keys):
        ids = np.flatnonzero(inverse == g)
        n_split = -(-ids.size // max_group)
        chunks += [(length, dilation, padding, part) for part in np.array_split(ids, n_split)]
    for length, dilation, padding, ids in chunks:
        w = dense[ids, :, :length]  # (K_g, C, length)
        used = np.flatnonzero(np.abs(w).sum(axis=(0, 2)) > 0)
        if used.size == 0:
            used = np.arange(1)
        if used.size == n_channels:
            channels = None
        else:
            channels = torch.as_tensor(used, device=device)
            w = w[:, used]
        groups.append(
            _Group(
                dilation=int(dilation),
                padding=int(padding),
                length=int(length),
                channels=channels,
                weight=torch.as_tensor(np.ascontiguousarray(w.reshape(w.shape[0], -1).T), dtype=dtype, device=device),
                bias=torch.as_tensor(bank.biases[ids], dtype=dtype, device=device),
            )
        )
        order.append(np.stack([2 * ids, 2 * ids + 1], axis=1).reshape(-1))
    order_t = torch.as_tensor(np.concatenate(order) if order else np.zeros(0, np.int64))
    return RocketPlan(tuple(groups), order_t, bank.n_kernels, n_channels, dtype, device)


def _features(x: torch.Tensor, plan: RocketPlan) -> torch.Tensor:
    """Grouped-layout features of one batch ``x`` of shape ``(B, C, L)`` -> ``(B, 2K)``.

    Each group is im2col over time plus one matmul, with time as the outer axis of the
    output ``(L_out, B, K_g)`` so that max and PPV reduce over the outer axis,
    vectorised across cases and kernels (measured several times faster than reducing
    the last axis of ``conv1d`` outputs for short series, and on par for long ones).
    """
    n_time = x.shape[-1]
    pmax = max((g.padding for g in plan.groups), default=0)
    xt = F.pad(x, (pmax, pmax)).permute(2, 0, 1)  # (L + 2 pmax, B, C) view
    cols = []
    for g in plan.groups:
        xs = xt[pmax - g.padding : pmax + n_time + g.padding]  # (L + 2p, B, C)
        if g.channels is not None:
            xs = xs.index_select(2, g.channels)  # (L + 2p, B, U)
        span = (g.length - 1) * g.dilation + 1
        patches = xs.unfold(0, span, 1)[..., :: g.dilation]  # (L_out, B, U, length) view
        n_out = patches.shape[0]
        out = torch.addmm(g.bias, patches.reshape(-1, g.weight.shape[0]), g.weight)  # (L_out * B, K_g)
        out = out.view(n_out, x.shape[0], -1)  # (L_out, B, K_g)
        mx = out.amax(0)  # (B, K_g)
        # sign, then clamp: 1 where positive, 0 elsewhere (exact; faster than (out > 0).sum)
        ppv = out.sign_().clamp_(min=0).sum(0) / n_out  # (B, K_g)
        cols.append(torch.stack([ppv, mx], dim=-1).flatten(1))  # (B, 2 K_g)
    return torch.cat(cols, dim=1)


def apply_rocket(X: np.ndarray | torch.Tensor, plan: RocketPlan, batch_size: int = 256) -> np.ndarray:
    """Apply a planned kernel bank: PPV and max per kernel, in the reference order.

    Parameters
    ----------
    X : np.ndarray or torch.Tensor
        Collection of equal-length series (already normalised if wanted).
    plan : RocketPlan
        From :func:`plan_rocket`.
    batch_size : int
        Largest number of cases per batch; the batch is also capped so that one conv
        call's output stays below ``OUT_BUDGET`` elements (peak memory and cache use).

    Returns
    -------
    np.ndarray
        ``[ppv_0, max_0, ppv_1, max_1, ...]`` per case, in the plan's dtype.

    Shape:
        X ``(n_cases, n_channels, n_timepoints)`` -> ``(n_cases, 2 * n_kernels)``.
    """
    X = torch.as_tensor(X)
    n = X.shape[0]
    widest = max((g.weight.shape[1] for g in plan.groups), default=1)
    batch_size = max(1, min(batch_size, OUT_BUDGET // (widest * max(X.shape[-1], 1))))
    res = torch.empty((n, 2 * plan.n_kernels), dtype=plan.dtype)
    with torch.inference_mode():
        for b0 in range(0, n, batch_size):
            xb = X[b0 : b0 + batch_size].to(device=plan.device, dtype=plan.dtype)
            res[b0 : b0 + xb.shape[0], plan.order] = _features(xb, plan).cpu()
    return res.numpy()
