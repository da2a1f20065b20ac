"""``DCLSKernel``: a few weights at learnable real positions, interpolated onto a dense grid.

*Dilated Convolution with Learnable Spacings* (Khalfaoui-Hassani, Pellegrini, Masquelier; ICLR
2023) and its Gaussian follow-up place ``kernel_count`` weights per ``(out, in/groups)`` pair at
real-valued positions ``p`` inside a dense kernel of ``kernel_size`` and spread each weight over
the grid with an interpolation ``g``; the dense kernel is

    ``K[o, i, k] = Σ_c w[o, i, c] · Π_d g(k_d − c_d − p_d[o, i, c]) / Z[o, i, c]``,

``c_d = K_d // 2`` the centre index of axis ``d`` and ``Z = Π_d Σ_k g(...) + 1e-7`` the
reference's normalisation. Interpolations (``σ`` a learnable width per position and axis):

- ``"gauss"`` (the reference default): ``exp(−½ x² / s²)``, ``s = |σ| + 0.27``, σ starts at 0.23;
- ``"bilinear"``: ``max(0, 1 − |x|)`` (the original DCLS, the package's ``version="v1"``);
- ``"triangle"``: ``max(0, s − |x|)``, ``s = |σ| + 1``, σ starts at 0 (the package's ``"max"``).

Each is a product over axes, so the kernel is built axis by axis (``O(K_h + K_w)`` per position,
not ``O(K_h K_w)`` as in the package) and rectangular kernels are right: the package compares
its first position coordinate with the *column* index but offsets and clamps it with the first
(row) size, which only agrees for square kernels. Here ``positions[d]`` is the offset along
spatial axis ``d`` (``d = 0``: height), so on square kernels ``positions`` equals the package's
``P`` with its two coordinates swapped (``P = positions.flip(0)``; likewise ``SIG``).

Positions are clamped to the grid, ``−(K_d // 2) <= p_d <= K_d − 1 − K_d // 2``, inside
``forward`` (the kernel never reads outside its grid whatever the optimiser did); the
parameter itself is projected by :meth:`DCLSKernel.clamp_parameters`, the explicit per-step
hook (as the package's ``clamp_parameters``), which the training loop should call after each
optimiser step so that a position pushed past the border keeps a gradient.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from anyconv.kernels._args import choice, positive_int
from anyconv.kernels.base import Kernel
from anyconv.kernels.dense import _as_sizes
from anyconv.optim import set_optim_hints

INTERPOLATIONS = ("gauss", "bilinear", "triangle")
_SIGMA_OFFSET = {"gauss": 0.27, "triangle": 1.0}
_SIGMA_INIT = {"gauss": 0.23, "triangle": 0.0}
_EPS = 1e-7  # the reference's normalisation guard


def default_kernel_count(kernel_size: tuple[int, ...]) -> int:
    """``ndim · ⌈sqrt(Π K)⌉``: 34 taps in a 17×17 kernel (the paper's ConvNeXt-dcls), 6 in 3×3."""
    return len(kernel_size) * math.ceil(math.sqrt(math.prod(kernel_size)))


def position_limits(kernel_size: tuple[int, ...]) -> list[tuple[int, int]]:
    """Per axis, the range ``(low, high)`` of a position that stays on the grid."""
    return [(-(k // 2), k - 1 - k // 2) for k in kernel_size]


def axis_weights(offsets: Tensor, grid: Tensor, sigma: Tensor | None, interpolation: str) -> Tensor:
    """The interpolation weights of one axis, unnormalised.

    Shape:
        offsets, sigma: ``(*P)`` (positions already on the grid's index scale); grid: ``(K,)``
        → output ``(*P, K)``
    """
    x = grid - offsets.unsqueeze(-1)  # (*P, K)
    if interpolation == "bilinear":
        return (1 - x.abs()).relu()
    if sigma is None:
        raise ValueError(f"interpolation {interpolation!r} needs sigma")
    s = sigma.abs().unsqueeze(-1) + _SIGMA_OFFSET[interpolation]  # (*P, 1)
    if interpolation == "gauss":
        return torch.exp(-0.5 * (x / s).square())
    return (s - x.abs()).relu()


def _check_shapes(
    weight: Tensor, positions: Tensor, sigma: Tensor | None, kernel_size: tuple[int, ...], interpolation: str
) -> None:
    if weight.ndim != 3:
        raise ValueError(f"weight must have shape (C_out, C_in/groups, kernel_count), got {tuple(weight.shape)}")
    expected = (len(kernel_size), *weight.shape)
    if tuple(positions.shape) != expected:
        raise ValueError(
            f"positions must have shape (ndim, C_out, C_in/groups, kernel_count) = {expected}, got {tuple(positions.shape)}"
        )
    if (sigma is None) != (interpolation == "bilinear"):
        raise ValueError(f"interpolation {interpolation!r} {'takes no' if sigma is not None else 'needs a'} sigma")
    if sigma is not None and sigma.shape != positions.shape:
        raise ValueError(f"sigma must have the shape of positions {expected}, got {tuple(sigma.shape)}")


def construct_kernel(
    weight: Tensor, positions: Tensor, sigma: Tensor | None, kernel_size: tuple[int, ...], interpolation: str
) -> Tensor:
    """The dense kernel of ``kernel_count`` weights at ``positions`` (no clamping here).

    Shape:
        weight: ``(C_out, C_in/g, N)``; positions, sigma: ``(ndim, C_out, C_in/g, N)``
        → output ``(C_out, C_in/g, *kernel_size)``
    """
    _check_shapes(weight, positions, sigma, kernel_size, interpolation)
    per_axis = []
    for d, k in enumerate(kernel_size):
        grid = torch.arange(k, device=weight.device, dtype=weight.dtype)  # (K_d,)
        s = None if sigma is None else sigma[d]
        per_axis.append(axis_weights(positions[d] + k // 2, grid, s, interpolation))  # (C_out, C_in/g, N, K_d)
    norm = per_axis[0].sum(-1)  # (C_out, C_in/g, N)
    for g in per_axis[1:]:
        norm = norm * g.sum(-1)
    scaled = weight / (norm + _EPS)  # (C_out, C_in/g, N)
    if len(kernel_size) == 1:
        return (scaled.unsqueeze(-2) @ per_axis[0]).squeeze(-2)  # (Co, Ci, 1, N) @ (Co, Ci, N, K) -> (Co, Ci, K)
    rows = (scaled.unsqueeze(-1) * per_axis[0]).transpose(-1, -2)  # (Co, Ci, N, Kh) -> (Co, Ci, Kh, N)
    return rows @ per_axis[1]  # (Co, Ci, Kh, N) @ (Co, Ci, N, Kw) -> (Co, Ci, Kh, Kw)


class DCLSKernel(Kernel):
    """``kernel_count`` learnable weights at learnable real positions, interpolated (see module doc).

    Args:
        kernel_size: the dense (dilated) kernel the positions live in.
        kernel_count: weights per ``(out, in/groups)`` pair (default :func:`default_kernel_count`).
        interpolation: ``"gauss"`` (default), ``"bilinear"`` or ``"triangle"``.
        position_lr_scale: learning-rate multiplier hint for ``positions`` and ``sigma``
            (both never get weight decay).

    Parameters: ``weight (C_out, C_in/g, N)``, ``positions (ndim, C_out, C_in/g, N)`` and, for
    ``gauss``/``triangle``, ``sigma`` of the same shape as ``positions``.

    Shape:
        output: ``(C_out, C_in/groups, *kernel_size)``
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        *,
        kernel_count: int | None = None,
        groups: int = 1,
        ndim: int = 2,
        interpolation: str = "gauss",
        position_lr_scale: float | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if ndim not in (1, 2):
            raise ValueError(f"ndim must be 1 or 2, got {ndim!r}")
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            positive_int(name, value)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"in_channels={in_channels} and out_channels={out_channels} must both be divisible by groups={groups}")
        self.ndim = ndim
        self.kernel_size = _as_sizes(kernel_size, ndim)
        self.kernel_count = default_kernel_count(self.kernel_size) if kernel_count is None else positive_int("kernel_count", kernel_count)
        self.interpolation = choice("interpolation", interpolation, INTERPOLATIONS)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        factory = {"device": device, "dtype": dtype}
        pairs = (out_channels, in_channels // groups, self.kernel_count)
        self.weight = nn.Parameter(torch.empty(pairs, **factory))
        self.positions = nn.Parameter(torch.empty((ndim, *pairs), **factory))
        self.sigma = nn.Parameter(torch.empty((ndim, *pairs), **factory)) if interpolation != "bilinear" else None
        hint = {"lr_scale": position_lr_scale, "weight_decay": 0.0}
        if position_lr_scale is not None and (isinstance(position_lr_scale, bool) or position_lr_scale <= 0):
            raise ValueError(f"position_lr_scale must be None or a float > 0, got {position_lr_scale!r}")
        set_optim_hints(self, "positions", **hint)
        if self.sigma is not None:
            set_optim_hints(self, "sigma", **hint)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """As the package: Kaiming-uniform weights, positions ~ N(0, 0.5) clamped, σ constant."""
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        with torch.no_grad():
            nn.init.normal_(self.positions, 0.0, 0.5)
            self.clamp_parameters()
            if self.sigma is not None:
                nn.init.constant_(self.sigma, _SIGMA_INIT[self.interpolation])

    @torch.no_grad()
    def clamp_parameters(self) -> None:
        """Project ``positions`` onto the grid in place (call after each optimiser step)."""
        for d, (low, high) in enumerate(position_limits(self.kernel_size)):
            self.positions[d].clamp_(low, high)

    @torch.no_grad()
    def set_positions(self, positions: Tensor, sigma: Tensor | None = None) -> None:
        """Copy ``positions`` (and ``sigma``) into the parameters, then clamp them to the grid.

        Shape:
            positions, sigma: ``(ndim, C_out, C_in/groups, kernel_count)``
        """
        _check_shapes(self.weight, positions, self.sigma if sigma is None else sigma, self.kernel_size, self.interpolation)
        self.positions.copy_(positions)
        if sigma is not None and self.sigma is not None:
            self.sigma.copy_(sigma)
        self.clamp_parameters()

    def clamped_positions(self) -> Tensor:
        """The positions the kernel uses: the parameter clamped to the grid (differentiable).

        Shape:
            ``(ndim, C_out, C_in/g, N)``
        """
        return torch.stack([self.positions[d].clamp(low, high) for d, (low, high) in enumerate(position_limits(self.kernel_size))])

    def forward(self) -> Tensor:
        return construct_kernel(self.weight, self.clamped_positions(), self.sigma, self.kernel_size, self.interpolation)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, kernel_count={self.kernel_count}, "
            f"groups={self.groups}, interpolation={self.interpolation!r}"
        )
