"""``FlexConv1d`` / ``FlexConv2d``: a continuous kernel times a learnable Gaussian mask, sampled only
where the mask is above a threshold (Romero, Bruintjes et al. 2022, "FlexConv: Continuous Kernel
Convolutions with Differentiable Kernel Sizes"; references ``rjbruin/flexconv``, ``david-knigge/ccnn``).

``K(p) = net(p) · m(p)`` with ``m`` the :class:`~anyconv.kernels.gaussian_mask.GaussianMask`
(``μ = 1`` — "now" — for causal kernels, ``0`` for centred ones; ``σ₀ = 0.075``; threshold 0.1)
and ``net`` a MAGNet by default (the paper's kernel network, 32 hidden, 3 layers, input scale
25.6, Gabor centres initialised in ``±1.667 σ₀``). **Dynamic cropping**: the kernel is sampled
only at positions where the mask is ``>= threshold`` (causal: the oldest side is cut at
``μ − σ√(−2 ln threshold)``; centred and 2-D: symmetric about lag 0, at the farther root), so the
number of taps — and the convolution's cost — follows the learned ``σ``. Cut taps are exactly
zero in the kernel the engine receives (a centred kernel keeps torch's 'same' layout with zero
taps where needed). The crop reads ``σ`` on the host once per forward.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from anyconv.kernels.gaussian_mask import GaussianMask
from anyconv.layers.ckconv import _NetConv
from anyconv.layers.registry import register


def _spatial_extent(init_sigma: float) -> float:
    """The Gabor centres' initial range ``1.667 σ₀`` (capped at 1), as the reference; checks ``σ₀``."""
    if isinstance(init_sigma, bool) or not isinstance(init_sigma, (int, float)) or not 0 < init_sigma < math.inf:
        raise ValueError(f"init_sigma must be a finite float > 0, got {init_sigma!r}")
    return min(1.0, 1.667 * float(init_sigma))


def _default_sigma(sizes: tuple[object, ...], threshold: float) -> float:
    """The reference's σ₀ = 0.075, widened so the initial crop keeps at least one tap beside lag 0
    on every axis of a known size (at lag 0 alone the mask's derivative in σ is zero and the
    kernel could never grow)."""
    steps = [2.0 / (k - 1) for k in sizes if isinstance(k, int) and not isinstance(k, bool) and k > 1]
    if not steps or not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        return 0.075
    return max(0.075, (max(steps) + 1e-6) / math.sqrt(-2.0 * math.log(threshold)))


class _FlexConv(_NetConv):
    def _build_mask(
        self, *, init_sigma: float, learn_mean: bool, threshold: float, crop: bool, mask_lr_scale: float | None,
        device: torch.device | str | None, dtype: torch.dtype | None,
    ) -> None:
        self.mask = GaussianMask(
            self.ndim, init_sigma=init_sigma, init_mean=1.0 if self.mode == "causal" else 0.0, learn_mean=learn_mean,
            threshold=threshold, lr_scale=mask_lr_scale, device=device, dtype=dtype,
        )
        self.crop = bool(crop)

    def position_bounds(self) -> list[tuple[float, float]] | None:
        if not self.crop:
            return None
        bounds = self.mask.bounds()
        if self.mode == "causal":  # the reference cuts the old side only ("min root")
            return [(lo, math.inf) for lo, _ in bounds]
        reach = [max(abs(lo), abs(hi)) for lo, hi in bounds]  # symmetric about 0 ("max abs root")
        return [(-r, r) for r in reach]

    def _mask_fraction(self) -> float:
        """Share of the taps the initial mask keeps (the Chang gain counts only those, as the reference)."""
        if not hasattr(self, "mask"):
            return 1.0
        reach = self.mask.init_sigma * math.sqrt(-2.0 * math.log(self.mask.threshold))
        share = min(1.0, reach / 2.0) if self.mode == "causal" else min(1.0, reach)  # of the span [−1, 1]
        return share**self.ndim

    def evaluate(self, positions: Tensor) -> Tensor:
        return super().evaluate(positions) * self.mask(positions)  # (C_out, C_in/g, N) · (N,)

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if hasattr(self, "mask"):
            self.mask.reset_parameters()

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, crop={self.crop}"


@register(
    "flexconv1d", kind="conv1d", example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=None),
    example_input_shape=(2, 4, 16),
)
class FlexConv1d(_FlexConv):
    """FlexConv, 1-D: a kernel network times a learned Gaussian mask; only the taps above threshold are computed.

    Args (besides :class:`~anyconv.layers.ckconv.CKConv1d`'s; ``kernel_net`` defaults to ``"magnet"``):
        init_sigma: initial mask width ``σ`` in position units (the positions span ``[−1, 1]``);
            None: the reference's 0.075, widened for a short ``kernel_size`` so the initial crop
            keeps lag 1 (with ``kernel_size=None`` the length is unknown: 0.075).
        learn_mean: learn the mask centre ``μ`` too (default False, as the reference).
        threshold: crop level of the mask (0.1).
        crop: sample only where the mask is above ``threshold`` (default True).
        mask_lr_scale: optimizer hint on ``σ`` (and ``μ``), ``lr = mask_lr_scale · base lr``
            (0.1 as the paper's runs; None: no hint).

    Shape:
        x: ``(B, C_in, N)``, times/mask: ``(B, N)`` → ``(B, C_out, N)``
    """

    def __init__(
        self, in_channels: int, out_channels: int, *, kernel_size: int | None = None, mode: str = "causal",
        groups: int = 1, bias: bool = True, method: str = "auto", reference_length: int | None = None,
        kernel_net: str = "magnet", hidden: int = 32, num_layers: int = 3, omega_0: float = 30.0,
        activation: str = "relu", norm: str = "none", input_scale: float = 25.6, init_sigma: float | None = None,
        learn_mean: bool = False, threshold: float = 0.1, crop: bool = True, mask_lr_scale: float | None = 0.1,
        check_finite: bool = True, device: torch.device | str | None = None, dtype: torch.dtype | None = None,
    ) -> None:
        if init_sigma is None:
            init_sigma = _default_sigma((kernel_size,) if isinstance(kernel_size, int) else (), threshold)
        super().__init__(
            in_channels, out_channels, ndim=1, kernel_size=kernel_size, mode=mode, groups=groups, bias=bias,
            method=method, reference_length=reference_length, kernel_net=kernel_net, hidden=hidden,
            num_layers=num_layers, omega_0=omega_0, activation=activation, norm=norm, input_scale=input_scale,
            init_spatial_value=_spatial_extent(init_sigma), check_finite=check_finite, device=device, dtype=dtype,
        )
        self._build_mask(init_sigma=init_sigma, learn_mean=learn_mean, threshold=threshold, crop=crop,
                         mask_lr_scale=mask_lr_scale, device=device, dtype=dtype)
        self.reset_parameters()


@register(
    "flexconv2d", kind="conv2d", example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=7, init_sigma=0.5),
    example_input_shape=(2, 4, 8, 9),
)
class FlexConv2d(_FlexConv):
    """FlexConv, 2-D: ``Kh × Kw`` is the largest kernel; the Gaussian mask learns how much of it is used.

    Arguments as :class:`FlexConv1d`; the output keeps the spatial size (``mode="same"`` or ``"circular"``).
    ``init_sigma=None`` (default) is the reference's 0.075 widened, if needed, so the initial crop
    keeps at least the 3 × 3 centre: with the harness's ``kernel_size=3`` a σ of 0.075 would keep
    only the centre tap, where the mask's derivative in σ is zero, so the kernel could never grow.

    Shape:
        ``(B, C_in, H, W)`` → ``(B, C_out, H, W)``
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int], *, mode: str = "same",
        groups: int = 1, bias: bool = True, method: str = "auto", kernel_net: str = "magnet", hidden: int = 32,
        num_layers: int = 3, omega_0: float = 30.0, activation: str = "relu", norm: str = "none",
        input_scale: float = 25.6, init_sigma: float | None = None, learn_mean: bool = False, threshold: float = 0.1,
        crop: bool = True, mask_lr_scale: float | None = 0.1, check_finite: bool = True,
        device: torch.device | str | None = None, dtype: torch.dtype | None = None,
    ) -> None:
        if init_sigma is None:
            sizes = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
            init_sigma = _default_sigma(sizes, threshold)
        super().__init__(
            in_channels, out_channels, ndim=2, kernel_size=kernel_size, mode=mode, groups=groups, bias=bias,
            method=method, reference_length=None, kernel_net=kernel_net, hidden=hidden, num_layers=num_layers,
            omega_0=omega_0, activation=activation, norm=norm, input_scale=input_scale,
            init_spatial_value=_spatial_extent(init_sigma), check_finite=check_finite, device=device, dtype=dtype,
        )
        self._build_mask(init_sigma=init_sigma, learn_mean=learn_mean, threshold=threshold, crop=crop,
                         mask_lr_scale=mask_lr_scale, device=device, dtype=dtype)
        self.reset_parameters()
