"""Argument validation shared by every engine: one place, one set of messages."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from anyconv.functional.geometry import Geometry, Padding, make_geometry

METHODS: tuple[str, ...] = ("auto", "direct", "fft")


@dataclass(frozen=True)
class ConvProblem:
    """The validated sizes of one convolution call."""

    ndim: int  # number of spatial axes (1 or 2)
    batch: int
    in_channels: int
    out_channels: int
    groups: int
    lengths: tuple[int, ...]  # input spatial sizes
    kernel_sizes: tuple[int, ...]
    per_sample: bool  # weight carries a leading batch dimension
    geometry: Geometry  # boundary handling, stride, dilation
    pads: tuple[tuple[int, int], ...]  # (left, right) extension of each spatial axis
    output_lengths: tuple[int, ...]  # output spatial sizes (torch's rule)

    @property
    def mode(self) -> str | None:
        """The boundary mode asked for (None when torch's ``padding`` was given)."""
        return self.geometry.mode

    @property
    def effective_kernel_sizes(self) -> tuple[int, ...]:
        """Span of the dilated kernel per axis, ``d · (K - 1) + 1``."""
        return self.geometry.effective_kernel_sizes(self.kernel_sizes)


def _shape_names(ndim: int) -> tuple[str, str]:
    spatial = "L" if ndim == 1 else "H, W"
    kernel = "K" if ndim == 1 else "Kh, Kw"
    return spatial, kernel


def _autocast_mix(x: Tensor, other: torch.dtype) -> bool:
    """Under ``torch.autocast`` a float32 parameter may meet a half-precision activation."""
    allowed = (torch.float16, torch.bfloat16, torch.float32)
    return x.dtype in allowed and other in allowed and torch.is_autocast_enabled(x.device.type)


def check_conv_args(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    *,
    ndim: int,
    mode: str | None = None,
    groups: int = 1,
    method: str = "auto",
    padding: Padding | None = None,
    stride: int | tuple[int, ...] = 1,
    dilation: int | tuple[int, ...] = 1,
    padding_mode: str = "zeros",
    geometry: Geometry | None = None,
) -> ConvProblem:
    """Validate the arguments of ``conv1d``/``conv2d`` and return their sizes.

    Raises ``TypeError`` for non-tensors and dtype/device mismatches (nothing is coerced) and
    ``ValueError`` for shapes, groups, modes, paddings, strides, dilations and methods, each
    saying what was expected (see :func:`anyconv.functional.geometry.make_geometry`).
    ``geometry``: one already made from these arguments (layers keep theirs), not validated again.
    """
    name = f"conv{ndim}d"
    spatial, kernel = _shape_names(ndim)
    for arg_name, value in (("x", x), ("weight", weight)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}: {arg_name} must be a torch.Tensor, got {type(value).__name__}")
        if not value.is_floating_point():
            raise TypeError(f"{name}: {arg_name} must be a floating-point tensor, got dtype {value.dtype}")
    if weight.dtype != x.dtype and not _autocast_mix(x, weight.dtype):
        raise TypeError(f"{name}: weight dtype {weight.dtype} differs from x dtype {x.dtype}; cast one explicitly")
    if weight.device != x.device:
        raise TypeError(f"{name}: weight is on {weight.device} but x is on {x.device}")
    if geometry is None:
        geometry = make_geometry(
            ndim=ndim, mode=mode, padding=padding, stride=stride, dilation=dilation, padding_mode=padding_mode,
            name=name,
        )
    if method not in METHODS:
        raise ValueError(f"{name}: method must be one of {METHODS}, got {method!r}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{name}: groups must be a positive int, got {groups!r}")

    if x.ndim != ndim + 2:
        raise ValueError(f"{name}: x must have shape (B, C_in, {spatial}) ({ndim + 2}-D), got shape {tuple(x.shape)}")
    if weight.ndim not in (ndim + 2, ndim + 3):
        raise ValueError(
            f"{name}: weight must have shape (C_out, C_in/groups, {kernel}) or, per sample, "
            f"(B, C_out, C_in/groups, {kernel}); got shape {tuple(weight.shape)}"
        )
    per_sample = weight.ndim == ndim + 3
    batch, in_channels = x.shape[0], x.shape[1]
    if per_sample and weight.shape[0] != batch:
        raise ValueError(f"{name}: per-sample weight has batch {weight.shape[0]} but x has batch {batch}")
    out_channels, in_per_group = weight.shape[-ndim - 2], weight.shape[-ndim - 1]
    if in_channels % groups != 0:
        raise ValueError(f"{name}: C_in={in_channels} is not divisible by groups={groups}")
    if out_channels % groups != 0:
        raise ValueError(f"{name}: C_out={out_channels} (weight dim {-ndim - 2}) is not divisible by groups={groups}")
    if in_per_group != in_channels // groups:
        raise ValueError(
            f"{name}: weight expects C_in/groups={in_per_group} channels per group but x has "
            f"C_in={in_channels} with groups={groups} (= {in_channels // groups} per group)"
        )
    lengths = tuple(int(n) for n in x.shape[-ndim:])
    kernel_sizes = tuple(int(k) for k in weight.shape[-ndim:])
    if min(kernel_sizes) < 1 or min(lengths) < 1:
        raise ValueError(f"{name}: empty spatial axis: x {tuple(x.shape)}, weight {tuple(weight.shape)}")
    problem = ConvProblem(
        ndim, batch, in_channels, out_channels, groups, lengths, kernel_sizes, per_sample, geometry,
        geometry.pads(kernel_sizes), geometry.output_lengths(lengths, kernel_sizes),
    )
    if min(problem.output_lengths) < 1:
        how = f"mode={geometry.mode!r}" if geometry.mode is not None else f"padding={geometry.padding!r}"
        raise ValueError(
            f"{name}: {how} needs kernel sizes {kernel_sizes} (dilated spans {problem.effective_kernel_sizes}) "
            f"<= padded input sizes, got input sizes {lengths} padded by {problem.pads}; "
            "use mode='same', 'full' or 'causal' for longer kernels"
        )
    if geometry.padding_mode == "reflect" and any(
        left >= n or right >= n for (left, right), n in zip(problem.pads, lengths)
    ):
        raise ValueError(
            f"{name}: padding_mode='reflect' needs each padding < the input size, got padding "
            f"{problem.pads} (left, right per axis) for input sizes {lengths}"
        )
    if bias is not None:
        if not isinstance(bias, Tensor):
            raise TypeError(f"{name}: bias must be a torch.Tensor or None, got {type(bias).__name__}")
        if (bias.dtype != x.dtype and not _autocast_mix(x, bias.dtype)) or bias.device != x.device:
            raise TypeError(f"{name}: bias is {bias.dtype} on {bias.device}, expected {x.dtype} on {x.device}")
        allowed = [(out_channels,)] + ([(batch, out_channels)] if per_sample else [])
        if tuple(bias.shape) not in allowed:
            raise ValueError(f"{name}: bias must have shape {' or '.join(map(str, allowed))}, got {tuple(bias.shape)}")
    return problem

