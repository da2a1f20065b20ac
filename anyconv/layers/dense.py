"""``Conv1d`` / ``Conv2d``: a dense learned kernel through any engine (the baseline layer).

They take ``torch.nn.Conv1d/Conv2d``'s arguments in torch's order, so ``anyconv.Conv1d(4, 8, 3, 2)``
is a stride-2 convolution as in torch, and the default ``padding=0`` is torch's "valid". The
boundary ``mode`` (``"same"``, ``"causal"``, ...) is keyword-only and excludes a non-zero
``padding``. (Before 2026-11-28 the fourth positional argument was ``bias`` and the default
boundary was ``mode="same"``; pass ``mode="same"`` for the old behaviour.)
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from anyconv.functional.geometry import Padding
from anyconv.kernels.dense import DenseKernel
from anyconv.layers.base import KernelConv
from anyconv.layers.registry import register


class _DenseConvNd(KernelConv):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...],
        padding: Padding,
        dilation: int | tuple[int, ...],
        groups: int,
        bias: bool,
        padding_mode: str,
        *,
        ndim: int,
        mode: str | None,
        method: str,
        flip: bool,
        check_finite: bool,
        device: torch.device | str | None,
        dtype: torch.dtype | None,
    ) -> None:
        super().__init__(
            ndim=ndim, mode=mode, groups=groups, method=method, flip=flip, check_finite=check_finite, stride=stride,
            padding=padding, dilation=dilation, padding_mode=padding_mode,
        )
        if not isinstance(bias, bool):
            raise ValueError(f"bias must be True or False, got {bias!r}")
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

    @torch.no_grad()
    def bake(self, *sizes: int) -> nn.Module:
        """``torch.nn.Conv*d`` (behind a torch padding module where needed) with the same outputs.

        ``sizes`` (the input's spatial size, optional) decide, for very long kernels, whether the
        FFT engine is faster: then a frozen fixed-kernel layer is returned (see
        :func:`anyconv.layers.baking.plain_conv`).
        """
        from anyconv.layers.baking import plain_conv

        bias = None if self.bias is None else self.bias.detach().clone()
        return plain_conv(
            self.kernel.weight.detach().clone(), bias, ndim=self.ndim, mode=self.mode, padding=self.padding,
            stride=self.stride, dilation=self.dilation, groups=self.groups, padding_mode=self.padding_mode,
            flip=self.flip, method=self.method, sizes=tuple(sizes) or None,
        )

    def extra_repr(self) -> str:
        kernel = self.kernel
        return (
            f"{kernel.in_channels}, {kernel.out_channels}, kernel_size={kernel.kernel_size}, {self._conv_repr()}"
            + ("" if self.bias is not None else ", bias=False")
        )


@register("conv1d", kind="conv1d", example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=5), example_input_shape=(2, 4, 16))
class Conv1d(_DenseConvNd):
    """Dense 1-D convolution: ``torch.nn.Conv1d``'s arguments, plus a boundary ``mode`` and an engine.

    ``mode`` (keyword-only; ``"valid"``, ``"same"``, ``"causal"``, ``"full"``, ``"circular"``)
    replaces ``padding``; with neither, ``padding=0`` as torch. ``flip=True`` applies the kernel
    as a true convolution; ``method`` picks the engine (``layer.engine`` says which ran).

    Shape:
        x: ``(B, C_in, L)`` → ``(B, C_out, L_out)`` with torch's
        ``L_out = ⌊(L + 2 padding - dilation (K - 1) - 1) / stride⌋ + 1`` (see
        :func:`anyconv.functional.conv1d` for the modes).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] = 1,
        padding: Padding = 0,
        dilation: int | tuple[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        mode: str | None = None,
        method: str = "auto",
        flip: bool = False,
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, ndim=1,
            mode=mode, method=method, flip=flip, check_finite=check_finite, device=device, dtype=dtype,
        )


@register("conv2d", kind="conv2d", example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=(3, 4)), example_input_shape=(2, 4, 8, 9))
class Conv2d(_DenseConvNd):
    """Dense 2-D convolution: ``torch.nn.Conv2d``'s arguments, plus a boundary ``mode`` and an engine.

    See :class:`Conv1d`; ``mode="causal"`` is refused in 2-D.

    Shape:
        x: ``(B, C_in, H, W)`` → ``(B, C_out, H_out, W_out)``, torch's rule per axis (see
        :func:`anyconv.functional.conv2d`).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: Padding = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        mode: str | None = None,
        method: str = "auto",
        flip: bool = False,
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, ndim=2,
            mode=mode, method=method, flip=flip, check_finite=check_finite, device=device, dtype=dtype,
        )
