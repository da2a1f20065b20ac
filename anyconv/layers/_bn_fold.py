"""Re-parameterizable depthwise layers: parallel centred ``conv → BN`` branches folded into one kernel.

A branch is a depthwise ``k × k`` kernel at dilation ``r`` (footprint ``r·(k − 1) + 1``)
followed by ``BatchNorm2d``. In eval mode ``BN(conv(x, w)) = conv(x, w·γ/σ) + β − μ·γ/σ`` with
``σ = sqrt(running_var + eps)``; a dilated kernel is a dense kernel with zeros between the taps;
and centred kernels of odd footprints sum by zero-padding the smaller ones to the large size.
Every branch pads by half its footprint, so it reads the same padded values whatever the
padding mode (reflect/replicate/circular padding defines pixel ``−i`` independently of the pad
width): the sum of branches equals one ``K × K`` depthwise conv in every padding mode and stride.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
PaddingMode = Literal["zeros", "reflect", "replicate", "circular"]


def fold_bn(weight: Tensor, bias: Tensor | None, bn: nn.BatchNorm2d) -> tuple[Tensor, Tensor]:
    """``(w', b')`` with ``conv(x, w') + b' == bn(conv(x, weight) + bias)`` for ``bn`` in eval mode.

    Shape:
        weight: ``(C_out, C_in/g, *K)``, bias ``(C_out,)`` or None → ``(C_out, C_in/g, *K)``, ``(C_out,)``
    """
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError("fold_bn needs a BatchNorm with running statistics (track_running_stats=True)")
    scale = torch.rsqrt(bn.running_var + bn.eps)  # (C_out,)
    if bn.weight is not None:
        scale = scale * bn.weight
    shift = -bn.running_mean * scale if bias is None else (bias - bn.running_mean) * scale
    if bn.bias is not None:
        shift = shift + bn.bias
    return weight * scale.reshape(-1, *([1] * (weight.ndim - 1))), shift


def dilate_kernel(kernel: Tensor, dilation: int) -> Tensor:
    """The dense kernel of ``kernel`` at ``dilation``: ``dilation − 1`` zeros between taps.

    Shape:
        kernel: ``(C_out, C_in/g, k_h, k_w)`` → ``(C_out, C_in/g, r·(k_h − 1) + 1, r·(k_w − 1) + 1)``
    """
    if dilation == 1:
        return kernel
    c_out, c_in, kh, kw = kernel.shape
    dense = kernel.new_zeros(c_out, c_in, dilation * (kh - 1) + 1, dilation * (kw - 1) + 1)
    dense[..., ::dilation, ::dilation] = kernel
    return dense


def centre_pad(kernel: Tensor, size: int) -> Tensor:
    """``kernel`` ``(…, k, k)`` (odd ``k <= size``) zero-padded on every side to ``(…, size, size)``."""
    pad = (size - kernel.shape[-1]) // 2
    return F.pad(kernel, [pad] * 4)


def same_depthwise(x: Tensor, weight: Tensor, bias: Tensor | None, *, stride: int, dilation: int = 1,
                   padding_mode: str = "zeros") -> Tensor:
    """Depthwise ``conv2d`` of ``x`` with an odd square ``weight``, padded by half its footprint.

    Shape:
        x: ``(B, C, H, W)``, weight ``(C, 1, k, k)`` → ``(B, C, ⌊(H − 1)/stride⌋ + 1, ⌊(W − 1)/stride⌋ + 1)``
    """
    pad = dilation * (weight.shape[-1] - 1) // 2
    groups = weight.shape[0]
    if padding_mode == "zeros":
        return F.conv2d(x, weight, bias, stride=stride, padding=pad, dilation=dilation, groups=groups)
    x = F.pad(x, [pad] * 4, mode=padding_mode)  # (B, C, H + 2·pad, W + 2·pad)
    return F.conv2d(x, weight, bias, stride=stride, dilation=dilation, groups=groups)


class ConvBN(nn.Module):
    """One branch: a depthwise ``k × k`` kernel at ``dilation`` (no bias) followed by ``BatchNorm2d``.

    ``weight`` is initialised like ``nn.Conv2d``'s (Kaiming-uniform, ``a = √5``).

    Shape:
        x: ``(B, C, H, W)`` → ``(B, C, H_out, W_out)`` (see :func:`same_depthwise`)
    """

    def __init__(self, channels: int, kernel_size: int, dilation: int = 1, *,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.weight = nn.Parameter(torch.empty(channels, 1, kernel_size, kernel_size, device=device, dtype=dtype))
        self.bn = nn.BatchNorm2d(channels, device=device, dtype=dtype)
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

    @property
    def footprint(self) -> int:
        """Side of the dense kernel this branch covers: ``dilation · (kernel_size − 1) + 1``."""
        return self.dilation * (self.kernel_size - 1) + 1

    def forward(self, x: Tensor, *, stride: int, padding_mode: str) -> Tensor:
        return self.bn(same_depthwise(x, self.weight, None, stride=stride, dilation=self.dilation,
                                      padding_mode=padding_mode))

    def folded(self, size: int) -> tuple[Tensor, Tensor]:
        """The branch in eval mode as one dense ``(C, 1, size, size)`` kernel and ``(C,)`` bias."""
        weight, bias = fold_bn(self.weight, None, self.bn)
        return centre_pad(dilate_kernel(weight, self.dilation), size), bias

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}"


def check_odd(name: str, value: object, *, minimum: int = 1) -> int:
    """``value`` if it is an odd int ``>= minimum``, else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or value % 2 == 0:
        raise ValueError(f"{name} must be an odd int >= {minimum}, got {value!r}")
    return value


def check_padding_mode(padding_mode: object) -> str:
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    return str(padding_mode)
