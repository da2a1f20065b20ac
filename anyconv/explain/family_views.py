"""Family-specific kernel views: what each kind of generated kernel is made of.

- continuous kernels (CKConv, FlexConv, SMPConv; :class:`~anyconv.layers.continuous_base.ContinuousConv`):
  the kernel as a function of relative position on a fine grid, FlexConv's Gaussian mask, SMP's
  points (position, radius, weight), and the taps actually sampled at a length and at twice it;
- DCLS: the learned positions of the weights over the dense kernel they are interpolated into;
- weighted convolutions (density kernels): the density Φ and the weighted kernel ``W ⊙ Φ``;
- data-dependent layers (CondConv, DynamicConv): each example's mixed kernel and its routing;
  Orchid: the per-input kernels of each causal block, for two examples.

:func:`family_figure` picks the view for a layer and returns None for layers without one (the
generic :func:`~anyconv.explain.kernel_views.layer_kernels` view covers every layer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from anyconv.explain.figures import _np, save, subplots
from anyconv.explain.kernel_views import layer_kernels

__all__ = ["continuous_profile", "family_figure", "orchid_block_kernels"]

PAIRS = 4  # (out, in) kernel pairs drawn


def continuous_profile(layer: Any, n_points: int = 129) -> tuple[Tensor, Tensor]:
    """A continuous layer's kernel (FlexConv: mask included) on a fine grid of positions in ``[−1, 1]``.

    Shape:
        → positions ``(n_points,)`` (1-D) or ``(n_points, n_points, 2)`` (2-D), values
        ``(C_out, C_in/g, n_points)`` or ``(C_out, C_in/g, n_points, n_points)``
    """
    ndim = int(layer.ndim)
    axis = torch.linspace(-1, 1, n_points, dtype=layer._kernel_dtype())
    with torch.no_grad():
        if ndim == 1:
            return axis, layer.evaluate(axis[:, None])  # (C_out, C_in/g, N)
        grid = torch.stack(torch.meshgrid(axis, axis, indexing="ij"), -1)  # (N, N, 2)
        values = layer.evaluate(grid.reshape(-1, 2))  # (C_out, C_in/g, N*N)
        return grid, values.reshape(*values.shape[:2], n_points, n_points)


def _continuous(layer: Any, x: Tensor, path: Path, title: str) -> Path:
    positions, values = continuous_profile(layer)
    v = _np(values).reshape(-1, *values.shape[2:])[:PAIRS]  # (pairs, N) or (pairs, N, N)
    mask = getattr(layer, "mask", None)
    points = getattr(getattr(layer, "kernel", None), "coords", None)
    fig, axes = subplots(1, 2, (9, 3.2))
    ax, side = axes[0]
    if layer.ndim == 1:
        p = _np(positions)
        ax.plot(p, v.T, lw=0.9)
        if mask is not None:
            with torch.no_grad():
                m = _np(mask(positions[:, None].to(mask.sigma.dtype)))
            ax.plot(p, m * np.abs(v).max(), "k--", lw=0.8, label="Gaussian mask (scaled)")
            ax.legend(fontsize=6)
        if points is not None:
            kernel = layer.kernel
            c = _np(kernel.coords[0, :, 0])  # (P,) points of output channel 0
            w = _np(kernel.weights[0, 0])  # (P,)
            ax.scatter(c, w, s=12 + 40 * _np(kernel.radius[0]), c="k", marker="o", alpha=0.6, label="SMP points (size: radius)")
            ax.legend(fontsize=6)
        ax.set_xlabel("relative position (+1 = now for causal)", fontsize=7)
        length = int(x.shape[-1])
        with torch.no_grad():
            for n, style in ((length, "-o"), (2 * length, "-")):
                w1, _ = layer.weight_1d(n)  # (C_out, C_in/g, K)
                taps = _np(w1[0, 0])
                side.plot(np.linspace(-1, 1, len(taps)), taps, style, ms=2, lw=0.8, label=f"L={n}: {len(taps)} taps")
        side.legend(fontsize=6)
        side.set_xlabel("tap (spread over [-1, 1])", fontsize=7)
        side.set_title("sampled kernel (0, 0)", fontsize=7, loc="left")
    else:
        vmax = max(float(np.abs(v[0]).max()), 1e-12)
        ax.imshow(v[0], cmap="RdBu_r", vmin=-vmax, vmax=vmax, extent=(-1, 1, 1, -1))
        if mask is not None:
            with torch.no_grad():
                m = _np(mask(positions.reshape(-1, 2).to(mask.sigma.dtype))).reshape(v.shape[-2:])  # (N, N)
            side_n = v.shape[-1]
            ax.contour(np.linspace(-1, 1, side_n), np.linspace(-1, 1, side_n), m, levels=[0.1, 0.5], colors="k",
                       linewidths=0.7)
        if points is not None:
            c = _np(layer.kernel.coords[0])  # (P, 2) as (row, col) positions
            ax.scatter(c[:, 1], c[:, 0], s=8, c="k", alpha=0.6)
        with torch.no_grad():
            w2 = _np(layer.weight_2d()[0, 0])
        side.imshow(w2, cmap="RdBu_r", vmin=-max(float(np.abs(w2).max()), 1e-12), vmax=max(float(np.abs(w2).max()), 1e-12))
        side.set_title(f"sampled kernel (0, 0) {w2.shape}", fontsize=7, loc="left")
    ax.set_title("continuous kernel (first pairs)", fontsize=7, loc="left")
    fig.suptitle(title, fontsize=10)
    return save(fig, path)


def _dcls(layer: Any, path: Path, title: str) -> Path:
    kernel = layer.kernel
    with torch.no_grad():
        dense = _np(kernel()[0, 0])  # (*K)
        pos = _np(kernel.clamped_positions()[:, 0, 0])  # (ndim, N) positions of pair (0, 0)
        w = _np(kernel.weight[0, 0])  # (N,)
    fig, axes = subplots(1, 1, (5, 3.2))
    ax = axes[0, 0]
    centre = [(k - 1) / 2 for k in dense.shape]  # positions are offsets from the kernel's centre
    if dense.ndim == 2:
        vmax = max(float(np.abs(dense).max()), 1e-12)
        ax.imshow(dense, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.scatter(pos[1] + centre[1], pos[0] + centre[0], s=20 + 200 * np.abs(w) / max(np.abs(w).max(), 1e-12),
                   facecolors="none", edgecolors="k")
    else:
        ax.plot(dense, lw=0.9, label="interpolated kernel")
        ax.stem(pos[0] + centre[0], w, linefmt="k-", markerfmt="ko", basefmt=" ", label="weights at positions")
        ax.legend(fontsize=6)
    ax.set_title("DCLS: learned positions (circles) over the dense kernel, pair (0, 0)", fontsize=7, loc="left")
    fig.suptitle(title, fontsize=10)
    return save(fig, path)


def _density(layer: Any, path: Path, title: str) -> Path:
    kernel = layer.kernel
    with torch.no_grad():
        phi, weighted = _np(kernel.phi()), _np(kernel()[0, 0])
    fig, axes = subplots(1, 2, (8, 3))
    for ax, data, name in zip(axes[0], (phi, weighted), ("density Φ", "W ⊙ Φ, pair (0, 0)"), strict=True):
        if data.ndim == 2:
            ax.imshow(data, cmap="viridis" if name.startswith("density") else "RdBu_r")
        else:
            ax.plot(data, "-o", ms=2)
        ax.set_title(name, fontsize=7, loc="left")
    fig.suptitle(title, fontsize=10)
    return save(fig, path)


def _conditional(layer: Any, x: Tensor, path: Path, title: str) -> Path:
    with torch.no_grad():
        kernels, _ = layer.mixed_kernels(x)  # (B, C_out, C_in/g, *k)
        routing = _np(layer.routing_for(x))  # (B, K)
    k = _np(kernels[:, 0, 0])  # (B, *k) filter (0, 0) of each example
    fig, axes = subplots(1, 2, (8, 3))
    ax, side = axes[0]
    if k.ndim == 3:
        from anyconv.explain.figures import mosaic

        vmax = max(float(np.abs(k).max()), 1e-12)
        ax.imshow(mosaic(k[:8]), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.set_xticks([])
    else:
        ax.plot(k[:8].T, lw=0.9)
    ax.set_title("kernel (0, 0) mixed for each example", fontsize=7, loc="left")
    side.imshow(routing[:8], cmap="viridis", aspect="auto")
    side.set_xlabel("expert", fontsize=7)
    side.set_ylabel("example", fontsize=7)
    side.set_title("routing weights", fontsize=7, loc="left")
    fig.suptitle(title, fontsize=10)
    return save(fig, path)


def orchid_block_kernels(layer: Any, x: Tensor) -> list[Tensor]:
    """The whole kernel each output block of an Orchid layer applies to each example of ``x``
    (``layer.global_weights`` on the layer's value stream: one per block in causal mode, else one).

    Shape:
        x: ``(B, C, L)`` → list of ``(B, C, 1, K_c)``
    """
    with torch.no_grad():
        v = layer.in_proj(x)[:, 2 * layer.channels :]  # (B, C, L): the stream the kernels are computed from
        return [w.detach() for w in layer.global_weights(v)]


def _orchid(layer: Any, x: Tensor, path: Path, title: str) -> Path:
    """Orchid's per-input kernels, channel 0, one curve per output block, for two examples."""
    blocks = orchid_block_kernels(layer, x)  # list of (B, C, 1, K_c)
    fig, axes = subplots(1, 2, (9, 3))
    for ax, example in zip(axes[0], (0, min(1, len(x) - 1)), strict=True):
        for c, w in enumerate(blocks[:8]):
            ax.plot(_np(w[example, 0, 0]), lw=0.8, label=f"block {c}")
        ax.set_title(f"example {example}: channel 0's kernel per block", fontsize=7, loc="left")
        ax.set_xlabel("tap (lag)", fontsize=7)
        ax.legend(fontsize=6, ncol=2)
    fig.suptitle(title, fontsize=10)
    return save(fig, path)


def _per_input(layer: nn.Module, x: Tensor, path: Path, title: str) -> Path | None:
    views = layer_kernels(layer, x)
    dynamic = [v for v in views if v.per_example]
    if not dynamic:
        return None
    static = [v for v in views if not v.per_example and v.is_long]
    w = _np(dynamic[-1].weight)  # (rows, C, 1, K): one kernel per input (and block)
    fig, axes = subplots(1, 1, (7, 3))
    ax = axes[0, 0]
    for r in range(min(len(w), 8)):
        ax.plot(w[r, 0].reshape(-1), lw=0.8, label=f"input row {r}")
    if static:
        ax.plot(_np(static[-1].weight[0]).reshape(-1), "k--", lw=1.0, label="static part")
    ax.legend(fontsize=6, ncol=3)
    ax.set_xlabel("tap (lag)", fontsize=7)
    ax.set_title(f"per-input kernels of channel 0 ({dynamic[-1].name}, {tuple(w.shape)})", fontsize=7, loc="left")
    fig.suptitle(title, fontsize=10)
    return save(fig, path)


def family_figure(layer: nn.Module, x: Tensor, path: str | Path, *, title: str = "") -> Path | None:
    """The family view of ``layer`` on an example input ``x`` (``(B, C, *S)``, what the layer takes),
    written as a PNG; None when the layer has no family view."""
    from anyconv.kernels.dcls import DCLSKernel
    from anyconv.kernels.density import DensityKernel
    from anyconv.layers._conditional import ConditionalConvNd
    from anyconv.layers.continuous_base import ContinuousConv

    path, title = Path(path), title or type(layer).__name__
    kernel = getattr(layer, "kernel", None)
    was_training = layer.training
    layer.eval()
    try:
        if isinstance(layer, ContinuousConv):
            return _continuous(layer, x, path, title)
        if isinstance(kernel, DCLSKernel):
            return _dcls(layer, path, title)
        if isinstance(kernel, DensityKernel):
            return _density(layer, path, title)
        if isinstance(layer, ConditionalConvNd):
            return None if getattr(layer, "causal", False) else _conditional(layer, x, path, title)
        if callable(getattr(layer, "global_weights", None)):
            return _orchid(layer, x, path, title)
        if getattr(layer, "data_dependent", False):
            return _per_input(layer, x, path, title)
        return None
    finally:
        layer.train(was_training)
