"""The common shell of layers whose kernel module builds a fixed-size weight from parameters.

``WeightedConv*d`` and ``DCLSConv*d`` share it: torch's ``Conv*d`` arguments (handled by
:class:`~anyconv.layers.base.KernelConv`), a bias initialised as torch's, ``forward`` =
engine(x, kernel(), bias), and ``bake`` to a plain ``torch.nn.Conv*d`` once trained.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from anyconv.kernels.base import Kernel
from anyconv.layers.base import KernelConv


class StructuredConvNd(KernelConv):
    """A :class:`KernelConv` around ``self.kernel`` (set by the subclass) with an optional bias.

    Shape:
        x: ``(B, C_in, *S)`` → ``(B, C_out, *S_out)`` as ``torch.nn.Conv*d`` (or the ``mode``).
    """

    kernel: Kernel

    def _init_bias(self, out_channels: int, bias: bool, device: torch.device | str | None, dtype: torch.dtype | None) -> None:
        if not isinstance(bias, bool):
            raise ValueError(f"bias must be True or False, got {bias!r}")
        self.bias = nn.Parameter(torch.empty(out_channels, device=device, dtype=dtype)) if bias else None

    def reset_parameters(self) -> None:
        """The kernel's own initialisation, then the bias as ``torch.nn.ConvNd`` (its fan-in)."""
        self.kernel.reset_parameters()  # type: ignore[operator]
        self._reset_bias()

    def _reset_bias(self) -> None:
        """The bias as ``torch.nn.ConvNd``; constructors call this alone after building the kernel
        (which initialised itself), so one seed gives torch's weight and bias."""
        if self.bias is not None:
            weight = self.kernel.weight
            fan_in = weight[0].numel() if isinstance(weight, Tensor) else 0
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        return self._conv_forward(x, self.kernel(), self.bias)

    @torch.no_grad()
    def bake(self, *sizes: int) -> nn.Module:
        """A plain module with the same outputs: ``torch.nn.Conv*d`` holding :meth:`weight`.

        ``sizes`` (the input's spatial size) are accepted for the baking protocol and unused:
        the kernel does not depend on them.
        """
        from anyconv.layers.baking import plain_conv

        bias = None if self.bias is None else self.bias.detach().clone()
        return plain_conv(
            self.kernel().detach().clone(), bias, ndim=self.ndim, mode=self.mode, padding=self.padding,
            stride=self.stride, dilation=self.dilation, groups=self.groups, padding_mode=self.padding_mode,
            flip=False, method=self.method,
        )
