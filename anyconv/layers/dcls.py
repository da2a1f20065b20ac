"""``DCLSConv1d`` / ``DCLSConv2d``: dilated convolution with learnable spacings.

``kernel_count`` weights per ``(out, in/groups)`` pair sit at learnable real positions inside a
dense kernel of ``kernel_size`` (the package's ``dilated_kernel_size``) and are interpolated
onto it (:class:`anyconv.kernels.dcls.DCLSKernel`: Gaussian with learnable σ by default,
bilinear, triangle); the dense kernel then goes through the engine with torch's ``Conv*d``
arguments. Positions are clamped to the grid inside ``forward``; :meth:`DCLSConv2d.clamp_parameters`
(or :func:`clamp_positions` on a whole model) is the explicit per-step hook that projects the
parameters after each optimiser step, as the ``DCLS`` package's ``clamp_parameters``.
``bake()`` gives the plain ``torch.nn.Conv*d`` holding the constructed kernel.
"""

from __future__ import annotations

import torch
from torch import nn

from anyconv.functional.geometry import Padding
from anyconv.kernels.dcls import DCLSKernel
from anyconv.layers._structured import StructuredConvNd
from anyconv.layers.registry import register


class _DCLSConvNd(StructuredConvNd):
    kernel: DCLSKernel

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
        kernel_count: int | None,
        interpolation: str,
        position_lr_scale: float | None,
        check_finite: bool,
        device: torch.device | str | None,
        dtype: torch.dtype | None,
    ) -> None:
        super().__init__(
            ndim=ndim, mode=mode, padding=padding, stride=stride, dilation=dilation, groups=groups,
            padding_mode=padding_mode, method=method, flip=False, check_finite=check_finite,
        )
        self.kernel = DCLSKernel(
            in_channels, out_channels, kernel_size, kernel_count=kernel_count, groups=groups, ndim=ndim,
            interpolation=interpolation, position_lr_scale=position_lr_scale, device=device, dtype=dtype,
        )
        self._init_bias(out_channels, bias, device, dtype)
        self._reset_bias()

    def clamp_parameters(self) -> None:
        """Project the positions onto the kernel grid in place; call after each optimiser step."""
        self.kernel.clamp_parameters()

    def extra_repr(self) -> str:
        k = self.kernel
        return (
            f"{k.in_channels}, {k.out_channels}, kernel_size={k.kernel_size}, kernel_count={k.kernel_count}, "
            f"interpolation={k.interpolation!r}, bias={self.bias is not None}, {self._conv_repr()}"
        )


def clamp_positions(model: nn.Module) -> int:
    """Call ``clamp_parameters()`` on every DCLS layer of ``model``; returns how many there were.

    The per-step hook of DCLS training: run it after ``optimizer.step()``.
    """
    layers = [m for m in model.modules() if isinstance(m, _DCLSConvNd)]
    for layer in layers:
        layer.clamp_parameters()
    return len(layers)


@register(
    "dclsconv1d", kind="conv1d",
    example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=7, padding=3, kernel_count=3),
    example_input_shape=(2, 4, 16),
)
class DCLSConv1d(_DCLSConvNd):
    """Dilated convolution with learnable spacings, 1-D (a drop-in ``torch.nn.Conv1d``).

    Takes ``torch.nn.Conv1d``'s arguments in its order; ``kernel_size`` is the dense
    (dilated) kernel the positions live in (any size, even ones too). Extras: ``mode`` (instead
    of ``padding``), ``method`` (engine), ``kernel_count`` (weights per input/output pair;
    default ``ndim · ⌈sqrt(Π K)⌉``), ``interpolation`` (``"gauss"``, ``"bilinear"``,
    ``"triangle"``), ``position_lr_scale`` (learning-rate hint for positions and σ).

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
        kernel_count: int | None = None,
        interpolation: str = "gauss",
        position_lr_scale: float | None = None,
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, ndim=1,
            mode=mode, method=method, kernel_count=kernel_count, interpolation=interpolation,
            position_lr_scale=position_lr_scale, check_finite=check_finite, device=device, dtype=dtype,
        )


@register(
    "dclsconv2d", kind="conv2d",
    example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=(5, 7), padding=(2, 3), kernel_count=4),
    example_input_shape=(2, 4, 8, 9),
)
class DCLSConv2d(_DCLSConvNd):
    """Dilated convolution with learnable spacings, 2-D (a drop-in ``torch.nn.Conv2d``).

    Takes ``torch.nn.Conv2d``'s arguments in its order; ``kernel_size`` is the dense
    (dilated) kernel the positions live in (any size, even ones too). Extras: ``mode`` (instead
    of ``padding``), ``method`` (engine), ``kernel_count`` (weights per input/output pair;
    default ``ndim · ⌈sqrt(Π K)⌉``), ``interpolation`` (``"gauss"``, ``"bilinear"``,
    ``"triangle"``), ``position_lr_scale`` (learning-rate hint for positions and σ).

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
        kernel_count: int | None = None,
        interpolation: str = "gauss",
        position_lr_scale: float | None = None,
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, ndim=2,
            mode=mode, method=method, kernel_count=kernel_count, interpolation=interpolation,
            position_lr_scale=position_lr_scale, check_finite=check_finite, device=device, dtype=dtype,
        )

