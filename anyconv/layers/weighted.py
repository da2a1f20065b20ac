"""``WeightedConv1d`` / ``WeightedConv2d``: ``torch.nn.Conv*d`` with a density-weighted kernel.

The kernel is ``weight ⊙ Φ`` with Φ the separable density of
:class:`anyconv.kernels.density.DensityKernel` (``α = [den, 1, reversed(den)]`` per axis).
A fixed density costs one elementwise product per forward and keeps ``torch.nn.Conv*d``'s
parameter count; ``learnable_density=True`` adds the ``(K-1)/2`` density values as a parameter
(hinted: no weight decay, optional ``density_lr``). :func:`anyconv.optimize_density` searches
the density by DIRECT-L on validation loss instead. ``bake()`` gives the plain
``torch.nn.Conv*d`` holding ``weight ⊙ Φ``.
"""

from __future__ import annotations

import torch

from anyconv.functional.geometry import Padding
from anyconv.kernels.density import DensityArg, DensityKernel
from anyconv.layers._structured import StructuredConvNd
from anyconv.layers.registry import register


class _WeightedConvNd(StructuredConvNd):
    kernel: DensityKernel

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
        density: DensityArg,
        learnable_density: bool,
        density_lr: float | None,
        check_finite: bool,
        device: torch.device | str | None,
        dtype: torch.dtype | None,
    ) -> None:
        super().__init__(
            ndim=ndim, mode=mode, padding=padding, stride=stride, dilation=dilation, groups=groups,
            padding_mode=padding_mode, method=method, flip=False, check_finite=check_finite,
        )
        self.kernel = DensityKernel(
            in_channels, out_channels, kernel_size, groups=groups, ndim=ndim, density=density,
            learnable=learnable_density, density_lr=density_lr, device=device, dtype=dtype,
        )
        self._init_bias(out_channels, bias, device, dtype)
        self._reset_bias()

    def set_density(self, density: DensityArg) -> None:
        """Replace the density values in place (see :meth:`DensityKernel.set_density`)."""
        self.kernel.set_density(density)

    def extra_repr(self) -> str:
        k = self.kernel
        den = [round(float(x), 4) for x in k.den.detach().cpu()]
        return (
            f"{k.in_channels}, {k.out_channels}, kernel_size={k.kernel_size}, bias={self.bias is not None}, "
            f"{self._conv_repr()}, density={den}{', learnable' if k.learnable else ''}"
        )


@register(
    "weightedconv1d", kind="conv1d",
    example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=5, padding=2, density=[0.3, 0.8], learnable_density=True),
    example_input_shape=(2, 4, 16),
)
class WeightedConv1d(_WeightedConvNd):
    """Density-weighted 1-D convolution (weighted convolution), a drop-in ``torch.nn.Conv1d``.

    Takes ``torch.nn.Conv1d``'s arguments in its order; ``kernel_size`` must be odd. Extras:
    ``mode`` (instead of ``padding``), ``method`` (engine), ``density`` (``(K-1)/2`` floats, the
    outermost first; ``None``: the reference's suggestion for K = 3, 5, 7, else all ones),
    ``learnable_density``, ``density_lr``.

    Shape:
        x: ``(B, C_in, L)`` → ``(B, C_out, L_out)`` with ``L_out`` as ``torch.nn.Conv1d``.
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
        density: DensityArg = None,
        learnable_density: bool = False,
        density_lr: float | None = None,
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, ndim=1,
            mode=mode, method=method, density=density, learnable_density=learnable_density, density_lr=density_lr,
            check_finite=check_finite, device=device, dtype=dtype,
        )


@register(
    "weightedconv2d", kind="conv2d",
    example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=(3, 5), padding=(1, 2), density=[[0.5], [0.3, 0.8]]),
    example_input_shape=(2, 4, 8, 9),
)
class WeightedConv2d(_WeightedConvNd):
    """Density-weighted 2-D convolution (weighted convolution), a drop-in ``torch.nn.Conv2d``.

    Takes ``torch.nn.Conv2d``'s arguments in its order; every kernel side must be odd. Extras:
    ``mode`` (instead of ``padding``), ``method`` (engine), ``density`` (``(K-1)/2`` floats shared
    by both axes of a square kernel, or one sequence per axis; ``None``: the reference's
    suggestion for K = 3, 5, 7, else all ones), ``learnable_density``, ``density_lr``.

    Shape:
        x: ``(B, C_in, H, W)`` → ``(B, C_out, H_out, W_out)`` as ``torch.nn.Conv2d``.
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
        density: DensityArg = None,
        learnable_density: bool = False,
        density_lr: float | None = None,
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, ndim=2,
            mode=mode, method=method, density=density, learnable_density=learnable_density, density_lr=density_lr,
            check_finite=check_finite, device=device, dtype=dtype,
        )
