"""Direct engine: ``torch.nn.functional.conv1d/conv2d`` after explicit boundary extension."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from anyconv.functional.padding import extend, pad_amounts
from anyconv.functional.per_sample import add_bias, fold_batch, unfold_batch

_CONV = {1: F.conv1d, 2: F.conv2d}


def direct_conv(x: Tensor, weight: Tensor, bias: Tensor | None, *, mode: str, groups: int, flip: bool) -> Tensor:
    """Apply ``weight`` to ``x`` with torch's direct convolution (arguments already validated).

    Shape:
        x: ``(B, C_in, *S)``; weight: ``(C_out, C_in/groups, *K)`` or ``(B, C_out, C_in/groups, *K)``;
        output: ``(B, C_out, *S_out)`` with ``S_out`` given by ``mode`` (see :mod:`padding`).
    """
    ndim = x.ndim - 2
    spatial = tuple(range(-ndim, 0))
    if flip:
        weight = weight.flip(spatial)  # true convolution == correlation with the reversed kernel
    kernel_sizes = tuple(weight.shape[-ndim:])
    per_sample = weight.ndim == ndim + 3
    batch = x.shape[0]
    if per_sample:
        x, weight, groups = fold_batch(x, weight, groups)

    fused_bias = None if per_sample else bias  # a shared bias goes into torch's conv (bit-identical to F.conv)
    amounts = [pad_amounts(mode, k) for k in kernel_sizes]
    symmetric = mode != "circular" and all(left == right for left, right in amounts)
    if symmetric:  # let the conv kernel pad: no extra copy of x
        y = _CONV[ndim](x, weight, fused_bias, padding=tuple(left for left, _ in amounts), groups=groups)
    else:
        y = _CONV[ndim](extend(x, mode, kernel_sizes), weight, fused_bias, groups=groups)

    if not per_sample:
        return y
    return add_bias(unfold_batch(y, batch), bias, ndim)
