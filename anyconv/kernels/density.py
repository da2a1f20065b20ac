"""``DensityKernel``: a dense weight times a separable density Φ (weighted convolution).

*Optimal Density Functions for Weighted Convolution in Learning Models* and *Optimal Weighted
Convolution for Classification and Denoising* (Cammarasana & Patanè, 2025) scale each kernel
tap by a density that depends on its distance from the centre. Per axis of odd size
``K = 2n + 1`` the density is ``α = [den, 1, reversed(den)]`` (``den`` holds ``n`` values, the
first one the outermost); Φ is the outer product of the per-axis profiles, and the kernel is
``weight ⊙ Φ``. All-ones densities give a plain convolution; the parameter count is that of
``torch.nn.Conv*d`` (a learnable density adds its ``n`` values).

Unlike the reference (whose trainable variant hard-codes a 7×7 density), any odd size works,
and rectangular kernels take one density per axis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from anyconv.kernels._args import optional_rate
from anyconv.kernels.base import Kernel
from anyconv.kernels.dense import _as_sizes
from anyconv.optim import set_optim_hints

# The densities the reference README suggests (first value outermost); other sizes start uniform.
SUGGESTED_DENSITIES: dict[int, tuple[float, ...]] = {1: (), 3: (0.7,), 5: (0.2, 0.8), 7: (0.25, 0.15, 0.55)}

DensityArg = Sequence[float] | Sequence[Sequence[float]] | Tensor | None


def density_profile(den: Tensor) -> Tensor:
    """``α = [den, 1, reversed(den)]`` along one axis.

    Shape:
        den: ``(n,)`` → output ``(2n + 1,)``
    """
    return torch.cat([den, den.new_ones(1), den.flip(0)])


def separable_density(dens: Sequence[Tensor]) -> Tensor:
    """Φ: the outer product of the per-axis profiles :func:`density_profile` of ``dens``.

    Shape:
        dens: ``ndim`` vectors ``(n_d,)`` → output ``(2n_0 + 1, ..., 2n_{ndim-1} + 1)``
    """
    phi = density_profile(dens[0])  # (K_0,)
    for den in dens[1:]:
        phi = phi.unsqueeze(-1) * density_profile(den)  # (K_0, ..., K_d)
    return phi


def _check_sizes(sizes: tuple[int, ...]) -> None:
    even = [k for k in sizes if k % 2 == 0]
    if even:
        raise ValueError(
            f"weighted convolution needs an odd kernel size on every axis (the density is symmetric "
            f"around a centre tap), got kernel_size={sizes}"
        )


def _as_vector(values: object, what: str, length: int) -> list[float]:
    if isinstance(values, Tensor):
        values = values.detach().cpu().reshape(-1).tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise ValueError(f"{what} must be a sequence of {length} floats, got {values!r}")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"{what} must hold finite floats, got {values!r}")
        out.append(float(v))
    if len(out) != length:
        raise ValueError(
            f"{what} must have {length} values ((kernel_size - 1) / 2, outermost first), got {len(out)}: {values!r}"
        )
    return out


def parse_density(density: DensityArg, sizes: tuple[int, ...]) -> tuple[list[list[float]], bool]:
    """The per-axis density values of ``density`` for ``sizes`` and whether one vector is shared.

    ``None``: :data:`SUGGESTED_DENSITIES` for the size (all ones for sizes it lacks), shared when
    every axis has the same size; a flat sequence of ``(K-1)/2`` floats: shared by every axis (all
    axes must then have the same size); a sequence of ``ndim`` sequences: one per axis.
    """
    _check_sizes(sizes)
    lengths = [(k - 1) // 2 for k in sizes]
    square = len(set(sizes)) == 1
    if density is None:
        table = [list(SUGGESTED_DENSITIES.get(k, (1.0,) * n)) for k, n in zip(sizes, lengths)]
        return (table[:1], True) if square else (table, False)
    if isinstance(density, Tensor):
        density = density.detach().cpu().tolist() if density.ndim > 1 else density.detach().cpu().reshape(-1).tolist()
    if isinstance(density, Sequence) and not isinstance(density, (str, bytes)) and len(density) > 0 and all(
        isinstance(d, (Sequence, Tensor)) and not isinstance(d, (str, bytes)) for d in density
    ):
        if len(density) != len(sizes):
            raise ValueError(f"density: expected one sequence per axis ({len(sizes)}), got {len(density)}: {density!r}")
        return [_as_vector(d, f"density[{i}]", n) for i, (d, n) in enumerate(zip(density, lengths))], False
    if not square:
        raise ValueError(
            f"a rectangular kernel {sizes} needs one density per axis (lengths {lengths}), got one flat sequence {density!r}"
        )
    return [_as_vector(density, "density", lengths[0])], True


class DensityKernel(Kernel):
    """``weight ⊙ Φ``, Φ the separable density of :func:`separable_density`.

    Args:
        density: see :func:`parse_density` (``None``: the reference's suggested values).
        learnable: the density values are a parameter (``den``) instead of a buffer.
        density_lr: learning-rate hint for ``den`` (with ``learnable``); ``den`` never gets
            weight decay (see :func:`anyconv.param_groups`).

    ``den`` holds the shared vector ``(n,)``, or the per-axis vectors concatenated
    ``(n_0 + ... + n_{ndim-1},)``; ``set_density`` replaces its values (density search).

    Shape:
        output: ``(C_out, C_in/groups, *K)``
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        *,
        groups: int = 1,
        ndim: int = 2,
        density: DensityArg = None,
        learnable: bool = False,
        density_lr: float | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if ndim not in (1, 2):
            raise ValueError(f"ndim must be 1 or 2, got {ndim!r}")
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"in_channels={in_channels} and out_channels={out_channels} must both be divisible by groups={groups}")
        if not isinstance(learnable, bool):
            raise ValueError(f"learnable_density must be True or False, got {learnable!r}")
        self.ndim = ndim
        self.kernel_size = _as_sizes(kernel_size, ndim)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        values, self.shared = parse_density(density, self.kernel_size)
        self.split_sizes = [len(v) for v in values]
        self.learnable = learnable
        self.weight = nn.Parameter(torch.empty((out_channels, in_channels // groups, *self.kernel_size), device=device, dtype=dtype))
        den = torch.tensor([x for v in values for x in v], device=device, dtype=dtype or torch.get_default_dtype())
        if learnable:
            self.den = nn.Parameter(den)
            set_optim_hints(self, "den", lr=optional_rate("density_lr", density_lr), weight_decay=0.0)
        else:
            if density_lr is not None:
                raise ValueError(f"density_lr needs learnable_density=True, got density_lr={density_lr!r}")
            self.register_buffer("den", den)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """The weight as ``torch.nn.ConvNd`` (Kaiming-uniform, ``a=sqrt(5)``); the density is kept."""
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

    def axis_densities(self) -> list[Tensor]:
        """The ``den`` vector of each axis (the shared one repeated)."""
        if self.shared:
            return [self.den] * self.ndim
        return list(torch.split(self.den, self.split_sizes))

    def phi(self) -> Tensor:
        """The density Φ on the kernel grid.

        Shape:
            ``(*K)``
        """
        return separable_density(self.axis_densities())

    @torch.no_grad()
    def set_density(self, density: DensityArg) -> None:
        """Replace the density values in place (same layout as the constructor's ``density``)."""
        if density is None:
            raise ValueError("set_density needs density values, got None")
        values, shared = parse_density(density, self.kernel_size)
        if self.shared and not shared:
            raise ValueError(f"this kernel shares one density over its axes; give {self.split_sizes[0]} values, got {density!r}")
        if shared and not self.shared:
            values = values * self.ndim
        self.den.copy_(torch.tensor([x for v in values for x in v], dtype=self.den.dtype))

    def forward(self) -> Tensor:
        return self.weight * self.phi().to(self.weight.dtype)

    def extra_repr(self) -> str:
        den = [round(float(x), 4) for x in self.den.detach().cpu()]
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, groups={self.groups}, "
            f"den={den}{', shared' if self.shared and self.ndim > 1 else ''}{', learnable' if self.learnable else ''}"
        )
