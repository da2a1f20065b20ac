"""``SMPConv1d`` / ``SMPConv2d``: convolution with a self-moving point kernel (Kim & Park 2023,
"SMPConv: Self-moving Point Representations for Continuous Convolution"; ``sangnekim/SMPConv``).

The kernel is :class:`~anyconv.kernels.points.SMPKernel` — ``K(x) = Σ_i w_i · relu(1 − ‖x − p_i‖₁ / r_i)``
with learnable points, radii (kept positive inside the kernel, no training-loop clipping) and
weights — evaluated by the shared continuous-layer machinery of
:mod:`anyconv.layers.continuous_base`: the same geometry, length / resolution rules, irregular
sampling (``times``, ``mask``), engines and ``bake`` as ``CKConv1d`` / ``FlexConv1d``. No MLP: the
kernel costs ``O(C_out · P · K)`` to sample, and its parameters are the ``P`` points.

Initial points (as the references): causal 1-D kernels start with their points near "now"
(position ``+1``, a half-normal of std ``coord_std`` below it — the sequence reference's
``trunc_normal(std=0.1, a=−1, b=0)·2 + 1``), centred ones (``mode="same"``, 2-D) around ``0``.
The initial radius defaults to two grid steps (the ImageNet reference's ``2 · 2/kernel_size``),
computed from ``kernel_size`` or, with ``kernel_size=None``, from ``reference_length``; without
either it is 0.05 (two steps of a 41-sample input). Small kernels (``kernel_size`` of at most 25
taps, e.g. 3×3 or 5×5, where the references use a dense conv) with ``n_points=None`` instead
start with one point per tap, *on* the taps, of radius one grid step: at initialisation the
kernel is a dense kernel whose taps are the weights, and training moves and widens the points.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from anyconv.kernels.points import SMPKernel
from anyconv.kernels.positions import linspace_grid
from anyconv.layers.continuous_base import ContinuousConv
from anyconv.layers.registry import register

SMALL_KERNEL_TAPS = 25  # kernels of at most this many taps start with one point per tap


class _SMPConv(ContinuousConv):
    def __init__(
        self, in_channels: int, out_channels: int, *, ndim: int, kernel_size: int | tuple[int, ...] | None, mode: str,
        groups: int, bias: bool, method: str, reference_length: int | None, n_points: int | None,
        radius: float | None, coord_std: float, weight_std: float, min_radius: float, average: bool,
        radius_lr_scale: float, check_finite: bool, device: torch.device | str | None, dtype: torch.dtype | None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, ndim=ndim, kernel_size=kernel_size, mode=mode, groups=groups, bias=bias,
            method=method, reference_length=reference_length, check_finite=check_finite, device=device, dtype=dtype,
        )
        taps = None if self.kernel_size is None else math.prod(self.kernel_size)
        # small kernels: one point per tap, on the taps, one grid step wide (a dense kernel at init)
        self.points_on_taps = n_points is None and taps is not None and 1 < taps <= SMALL_KERNEL_TAPS
        if n_points is None:
            n_points = 30 if taps is None or ndim == 1 else max(1, taps // 4)
            n_points = taps if self.points_on_taps and taps is not None else n_points
        if radius is None:
            radius = self._default_radius(one_step=self.points_on_taps)
        self.kernel = SMPKernel(
            in_channels, out_channels, n_points=n_points, ndim=ndim, groups=groups,
            radius=radius, origin=1.0 if mode == "causal" else 0.0,
            coord_std=coord_std, weight_std=weight_std, min_radius=min_radius, average=average,
            radius_lr_scale=radius_lr_scale, device=device, dtype=dtype,
        )

    def _default_radius(self, *, one_step: bool = False) -> float:
        """Two grid steps of the kernel's tap grid (one with points on the taps; 0.05 when the grid is not known yet)."""
        if self.kernel_size is not None:
            taps = max(self.kernel_size)
            return (2.0 if one_step else 4.0) / (taps - 1) if taps > 1 else 1.0
        if self.reference_length is not None:  # causal: N taps over [-1, 1]; same: 2N - 1 taps
            span = self.reference_length - 1
            return 4.0 / span if self.mode == "causal" else 2.0 / span
        return 0.05

    def reset_parameters(self) -> None:
        self.kernel.reset_parameters()
        if self.points_on_taps and self.kernel_size is not None:
            grid = linspace_grid(self.kernel_size, device=self.kernel.coords.device, dtype=self.kernel.coords.dtype)
            with torch.no_grad():  # layout of the tap grid: (K, d) -> (C_out, K, d)
                self.kernel.coords.copy_(grid.expand(self.out_channels, -1, -1))
        if self.bias is not None:
            torch.nn.init.zeros_(self.bias)  # as the reference

    def evaluate(self, positions: Tensor) -> Tensor:
        return self.kernel(positions)  # (N, d) -> (C_out, C_in/g, N)

    def extra_repr(self) -> str:
        return f"{self._continuous_repr()}, n_points={self.kernel.n_points}"


@register(
    "smpconv1d", kind="conv1d", example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=None),
    example_input_shape=(2, 4, 16),
)
class SMPConv1d(_SMPConv):
    """Self-moving point convolution, 1-D: a sum of learnable tents sampled at the input's relative times.

    Args:
        in_channels, out_channels, groups, bias: as ``torch.nn.Conv1d``.
        kernel_size: taps at the grid step (int), or None: the kernel spans the whole input
            (see :mod:`anyconv.layers.continuous_base` for what a length change then means).
        mode: ``"causal"`` (default; last tap = "now") or ``"same"`` (centred, past and future).
        method: engine for regular inputs (``"auto"``, ``"direct"``, ``"fft"``).
        reference_length: with ``kernel_size=None``, the length at which the kernel is used
            unscaled; at length ``N`` it is multiplied by ``(reference_length − 1)/(N − 1)``.
        n_points: points per output channel (None: 30, the reference's sequence setting).
        radius: initial radius in position units (None: two grid steps, see the module doc).
        coord_std, weight_std, min_radius, average, radius_lr_scale: see
            :class:`~anyconv.kernels.points.SMPKernel`.

    ``forward(x, times=None, mask=None)``: irregular samples as :class:`~anyconv.layers.ckconv.CKConv1d`.

    Shape:
        x: ``(B, C_in, N)``, times/mask: ``(B, N)`` → ``(B, C_out, N)``
    """

    def __init__(
        self, in_channels: int, out_channels: int, *, kernel_size: int | None = None, mode: str = "causal",
        groups: int = 1, bias: bool = True, method: str = "auto", reference_length: int | None = None,
        n_points: int | None = None, radius: float | None = None, coord_std: float = 0.2, weight_std: float = 0.02,
        min_radius: float = 1e-4, average: bool = False, radius_lr_scale: float = 0.1, check_finite: bool = True,
        device: torch.device | str | None = None, dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, ndim=1, kernel_size=kernel_size, mode=mode, groups=groups, bias=bias,
            method=method, reference_length=reference_length, n_points=n_points, radius=radius, coord_std=coord_std,
            weight_std=weight_std, min_radius=min_radius, average=average, radius_lr_scale=radius_lr_scale,
            check_finite=check_finite, device=device, dtype=dtype,
        )
        self.reset_parameters()


@register(
    "smpconv2d", kind="conv2d", example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=5),
    example_input_shape=(2, 4, 8, 9),
)
class SMPConv2d(_SMPConv):
    """Self-moving point convolution, 2-D: learnable pyramids sampled on a ``Kh × Kw`` grid in ``[−1, 1]²``.

    The output keeps the spatial size (``mode="same"`` or ``"circular"``). ``n_points=None``
    gives ``Kh·Kw // 4`` points (the ImageNet reference's ``n_points_divide=4``). Other arguments
    as :class:`SMPConv1d`.

    Shape:
        ``(B, C_in, H, W)`` → ``(B, C_out, H, W)``
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int], *, mode: str = "same",
        groups: int = 1, bias: bool = True, method: str = "auto", n_points: int | None = None,
        radius: float | None = None, coord_std: float = 0.2, weight_std: float = 0.02, min_radius: float = 1e-4,
        average: bool = False, radius_lr_scale: float = 0.1, check_finite: bool = True,
        device: torch.device | str | None = None, dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, ndim=2, kernel_size=kernel_size, mode=mode, groups=groups, bias=bias,
            method=method, reference_length=None, n_points=n_points, radius=radius, coord_std=coord_std,
            weight_std=weight_std, min_radius=min_radius, average=average, radius_lr_scale=radius_lr_scale,
            check_finite=check_finite, device=device, dtype=dtype,
        )
        self.reset_parameters()
