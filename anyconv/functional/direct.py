"""Direct engine: ``torch.nn.functional.conv1d/conv2d`` after explicit boundary extension."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from anyconv.functional.padding import extend_by
from anyconv.functional.per_sample import fold_batch, unfold_batch

_CONV = {1: F.conv1d, 2: F.conv2d}


def _conv1d_as_conv2d(x: Tensor, weight: Tensor, bias: Tensor | None, *, stride: tuple[int, ...],
                      padding: tuple[int, ...], dilation: tuple[int, ...], groups: int) -> Tensor:
    """``F.conv1d`` computed by ``F.conv2d`` on a unit trailing axis.

    torch 2.13's CPU ``bfloat16`` ``conv1d`` returns wrong values for dense kernels once
    ``C_in/groups · K`` reaches about 64 (relative error ≈ 1); its ``conv2d`` is right, so
    bfloat16 on the CPU goes this way (same dtype, same result up to bfloat16 rounding).

    Shape:
        x: ``(B, C_in, L)`` → ``(B, C_in, L, 1)``; weight ``(C_out, C_in/g, K)`` → ``(C_out, C_in/g, K, 1)``;
        output ``(B, C_out, L_out, 1)`` → ``(B, C_out, L_out)``
    """
    y = F.conv2d(x[..., None], weight[..., None], bias, stride=(stride[0], 1), padding=(padding[0], 0),
                 dilation=(dilation[0], 1), groups=groups)  # (B, C_out, L_out, 1)
    return y[..., 0]


def direct_conv(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    *,
    pads: tuple[tuple[int, int], ...],
    padding_mode: str,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    groups: int,
    flip: bool,
) -> Tensor:
    """Apply ``weight`` to ``x`` with torch's direct convolution (arguments already validated).

    ``pads`` are the ``(left, right)`` extensions per axis, filled as ``padding_mode`` says
    (see :func:`anyconv.functional.padding.extend_by`); symmetric zero padding is left to
    torch's conv (no copy of ``x``), everything else is extended first, as ``torch.nn.Conv*d``
    does for non-zeros padding modes. ``stride`` and ``dilation`` go to torch's conv.

    Shape:
        x: ``(B, C_in, *S)``; weight: ``(C_out, C_in/groups, *K)`` or ``(B, C_out, C_in/groups, *K)``;
        output: ``(B, C_out, *S_out)``, ``S_out = ⌊(S + left + right - d(K-1) - 1) / stride⌋ + 1``.
    """
    ndim = x.ndim - 2
    spatial = tuple(range(-ndim, 0))
    if flip:
        weight = weight.flip(spatial)  # true convolution == correlation with the reversed kernel
    per_sample = weight.ndim == ndim + 3
    batch = x.shape[0]
    if per_sample:
        x, weight, groups = fold_batch(x, weight, groups)

    fused_bias = bias  # into torch's conv (bit-identical to F.conv; saves a pass over the output)
    if per_sample and bias is not None:
        # a per-sample bias (B, C_out) is the folded conv's bias (B*C_out,); a shared one repeats per example
        fused_bias = bias.reshape(-1) if bias.ndim == 2 else bias.repeat(batch)
    symmetric = padding_mode == "zeros" and all(left == right for left, right in pads)
    if symmetric:  # let the conv kernel pad: no extra copy of x
        padding = tuple(left for left, _ in pads)
    else:
        x, padding = extend_by(x, pads, padding_mode), (0,) * ndim
    conv = _conv1d_as_conv2d if ndim == 1 and x.dtype == torch.bfloat16 and x.device.type == "cpu" else _CONV[ndim]
    y = conv(x, weight, fused_bias, stride=stride, padding=padding, dilation=dilation, groups=groups)

    return unfold_batch(y, batch) if per_sample else y
