"""``SMPKernel``: a continuous kernel made of self-moving points (Kim & Park 2023, "SMPConv:
Self-moving Point Representations for Continuous Convolution"; sangnekim/SMPConv ``smpkernel.py``).

Each output channel ``o`` owns ``P`` points with learnable coordinates ``p[o, i]`` in
``[-1, 1]^d``, learnable radii ``r[o, i]`` and a learnable weight ``w[o, c, i]`` per input channel
``c``. The kernel at a relative position ``x`` is::

    K[o, c](x) = Σ_i w[o, c, i] · relu(1 − ‖x − p[o, i]‖₁ / r[o, i])

a sum of tent ("pyramid" in 2-D) functions whose peaks move and whose widths change in training.
The norm is the L1 norm, as in both reference implementations (identical to ``|·|`` in 1-D).

Differences from the reference, on purpose:

* **Radii stay positive inside the kernel.** The reference keeps a raw radius and clamps it to
  ``[1e-4, 1]`` in a training-loop hook (``radius_clip``); here the parameter ``radius_raw`` is
  unconstrained and ``r = min_radius + softplus(radius_raw)``, so every parameter value (also
  ``±inf``-bound ones after a bad step) gives ``r >= min_radius > 0`` and no hook is needed.
* ``average=True`` reproduces the sequence reference's "average weighted kernel" (each position's
  value divided by the number of points whose support covers it, a piecewise-constant factor
  without gradient); the ImageNet reference and the default here leave it out (the formula above).

Optimizer hints as the reference's ``construct_optimizer``: coordinates and radii get no weight
decay, radii a learning rate ``radius_lr_scale`` (reference ``radius_lr_factor`` 0.1) times the base.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from anyconv.kernels._args import positive_int
from anyconv.kernels.base import Kernel
from anyconv.optim import set_optim_hints


def _positive_float(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite float > 0, got {value!r}")
    return float(value)


def _inverse_softplus(y: float) -> float:
    """``x`` with ``softplus(x) == y`` for ``y > 0`` (stable for large ``y``)."""
    return y + math.log(-math.expm1(-y))


class SMPKernel(Kernel):
    """Self-moving point kernel: ``P`` tent functions per output channel, evaluated at any positions.

    Args:
        in_channels: input channels ``C_in``.
        out_channels: output channels ``C_out``.
        n_points: points per output channel ``P`` (reference: 30 for sequences).
        ndim: dimension ``d`` of the positions (1 for sequences, 2 for images, any ``>= 1``).
        groups: as a convolution's ``groups``: each output channel sees ``C_in / groups`` inputs.
        radius: initial radius of every point, in position units (the grid ``[-1, 1]`` of ``K``
            taps has step ``2 / (K - 1)``; the ImageNet reference starts at two steps).
        origin: where the points start: coordinates are drawn from a normal of std ``coord_std``
            around ``origin`` (per axis) and truncated to ``[-1, 1]``. ``1.0`` is "now" for a
            causal kernel on the reference grid (lag 0 at ``+1``), ``0.0`` the centre.
        coord_std: spread of the initial coordinates (reference: 0.1, doubled for causal 1-D).
        weight_std: std of the truncated-normal initial weights (reference: 0.02).
        min_radius: the smallest radius the parameterisation can give (reference clamp: 1e-4).
        average: divide by the number of covering points (the sequence reference's variant).
        radius_lr_scale: learning-rate hint of the radii relative to the base rate.

    Shape:
        ``forward(positions)``: positions ``(N, d)`` → weight ``(C_out, C_in / groups, N)``
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        n_points: int = 30,
        ndim: int = 1,
        groups: int = 1,
        radius: float = 0.05,
        origin: float = 0.0,
        coord_std: float = 0.2,
        weight_std: float = 0.02,
        min_radius: float = 1e-4,
        average: bool = False,
        radius_lr_scale: float = 0.1,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.in_channels = positive_int("in_channels", in_channels)
        self.out_channels = positive_int("out_channels", out_channels)
        self.groups = positive_int("groups", groups)
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"in_channels ({in_channels}) and out_channels ({out_channels}) must be divisible by groups ({groups})"
            )
        self.n_points = positive_int("n_points", n_points)
        self.ndim = positive_int("ndim", ndim)
        self.min_radius = _positive_float("min_radius", min_radius)
        init_radius = _positive_float("radius", radius)
        if init_radius <= self.min_radius:
            raise ValueError(f"radius must be > min_radius ({self.min_radius}), got {radius!r}")
        self.init_radius = init_radius
        if isinstance(origin, bool) or not isinstance(origin, (int, float)) or not -1.0 <= origin <= 1.0:
            raise ValueError(f"origin must be a float in [-1, 1], got {origin!r}")
        self.origin = float(origin)
        self.coord_std = _positive_float("coord_std", coord_std)
        self.weight_std = _positive_float("weight_std", weight_std)
        if not isinstance(average, bool):
            raise ValueError(f"average must be True or False, got {average!r}")
        self.average = average
        factory = {"device": device, "dtype": dtype}
        self.coords = nn.Parameter(torch.empty(out_channels, n_points, ndim, **factory))  # p: (C_out, P, d)
        self.radius_raw = nn.Parameter(torch.empty(out_channels, n_points, **factory))  # r = min + softplus(.)
        self.weights = nn.Parameter(torch.empty(out_channels, in_channels // groups, n_points, **factory))
        set_optim_hints(self, "coords", weight_decay=0.0)
        set_optim_hints(self, "radius_raw", lr_scale=_positive_float("radius_lr_scale", radius_lr_scale), weight_decay=0.0)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Coordinates around ``origin``, every radius ``radius``, small truncated-normal weights."""
        with torch.no_grad():
            nn.init.trunc_normal_(self.coords, mean=self.origin, std=self.coord_std, a=-1.0, b=1.0)
            self.radius_raw.fill_(_inverse_softplus(self.init_radius - self.min_radius))
            nn.init.trunc_normal_(self.weights, std=self.weight_std, a=-2 * self.weight_std, b=2 * self.weight_std)

    @property
    def radius(self) -> Tensor:
        """The radii actually used, ``min_radius + softplus(radius_raw)``: always ``>= min_radius``.

        Shape:
            ``(C_out, P)``
        """
        return self.min_radius + F.softplus(self.radius_raw)

    def tents(self, positions: Tensor) -> Tensor:
        """Each point's tent function at each position, ``relu(1 − ‖x − p‖₁ / r)``.

        Shape:
            positions ``(N, d)`` → ``(C_out, P, N)``
        """
        if positions.ndim != 2 or positions.shape[1] != self.ndim:
            raise ValueError(
                f"SMPKernel: positions must have shape (N, {self.ndim}) (ndim={self.ndim}), got {tuple(positions.shape)}"
            )
        positions = positions.to(self.coords.dtype)
        distance = (self.coords[:, :, None, :] - positions[None, None]).abs().sum(-1)  # (C_out, P, N, d) -> (C_out, P, N)
        tents = torch.relu(1 - distance / self.radius[..., None])  # (C_out, P, N)
        if self.average:
            covering = (tents > 0).sum(dim=1, keepdim=True).clamp_min(1)  # (C_out, 1, N)
            tents = tents / covering.to(tents.dtype)
        return tents

    def forward(self, positions: Tensor) -> Tensor:
        return torch.bmm(self.weights, self.tents(positions))  # (C_out, C_in/g, P) @ (C_out, P, N) -> (C_out, C_in/g, N)

    def extra_repr(self) -> str:
        parts = [f"{self.in_channels}, {self.out_channels}, n_points={self.n_points}, ndim={self.ndim}"]
        if self.groups != 1:
            parts.append(f"groups={self.groups}")
        if self.average:
            parts.append("average=True")
        return ", ".join(parts)
