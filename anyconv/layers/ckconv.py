"""``CKConv1d`` / ``CKConv2d``: a kernel network sampled at relative positions (Romero et al. 2022,
"CKConv: Continuous Kernel Convolution for Sequential Data"; references ``dwromero/ckconv``,
``david-knigge/ccnn``).

``K(p) = net(p)``, ``net`` one of :mod:`anyconv.kernels.continuous` (SIREN by default, as the
paper), reshaped to ``(C_out, C_in/groups)`` per position. Its output layer is scaled at
initialisation by ``√(1 / (C_in/groups · K₀))`` (Chang et al. 2020, the CCNN reference's
``chang_initialize``) with ``K₀`` the number of taps (``kernel_size``, else ``reference_length``;
no scaling when neither is known), so the output variance does not grow with the kernel length.
Geometry, the length/resolution rules and irregular sampling: :mod:`anyconv.layers.continuous_base`.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from anyconv.kernels.continuous import make_kernel_net
from anyconv.layers.continuous_base import ContinuousConv
from anyconv.layers.registry import register


class _NetConv(ContinuousConv):
    """A continuous layer whose kernel is a kernel network (CKConv; FlexConv adds a mask)."""

    def __init__(
        self, in_channels: int, out_channels: int, *, ndim: int, kernel_size: int | tuple[int, ...] | None, mode: str,
        groups: int, bias: bool, method: str, reference_length: int | None, kernel_net: str, hidden: int,
        num_layers: int, omega_0: float, activation: str, norm: str, input_scale: float, init_spatial_value: float,
        check_finite: bool, device: torch.device | str | None, dtype: torch.dtype | None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, ndim=ndim, kernel_size=kernel_size, mode=mode, groups=groups, bias=bias,
            method=method, reference_length=reference_length, check_finite=check_finite, device=device, dtype=dtype,
        )
        self.kernel_net_name = kernel_net
        self.kernel_net = make_kernel_net(
            kernel_net, ndim, out_channels * (in_channels // groups), hidden=hidden, num_layers=num_layers,
            omega_0=omega_0, activation=activation, norm=norm, input_scale=input_scale,
            init_spatial_value=init_spatial_value, device=device, dtype=dtype,
        )

    def _initial_taps(self) -> int | None:
        if self.kernel_size is not None:
            return math.prod(self.kernel_size)
        return self.reference_length

    def reset_parameters(self) -> None:
        reset = getattr(self.kernel_net, "reset_parameters", None)
        if callable(reset):
            reset()
        else:  # KernelMLP / RandomFourierFeatures: torch's default init of each Linear
            for module in self.kernel_net.modules():
                if module is not self.kernel_net and callable(getattr(module, "reset_parameters", None)):
                    module.reset_parameters()  # type: ignore[operator]
        taps = self._initial_taps()
        if taps is not None:
            with torch.no_grad():
                self.kernel_net.output.weight.mul_(math.sqrt(1.0 / ((self.in_channels // self.groups) * taps)))
        if self.bias is not None:
            torch.nn.init.zeros_(self.bias)  # as the references

    def evaluate(self, positions: Tensor) -> Tensor:
        values = self.kernel_net(positions)  # (N, C_out · C_in/g)
        return values.t().reshape(self.out_channels, self.in_channels // self.groups, -1)  # (C_out, C_in/g, N)

    def extra_repr(self) -> str:
        return f"{self._continuous_repr()}, kernel_net={self.kernel_net_name!r}"


@register(
    "ckconv1d", kind="conv1d", example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=None),
    example_input_shape=(2, 4, 16),
)
class CKConv1d(_NetConv):
    """Continuous kernel convolution, 1-D: a kernel network sampled at the input's relative times.

    Args:
        in_channels, out_channels, groups, bias: as ``torch.nn.Conv1d``.
        kernel_size: taps at the grid step (int), or None: the kernel spans the whole input
            (see :mod:`anyconv.layers.continuous_base` for what a length change then means).
        mode: ``"causal"`` (default; last tap = "now") or ``"same"`` (centred, past and future).
        method: engine for regular inputs (``"auto"``, ``"direct"``, ``"fft"``).
        reference_length: with ``kernel_size=None``, the length at which the kernel is used
            unscaled; at length ``N`` it is multiplied by ``(reference_length − 1)/(N − 1)``.
        kernel_net: ``"siren"`` (default), ``"mlp"``, ``"rff"`` or ``"magnet"``.
        hidden, num_layers: width and number of linear layers of the kernel network.
        omega_0: SIREN's ω0 (the paper: 31.09 for sMNIST, 43.46 for pMNIST).
        activation, norm: for ``kernel_net="mlp"``.
        input_scale, init_spatial_value: for ``kernel_net="magnet"``.

    ``forward(x, times=None, mask=None)``: with ``times`` (sample times in grid steps, strictly
    increasing) and/or ``mask`` (True = real sample) the kernel is evaluated at the pairwise time
    differences (:func:`anyconv.functional.irregular.irregular_conv`); on a regular grid this
    equals the regular path.

    Shape:
        x: ``(B, C_in, N)``, times/mask: ``(B, N)`` → ``(B, C_out, N)``
    """

    def __init__(
        self, in_channels: int, out_channels: int, *, kernel_size: int | None = None, mode: str = "causal",
        groups: int = 1, bias: bool = True, method: str = "auto", reference_length: int | None = None,
        kernel_net: str = "siren", hidden: int = 32, num_layers: int = 3, omega_0: float = 30.0,
        activation: str = "relu", norm: str = "none", input_scale: float = 25.6, init_spatial_value: float = 1.0,
        check_finite: bool = True, device: torch.device | str | None = None, dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, ndim=1, kernel_size=kernel_size, mode=mode, groups=groups, bias=bias,
            method=method, reference_length=reference_length, kernel_net=kernel_net, hidden=hidden,
            num_layers=num_layers, omega_0=omega_0, activation=activation, norm=norm, input_scale=input_scale,
            init_spatial_value=init_spatial_value, check_finite=check_finite, device=device, dtype=dtype,
        )
        self.reset_parameters()


@register(
    "ckconv2d", kind="conv2d", example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=5),
    example_input_shape=(2, 4, 8, 9),
)
class CKConv2d(_NetConv):
    """Continuous kernel convolution, 2-D: a kernel network sampled on a ``Kh × Kw`` grid in ``[−1, 1]²``.

    The output keeps the spatial size (``mode="same"`` or ``"circular"``). Other arguments as
    :class:`CKConv1d`.

    Shape:
        ``(B, C_in, H, W)`` → ``(B, C_out, H, W)``
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int], *, mode: str = "same",
        groups: int = 1, bias: bool = True, method: str = "auto", kernel_net: str = "siren", hidden: int = 32,
        num_layers: int = 3, omega_0: float = 30.0, activation: str = "relu", norm: str = "none",
        input_scale: float = 25.6, init_spatial_value: float = 1.0, check_finite: bool = True,
        device: torch.device | str | None = None, dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, ndim=2, kernel_size=kernel_size, mode=mode, groups=groups, bias=bias,
            method=method, reference_length=None, kernel_net=kernel_net, hidden=hidden, num_layers=num_layers,
            omega_0=omega_0, activation=activation, norm=norm, input_scale=input_scale,
            init_spatial_value=init_spatial_value, check_finite=check_finite, device=device, dtype=dtype,
        )
        self.reset_parameters()
