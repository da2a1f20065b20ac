"""``CKConv1d`` / ``CKConv2d``: a kernel network sampled at relative positions (Romero et al. 2022,
"CKConv: Continuous Kernel Convolution for Sequential Data"; references ``dwromero/ckconv``,
``david-knigge/ccnn``).

``K(p) = net(p)``, ``net`` one of :mod:`anyconv.kernels.continuous` (SIREN by default, as the
paper), reshaped to ``(C_out, C_in/groups)`` per position, times the fixed gain
``√(1 / (C_in/groups · K₀))`` (Chang et al. 2020, the CCNN reference's ``chang_initialize``) with
``K₀`` the number of taps (``kernel_size``; with ``kernel_size=None`` the reference length —
given or recorded by the first forward — and 1 before that), so the output variance does not
grow with the kernel length. The reference rescales the output layer's weights once instead; a
constant gain gives the same function at initialisation while Adam's steps on the output layer
stay at the scale of its Kaiming-initialised weights (the rescaled weights made 40 Adam steps at
lr 1e-2 oscillate in the DnCNN overfit test).
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

    def _mask_fraction(self) -> float:
        """Share of the taps a mask leaves at initialisation (1 without a mask)."""
        return 1.0

    def _gain(self) -> float:
        """Chang et al.'s ``√(1 / (C_in/groups · K₀))`` with ``K₀`` the taps in use at initialisation."""
        taps = math.prod(self.kernel_size) if self.kernel_size is not None else self.reference()
        if taps is None:
            return 1.0
        return math.sqrt(1.0 / ((self.in_channels // self.groups) * max(1.0, taps * self._mask_fraction())))

    def reset_parameters(self) -> None:
        reset = getattr(self.kernel_net, "reset_parameters", None)
        if callable(reset):
            reset()
        else:  # KernelMLP / RandomFourierFeatures: torch's default init of each Linear
            for module in self.kernel_net.modules():
                if module is not self.kernel_net and callable(getattr(module, "reset_parameters", None)):
                    module.reset_parameters()  # type: ignore[operator]
        if self.bias is not None:
            torch.nn.init.zeros_(self.bias)  # as the references

    def evaluate(self, positions: Tensor) -> Tensor:
        values = self.kernel_net(positions) * self._gain()  # (N, C_out · C_in/g)
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
            None: the length of the first input is recorded (buffer ``recorded_length``, saved
            in the state dict), so a model trained at ``L`` and run at ``2L`` reads the longer
            input as the same signal sampled twice as densely.
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
    :class:`CKConv1d`, except ``omega_0=10`` by default: 2-D kernels are small (3 to 33 taps a
    side) and ω0 = 30 puts several periods between two taps (measured: DnCNN with 3×3 CKConv2d,
    40 Adam steps at lr 1e-2 on a fixed batch, reaches 0.21 / 0.68 of the noisy input's MSE at
    ω0 = 10 and stays at ~1.0 at ω0 = 30; dense Conv2d 0.15 / 0.58).

    Shape:
        ``(B, C_in, H, W)`` → ``(B, C_out, H, W)``
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int], *, mode: str = "same",
        groups: int = 1, bias: bool = True, method: str = "auto", kernel_net: str = "siren", hidden: int = 32,
        num_layers: int = 3, omega_0: float = 10.0, activation: str = "relu", norm: str = "none",
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
