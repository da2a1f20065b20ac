"""Matplotlib figures (PNG; matplotlib's Agg canvas, no pyplot state) of every explanation: Grad-CAM overlays, deletion/insertion
curves, kernel views with spectra, filter statistics, explainer part maps, decision-tree modes.

Each ``plot_*`` writes one PNG to ``path`` and returns it; nothing is shown on screen.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from torch import Tensor

from anyconv.explain.kernel_views import KernelView, spectrum
from anyconv.utils.io import atomic_write_bytes

__all__ = ["plot_curves", "plot_filter_stats", "plot_grad_cam", "plot_kernel_views", "save"]

DPI = 80
MAX_FILTERS = 8


def save(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as a PNG (atomically; parent folders created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=DPI, format="png")
    atomic_write_bytes(path, buffer.getvalue())
    return path


def subplots(nrows: int, ncols: int, figsize: tuple[float, float]) -> tuple[Figure, np.ndarray]:
    """A figure and a ``(nrows, ncols)`` array of axes."""
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, np.atleast_2d(fig.subplots(nrows, ncols, squeeze=False))


def _np(t: Tensor | np.ndarray) -> np.ndarray:
    return t.detach().cpu().float().numpy() if isinstance(t, Tensor) else np.asarray(t, dtype=np.float32)


def plot_grad_cam(x: Tensor, cams: Tensor, path: str | Path, *, labels: Sequence[str] = (), title: str = "Grad-CAM") -> Path:
    """Inputs with their maps: 2-D images (first channel) with the map overlaid, or 1-D series
    (every channel) over the map as a shaded band. At most 8 examples.

    Shape:
        x: ``(B, C, *S)``, cams: ``(B, *S)``
    """
    n = min(len(x), 8)
    xs, cs = _np(x[:n]), _np(cams[:n])
    if xs.ndim == 4:
        fig, axes = subplots(2, n, (1.6 * n + 0.4, 3.6))
        for i in range(n):
            axes[0, i].imshow(xs[i, 0], cmap="gray")
            axes[1, i].imshow(xs[i, 0], cmap="gray")
            axes[1, i].imshow(cs[i], cmap="jet", alpha=0.5, vmin=0, vmax=max(float(cs[i].max()), 1e-12))
            axes[0, i].set_title(labels[i] if i < len(labels) else f"#{i}", fontsize=8)
            for ax in axes[:, i]:
                ax.set_xticks([])
                ax.set_yticks([])
        axes[0, 0].set_ylabel("input", fontsize=8)
        axes[1, 0].set_ylabel("map", fontsize=8)
    else:
        fig, axes = subplots(n, 1, (7, 1.3 * n + 0.6))
        for i in range(n):
            ax = axes[i, 0]
            t = np.arange(xs.shape[-1])
            for c in range(min(xs.shape[1], 4)):
                ax.plot(t, xs[i, c], lw=0.8)
            lo, hi = float(xs[i].min()), float(xs[i].max())
            top = max(float(cs[i].max()), 1e-12)
            ax.fill_between(t, lo, lo + (hi - lo) * cs[i] / top, color="red", alpha=0.25, step="mid")
            ax.set_ylabel(labels[i] if i < len(labels) else f"#{i}", fontsize=8)
        axes[-1, 0].set_xlabel("position")
    fig.suptitle(title, fontsize=10)
    return save(fig, path)


def plot_curves(curves: dict[str, tuple[Tensor, Tensor]], path: str | Path, *, title: str, ylabel: str = "p(target)") -> Path:
    """Mean curve (± one std over examples) per label, area in the legend.

    Shape:
        each value: fractions ``(T,)``, probabilities ``(B, T)``
    """
    fig, axes = subplots(1, 1, (5, 3.4))
    ax = axes[0, 0]
    for label, (fr, p) in curves.items():
        f, ps = _np(fr), _np(p)
        mean, std = ps.mean(0), ps.std(0)
        ax.plot(f, mean, label=f"{label} (area {np.trapezoid(mean, f):.3f})")
        ax.fill_between(f, mean - std, mean + std, alpha=0.15)
    ax.set_xlabel("fraction of positions changed")
    ax.set_ylabel(ylabel)
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return save(fig, path)


def _kernel_rows(view: KernelView) -> np.ndarray:
    w = _np(view.weight[0] if view.per_example else view.weight)  # (C_out, C_in/g, *K)
    return w.reshape(-1, *w.shape[2:])[:MAX_FILTERS]  # (n, *K)


def mosaic(tiles: np.ndarray, gap: int = 1) -> np.ndarray:
    """Tiles ``(n, h, w)`` side by side with NaN gaps (drawn blank) in one image ``(h, n·(w+gap)−gap)``."""
    n, h, w = tiles.shape
    out = np.full((h, n * (w + gap) - gap), np.nan, dtype=np.float32)
    for i in range(n):
        out[:, i * (w + gap) : i * (w + gap) + w] = tiles[i]
    return out


def plot_kernel_views(views: Sequence[KernelView], path: str | Path, *, title: str) -> Path:
    """One row per view (at most 4): 2-D kernels as one strip of images (first 8 filters, shared
    colour scale), 1-D kernels as lines; long 1-D kernels get their magnitude spectrum beside them.
    Per-example weights show the first example."""
    views = list(views)[:4]
    if not views:
        raise ValueError("no kernel views to plot")
    fig = Figure(figsize=(8, 1.7 * len(views) + 0.5))
    axes = fig.subplots(len(views), 2, squeeze=False, width_ratios=(3, 1))
    for r, view in enumerate(views):
        rows = _kernel_rows(view)
        ax, side = axes[r]
        ax.set_title(f"{view.name} {tuple(view.weight.shape)}" + (" [example 0]" if view.per_example else ""),
                     fontsize=7, loc="left")
        if view.ndim == 2:
            vmax = max(float(np.abs(rows).max()), 1e-12)
            ax.imshow(mosaic(rows), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            flat = rows.reshape(len(rows), -1)  # (n, K) (3-D kernels flattened)
            ax.plot(flat.T, lw=0.9)
            ax.set_xlabel("tap", fontsize=7)
        if view.is_long:
            taps = view.weight[0] if view.per_example else view.weight
            spec = _np(spectrum(taps)).reshape(-1, taps.shape[-1] // 2 + 1)[:MAX_FILTERS]  # (n, K//2+1)
            side.plot(20 * np.log10(spec.T + 1e-12), lw=0.9)  # dB: a log axis costs ~1 s per figure
            side.set_title("|FFT| (dB)", fontsize=7, loc="left")
            side.set_xlabel("frequency bin", fontsize=7)
        else:
            side.set_axis_off()
        for a in (ax, side):
            a.tick_params(labelsize=6)
    fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.06, right=0.98, top=1 - 0.45 / fig.get_figheight(), bottom=0.1, hspace=0.6, wspace=0.15)
    return save(fig, path)


def plot_filter_stats(stats: dict[str, dict[str, float]], path: str | Path, *, title: str = "Filter statistics") -> Path:
    """Grouped bars: one group per statistic, one bar per layer (or model)."""
    names = ["sparsity", "degenerate_share", "variance_entropy", "orthogonality"]
    fig, axes = subplots(1, 1, (6.5, 3.4))
    ax = axes[0, 0]
    width = 0.8 / max(len(stats), 1)
    for i, (label, values) in enumerate(stats.items()):
        ax.bar(np.arange(len(names)) + i * width, [values[n] for n in names], width, label=label)
    ax.set_xticks(np.arange(len(names)) + 0.4 - width / 2, [n.replace("_", " ") for n in names], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    return save(fig, path)
