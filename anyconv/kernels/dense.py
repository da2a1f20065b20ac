"""``DenseKernel``: a plain learned weight tensor, the kernel every other one is compared with."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from anyconv.kernels.base import Kernel


def _as_sizes(kernel_size: int | tuple[int, ...], ndim: int) -> tuple[int, ...]:
    sizes = (kernel_size,) * ndim if isinstance(kernel_size, int) else tuple(kernel_size)
    if len(sizes) != ndim or any(isinstance(k, bool) or not isinstance(k, int) or k < 1 for k in sizes):
        raise ValueError(f"kernel_size must be a positive int or a tuple of {ndim} positive ints, got {kernel_size!r}")
    return sizes


class DenseKernel(Kernel):
    """A learned weight of shape ``(out_channels, in_channels // groups, *kernel_size)``.

    Initialised like ``torch.nn.ConvNd`` (Kaiming-uniform with ``a=sqrt(5)``).

    Shape:
        output: ``(C_out, C_in/groups, *K)``
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        *,
        groups: int = 1,
        ndim: int = 1,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if ndim not in (1, 2):
            raise ValueError(f"ndim must be 1 or 2, got {ndim!r}")
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"in_channels={in_channels} and out_channels={out_channels} must both be divisible by groups={groups}")
        self.ndim = ndim
        self.kernel_size = _as_sizes(kernel_size, ndim)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = nn.Parameter(torch.empty(shape, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

    def forward(self) -> Tensor:
        return self.weight

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, groups={self.groups}"
