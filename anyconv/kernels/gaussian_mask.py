"""FlexConv's Gaussian mask ``m(p) = Π_d exp(−½ ((p_d − μ_d) / σ_d)²)`` and its dynamic crop.

The mask multiplies a continuous kernel sampled at positions ``p ∈ [−1, 1]^d``. ``σ`` is learned
(the kernel size is learned through it), ``μ`` optionally. On each axis the mask is at least
``threshold`` exactly on ``[μ − r, μ + r]`` with ``r = σ √(−2 ln threshold)``; the layers
(:mod:`anyconv.layers.flexconv`) sample the kernel only there, so the sampled kernel is only as
long as needed and the convolution's cost follows the learned size (the reference's
``dynamic_cropping``).

Reference: Romero et al. 2022, "FlexConv"; code ``rjbruin/flexconv`` and ``david-knigge/ccnn``
``ckconv/nn/flexconv.py`` (``gaussian_mask_*d``, ``gaussian_inv_thresh``). Reference defaults:
``σ₀ = 0.075``, ``threshold = 0.1``, ``μ = 1`` for causal kernels ("now" is at +1) and 0 for
centred ones, and the mask parameters trained at ``0.1×`` the base learning rate
(``train.mask_params_lr_factor=0.1`` in the paper's commands) — set here as an optimizer hint.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from anyconv.kernels._args import positive_int
from anyconv.optim import set_optim_hints


class GaussianMask(nn.Module):
    """Learnable Gaussian window over kernel positions, with the bounds where it is ``>= threshold``.

    Args:
        ndim: number of position axes.
        init_sigma: initial ``σ`` on every axis (positions span ``[−1, 1]``).
        init_mean: initial ``μ`` on every axis (1.0 for causal kernels, 0.0 for centred ones).
        learn_mean: make ``μ`` a parameter (else a buffer).
        threshold: crop level in ``(0, 1)``.
        lr_scale: optimizer hint on ``σ`` (and ``μ``): ``lr = lr_scale · base lr`` (None: no hint).

    Shape:
        positions ``(N, ndim)`` → mask ``(N,)``
    """

    def __init__(
        self, ndim: int, *, init_sigma: float = 0.075, init_mean: float = 0.0, learn_mean: bool = False,
        threshold: float = 0.1, lr_scale: float | None = 0.1, device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.ndim = positive_int("ndim", ndim)
        for name, value in (("init_sigma", init_sigma), ("init_mean", init_mean)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite float, got {value!r}")
        if init_sigma <= 0:
            raise ValueError(f"init_sigma must be > 0, got {init_sigma!r}")
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
            raise ValueError(f"threshold must be a float in (0, 1), got {threshold!r}")
        self.init_sigma, self.init_mean, self.threshold = float(init_sigma), float(init_mean), float(threshold)
        self.learn_mean = bool(learn_mean)
        factory = {"device": device, "dtype": dtype}
        self.sigma = nn.Parameter(torch.empty(ndim, **factory))
        if self.learn_mean:
            self.mean = nn.Parameter(torch.empty(ndim, **factory))
        else:
            self.register_buffer("mean", torch.empty(ndim, **factory))
        self.reset_parameters()
        if lr_scale is not None:
            set_optim_hints(self, "sigma", lr_scale=lr_scale)
            if self.learn_mean:
                set_optim_hints(self, "mean", lr_scale=lr_scale)

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.sigma.fill_(self.init_sigma)
            self.mean.fill_(self.init_mean)

    def forward(self, positions: Tensor) -> Tensor:
        if positions.ndim != 2 or positions.shape[-1] != self.ndim:
            raise ValueError(f"GaussianMask takes positions of shape (N, {self.ndim}), got {tuple(positions.shape)}")
        z = (positions - self.mean) / self.sigma  # (N, d)
        return torch.exp(-0.5 * z.square().sum(-1))  # (N,)

    def axis_forward(self, positions: Tensor, axis: int) -> Tensor:
        """The factor of one axis, ``exp(−½ ((p − μ_a) / σ_a)²)`` (the mask is their product).

        Shape:
            ``(*)`` → ``(*)``
        """
        return torch.exp(-0.5 * ((positions - self.mean[axis]) / self.sigma[axis]).square())

    def bounds(self) -> list[tuple[float, float]]:
        """Per axis, the interval ``[μ − r, μ + r]`` of positions where the axis factor is ``>= threshold``.

        Read without gradient (it decides which taps are sampled, one host sync).
        """
        radius = math.sqrt(-2.0 * math.log(self.threshold))
        with torch.no_grad():
            sigma = self.sigma.detach().abs().double().cpu().tolist()
            mean = self.mean.detach().double().cpu().tolist()
        return [(m - s * radius, m + s * radius) for m, s in zip(mean, sigma)]

    def extra_repr(self) -> str:
        return f"ndim={self.ndim}, init_sigma={self.init_sigma}, init_mean={self.init_mean}, learn_mean={self.learn_mean}, threshold={self.threshold}"
