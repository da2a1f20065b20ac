"""``Conv1d`` / ``Conv2d``: a dense learned kernel through any engine (the baseline layer)."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from anyconv.kernels.dense import DenseKernel
from anyconv.layers.base import KernelConv
from anyconv.layers.registry import register


class _DenseConvNd(KernelConv):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        bias: bool = True,
        *,
        ndim: int,
        mode: str = "same",
        groups: int = 1,
        method: str = "auto",
        flip: bool = False,
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(ndim=ndim, mode=mode, groups=groups, method=method, flip=flip, check_finite=check_finite)
        self.kernel = DenseKernel(
            in_channels, out_channels, kernel_size, groups=groups, ndim=ndim, device=device, dtype=dtype
        )
        self.bias = nn.Parameter(torch.empty(out_channels, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.kernel.reset_parameters()
        if self.bias is not None:  # as torch.nn.ConvNd
            fan_in = self.kernel.weight[0].numel()
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        return self._conv_forward(x, self.kernel(), self.bias)

    def extra_repr(self) -> str:
        kernel = self.kernel
        return f"{kernel.in_channels}, {kernel.out_channels}, kernel_size={kernel.kernel_size}, bias={self.bias is not None}, {self._conv_repr()}"


@register("conv1d", kind="conv1d", example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=5), example_input_shape=(2, 4, 16))
class Conv1d(_DenseConvNd):
    """Dense 1-D convolution with an explicit ``mode`` and a choice of engine.

    Shape:
        x: ``(B, C_in, L)`` → ``(B, C_out, L_out)`` (see :func:`anyconv.functional.conv1d`).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        bias: bool = True,
        *,
        mode: str = "same",
        groups: int = 1,
        method: str = "auto",
        flip: bool = False,
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, bias, ndim=1, mode=mode, groups=groups, method=method,
            flip=flip, check_finite=check_finite, device=device, dtype=dtype,
        )


@register("conv2d", kind="conv2d", example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=(3, 4)), example_input_shape=(2, 4, 8, 9))
class Conv2d(_DenseConvNd):
    """Dense 2-D convolution with an explicit ``mode`` and a choice of engine.

    Shape:
        x: ``(B, C_in, H, W)`` → ``(B, C_out, H_out, W_out)`` (see :func:`anyconv.functional.conv2d`).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        bias: bool = True,
        *,
        mode: str = "same",
        groups: int = 1,
        method: str = "auto",
        flip: bool = False,
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, bias, ndim=2, mode=mode, groups=groups, method=method,
            flip=flip, check_finite=check_finite, device=device, dtype=dtype,
        )
