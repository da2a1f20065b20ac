"""The shared body of CondConv and DynamicConv: route, mix the experts, apply per sample.

``y = engine(x, Σ_e r_e(x) W_e, Σ_e r_e(x) b_e)`` with one mixed kernel per example, applied by
the engines' per-sample path (the batch folded into convolution groups: one call, no loop).

**Causal mode** (1-D, ``mode="causal"``). A routing computed from the global average of the
sequence would let the future steer the kernel applied to the past. Instead the router reads the
running mean ``mean(x[..., :t+1])``, so the routing ``r(t)`` is a ``(B, K, L)`` tensor, and the
output is ``y[t] = Σ_e r_e(t) · (W_e ⋆ x)[t] + Σ_e r_e(t) b_e``: the experts are applied as one
shared bank of ``C_out·K`` causal kernels and their outputs mixed per time step. Every term reads
``x[..., :t+1]`` only, so the layer is exactly causal and still data-dependent; with a routing
that does not vary in time it equals the per-sample kernel ``Σ_e r_e W_e``. It costs ``K`` times
the convolution (the per-sample path costs one), and needs ``stride=1``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from anyconv.kernels.conditional import ExpertKernels
from anyconv.layers.baking import plain_conv
from anyconv.layers.base import KernelConv


class ConditionalConvNd(KernelConv):
    """Base of :class:`~anyconv.layers.condconv.CondConv1d`/``2d`` and the DynamicConv layers.

    Subclasses set ``self.router`` (a module mapping ``x`` to a ``(B, K)`` routing, or
    ``(B, K, L)`` when ``causal``) in ``__init__`` after calling this one.

    Shape:
        x: ``(B, C_in, *S)``; routing: ``(B, K)`` (causal mode also ``(B, K, L)``) →
        ``(B, C_out, *S_out)`` with ``S_out`` as ``torch.nn.Conv*d`` (or ``mode``) gives it.
    """

    data_dependent = True  # anyconv.bake leaves it alone; bake(x) is for analysis
    router: nn.Module

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | str | tuple[int, ...] = 0,
        dilation: int | tuple[int, ...] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        ndim: int,
        num_experts: int,
        mode: str | None,
        method: str,
        check_finite: bool,
        device: torch.device | str | None,
        dtype: torch.dtype | None,
    ) -> None:
        super().__init__(
            ndim=ndim, mode=mode, groups=groups, method=method, flip=False, check_finite=check_finite,
            stride=stride, padding=padding, dilation=dilation, padding_mode=padding_mode,
        )
        if not isinstance(bias, bool):
            raise ValueError(f"bias must be True or False, got {bias!r}")
        self.causal = mode == "causal"
        if self.causal and self.stride != (1,):
            raise ValueError(f"mode='causal' needs stride=1 (the routing varies with time), got stride={stride!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel = ExpertKernels(
            in_channels, out_channels, kernel_size, num_experts=num_experts, groups=groups, bias=bias, ndim=ndim,
            device=device, dtype=dtype,
        )

    @property
    def num_experts(self) -> int:
        return self.kernel.num_experts

    def reset_parameters(self) -> None:
        self.kernel.reset_parameters()
        for module in self.router.modules():
            if isinstance(module, nn.Linear):
                module.reset_parameters()

    def _check_input(self, x: Tensor) -> None:
        spatial = "L" if self.ndim == 1 else "H, W"
        if not isinstance(x, Tensor) or x.ndim != self.ndim + 2 or x.shape[1] != self.in_channels:
            got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{type(self).__name__}: expected x of shape (B, {self.in_channels}, {spatial}), got {got}")

    def routing_for(self, x: Tensor, routing: Tensor | None = None) -> Tensor:
        """The routing used for ``x``: the router's, or ``routing`` after its shape is checked."""
        self._check_input(x)
        if routing is None:
            return self.router(x)
        self.kernel.check_routing(routing, x.shape[0], length=x.shape[-1] if self.causal else None)
        return routing

    def forward(self, x: Tensor, routing: Tensor | None = None) -> Tensor:
        """Convolve ``x`` with its own mixture of the experts.

        ``routing`` replaces the built-in router (e.g. one routing shared by several layers, as
        timm's CondConv blocks do): ``(B, num_experts)``, or in causal mode also
        ``(B, num_experts, L)``; a wrong size raises a ValueError.
        """
        routing = self.routing_for(x, routing)
        if routing.ndim == 2:  # one kernel per example: the engine's per-sample path
            return self._conv_forward(x, self.kernel(routing), self.kernel.mix_bias(routing))
        return self._time_varying(x, routing)

    def _time_varying(self, x: Tensor, routing: Tensor) -> Tensor:
        """Causal mode: every expert through one shared bank, outputs mixed per time step."""
        batch, length, k = x.shape[0], x.shape[-1], self.num_experts
        y = self._conv_forward(x, self.kernel.bank(), None)  # (B, C_out·K, L)
        y = y.reshape(batch, self.out_channels, k, length)  # (B, C_out, K, L)
        out = torch.einsum("bokl,bkl->bol", y, routing.to(y.dtype))  # (B, C_out, L)
        bias = self.kernel.mix_bias(routing)  # (B, C_out, L) or None
        return out if bias is None else out + bias.to(out.dtype)

    def mixed_kernels(self, x: Tensor, routing: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """The per-example kernels and biases this layer applies to ``x`` (no gradient tracking).

        Shape:
            ``(B, C_out, C_in/groups, *k)`` and ``(B, C_out)`` (or ``None`` without bias).
        """
        if self.causal:
            raise ValueError(
                f"{type(self).__name__} in causal mode mixes its experts per time step: there is no single "
                "kernel per example (build it with mode='same' or a padding to inspect kernels)"
            )
        with torch.no_grad():
            routing = self.routing_for(x, routing)
            return self.kernel(routing), self.kernel.mix_bias(routing)

    def bake(self, x: Tensor, routing: Tensor | None = None) -> nn.ModuleList:
        """Plain convolutions with this layer's kernels for the examples of ``x`` (analysis only).

        Entry ``b`` applied to ``x[b:b+1]`` gives ``self(x)[b:b+1]``; a different input needs
        different kernels, which is why :func:`anyconv.bake` skips this layer (``data_dependent``).
        """
        weight, bias = self.mixed_kernels(x, routing)
        args: dict[str, Any] = dict(
            mode=self.mode, padding=self.padding, stride=self.stride, dilation=self.dilation, groups=self.groups,
            padding_mode=self.padding_mode, method=self.method, sizes=tuple(int(n) for n in x.shape[2:]),
        )
        return nn.ModuleList(
            plain_conv(weight[b], None if bias is None else bias[b], ndim=self.ndim, **args) for b in range(weight.shape[0])
        )

    def extra_repr(self) -> str:
        k = self.kernel
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={k.kernel_size}, num_experts={k.num_experts}, "
            f"bias={k.bias is not None}, {self._conv_repr()}"
        )
