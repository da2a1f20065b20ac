"""Slow, exact oracles written independently of the package code.

Padding amounts are spelled out here again on purpose (not imported from anyconv), so a
mistake in ``anyconv.functional.padding`` cannot hide in both sides of a comparison.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def reference_pads(mode: str, k: int) -> tuple[int, int]:
    table = {
        "valid": (0, 0),
        "same": ((k - 1) // 2, k - 1 - (k - 1) // 2),
        "circular": ((k - 1) // 2, k - 1 - (k - 1) // 2),
        "causal": (k - 1, 0),
        "full": (k - 1, k - 1),
    }
    return table[mode]


def _extend_axis(x: Tensor, dim: int, left: int, right: int, circular: bool) -> Tensor:
    n = x.shape[dim]
    if not circular:
        shape_l = list(x.shape)
        shape_l[dim] = left
        shape_r = list(x.shape)
        shape_r[dim] = right
        return torch.cat([x.new_zeros(shape_l), x, x.new_zeros(shape_r)], dim=dim)
    # periodic extension built by concatenating whole copies, then cropping
    copies = 1 + 2 * (max(left, right) // n + 1)
    tiled = torch.cat([x] * copies, dim=dim)
    start = (copies // 2) * n - left
    return tiled.narrow(dim, start, n + left + right)


def reference_conv(
    x: Tensor, weight: Tensor, bias: Tensor | None, *, mode: str, groups: int, flip: bool
) -> Tensor:
    """torch's conv on an input padded by hand; per-sample weights by a Python loop over the batch."""
    ndim = x.ndim - 2
    conv = F.conv1d if ndim == 1 else F.conv2d
    if flip:
        weight = weight.flip(tuple(range(-ndim, 0)))
    ks = weight.shape[-ndim:]
    for axis in range(ndim):
        left, right = reference_pads(mode, ks[axis])
        x = _extend_axis(x, 2 + axis, left, right, mode == "circular")
    if weight.ndim == ndim + 2:
        return conv(x, weight, bias, groups=groups)
    outs = []
    for b in range(x.shape[0]):
        bias_b = None if bias is None else (bias[b] if bias.ndim == 2 else bias)
        outs.append(conv(x[b : b + 1], weight[b], bias_b, groups=groups))
    return torch.cat(outs, dim=0)


def loop_conv1d(x: Tensor, weight: Tensor, *, mode: str, groups: int) -> Tensor:
    """The definition, one output at a time: y[b,o,t] = Σ_i Σ_k w[o,i,k] · x[b, g·Cin/g + i, t + k − left]."""
    batch, _, n = x.shape
    c_out, c_in_g, k = weight.shape
    left, right = reference_pads(mode, k)
    n_out = n + left + right - k + 1
    c_out_g = c_out // groups
    y = torch.zeros(batch, c_out, n_out, dtype=x.dtype)
    for b in range(batch):
        for o in range(c_out):
            g = o // c_out_g
            for t in range(n_out):
                acc = 0.0
                for i in range(c_in_g):
                    for s in range(k):
                        pos = t + s - left
                        if mode == "circular":
                            pos %= n
                        elif not 0 <= pos < n:
                            continue
                        acc += float(weight[o, i, s]) * float(x[b, g * c_in_g + i, pos])
                y[b, o, t] = acc
    return y


def two_sided_loop(x: Tensor, causal: Tensor, anticausal: Tensor) -> Tensor:
    """The references' bidirectional long convolution, one output at a time (depthwise):

    ``y[b, o, t] = Σ_s causal[o, s] · x[b, i, t − s] + Σ_j anticausal[o, j] · x[b, i, t + j + 1]``
    with input channel ``i = o // (C_out / C_in)`` and samples outside ``0 .. L−1`` read as zero.
    An all-zero ``anticausal`` gives the causal convolution. Float64 accumulation.

    Shape:
        x: ``(B, C_in, L)``; causal, anticausal: ``(C_out, N)`` → ``(B, C_out, L)``
    """
    batch, c_in, n = x.shape
    c_out, taps = causal.shape
    per_input = c_out // c_in
    y = torch.zeros(batch, c_out, n, dtype=torch.float64)
    for b in range(batch):
        for o in range(c_out):
            i = o // per_input
            for t in range(n):
                acc = 0.0
                for s in range(taps):
                    if 0 <= t - s < n:
                        acc += float(causal[o, s]) * float(x[b, i, t - s])
                    if 0 <= t + s + 1 < n:
                        acc += float(anticausal[o, s]) * float(x[b, i, t + s + 1])
                y[b, o, t] = acc
    return y.to(x.dtype)
