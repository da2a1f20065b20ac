"""Explicit references for the re-parameterizable depthwise layers (RepLK, DilatedReparam).

Nothing here calls the layers' own folding code: kernels are built tap by tap in Python loops
from the raw parameters and BN statistics, and the training form is rebuilt from ``F.conv2d``
and ``F.batch_norm`` per branch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

D64 = torch.float64


def pad(x: Tensor, amount: int, padding_mode: str) -> Tensor:
    mode = "constant" if padding_mode == "zeros" else padding_mode
    return F.pad(x, [amount] * 4, mode=mode)


def hand_built_kernel(layer: nn.Module) -> tuple[Tensor, Tensor]:
    """The eval-mode layer as one ``(C, 1, K, K)`` kernel and ``(C,)`` bias, tap by tap."""
    c, size = layer.channels, layer.kernel_size
    centre = size // 2
    weight = torch.zeros(c, 1, size, size, dtype=D64)
    bias = torch.zeros(c, dtype=D64)
    for branch in layer.branches:
        w, bn, k, r = branch.weight.detach(), branch.bn, branch.kernel_size, branch.dilation
        for ch in range(c):
            scale = float(bn.weight[ch]) / (float(bn.running_var[ch]) + bn.eps) ** 0.5
            bias[ch] += float(bn.bias[ch]) - float(bn.running_mean[ch]) * scale
            for i in range(k):
                for j in range(k):
                    weight[ch, 0, centre + r * (i - k // 2), centre + r * (j - k // 2)] += float(w[ch, 0, i, j]) * scale
    return weight, bias


def eval_reference(layer: nn.Module, x: Tensor) -> Tensor:
    """``F.conv2d`` of ``x`` (padded by ``K // 2`` in the layer's padding mode) with the hand-built kernel."""
    weight, bias = hand_built_kernel(layer)
    xp = pad(x, layer.kernel_size // 2, layer.padding_mode)
    return F.conv2d(xp, weight, bias, stride=layer.stride, groups=layer.channels)


def train_reference(layer: nn.Module, x: Tensor) -> Tensor:
    """The training form branch by branch: ``Σ batch_norm(conv2d(pad(x), w, dilation=r))`` (batch statistics)."""
    out = torch.zeros((), dtype=x.dtype)
    for branch in layer.branches:
        k, r = branch.kernel_size, branch.dilation
        y = F.conv2d(pad(x, r * (k - 1) // 2, layer.padding_mode), branch.weight, stride=layer.stride,
                     dilation=r, groups=layer.channels)
        out = out + F.batch_norm(y, None, None, branch.bn.weight, branch.bn.bias, training=True, eps=branch.bn.eps)
    return out


def move_statistics(layer: nn.Module, *, steps: int = 4, size: int = 10, seed: int = 0) -> None:
    """Random BN affine parameters, then ``steps`` SGD steps in train mode on shifted, scaled random
    batches, so weights, running means and running variances are all far from their initial values."""
    g = torch.Generator().manual_seed(seed)
    dtype = next(layer.parameters()).dtype
    with torch.no_grad():
        for module in layer.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.weight.copy_(torch.rand(module.weight.shape, generator=g, dtype=dtype) + 0.5)
                module.bias.copy_(torch.randn(module.bias.shape, generator=g, dtype=dtype))
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.1)
    layer.train()
    for _ in range(steps):
        x = 3.0 * torch.randn(4, layer.channels, size, size, generator=g, dtype=dtype) + 1.5
        optimizer.zero_grad()
        layer(x).sin().mean().backward()
        optimizer.step()
    for module in layer.modules():
        if isinstance(module, nn.BatchNorm2d):
            moved = max(float(module.running_mean.abs().max()), float((module.running_var - 1).abs().max()))
            assert moved > 0.05, f"BN statistics barely moved ({moved:.3g})"
