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

__all__ = [
    "mosaic", "plot_curves", "plot_explainer", "plot_filter_stats", "plot_grad_cam", "plot_kernel_views",
    "plot_rocket_kernels", "plot_tree_modes", "save", "subplots",
]

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


def _normalised(maps: np.ndarray) -> np.ndarray:
    top = maps.reshape(len(maps), -1).max(1).reshape(-1, *([1] * (maps.ndim - 1)))
    return maps / np.maximum(top, 1e-12)


def plot_grad_cam(x: Tensor, cams: Tensor, path: str | Path, *, labels: Sequence[str] = (), title: str = "Grad-CAM") -> Path:
    """Inputs with their maps (each scaled to its maximum): 2-D images (first channel) in one strip
    with the maps overlaid in a second, or 1-D series (up to 4 channels) over the map as a shaded
    band. At most 8 examples.

    Shape:
        x: ``(B, C, *S)``, cams: ``(B, *S)``
    """
    n = min(len(x), 8)
    xs, cs = _np(x[:n]), _normalised(_np(cams[:n]))
    if xs.ndim == 4:
        fig, axes = subplots(2, 1, (1.3 * n + 0.6, 3.4))
        w = xs.shape[-1]
        images = mosaic(xs[:, 0])
        for ax, overlay in zip(axes[:, 0], (False, True), strict=True):
            ax.imshow(images, cmap="gray")
            if overlay:
                ax.imshow(mosaic(cs), cmap="jet", alpha=0.5, vmin=0, vmax=1)
            ax.set_xticks([(w + 1) * i + (w - 1) / 2 for i in range(n)],
                          [labels[i] if i < len(labels) else f"#{i}" for i in range(n)], fontsize=7)
            ax.set_yticks([])
        axes[0, 0].set_ylabel("input", fontsize=8)
        axes[1, 0].set_ylabel("map", fontsize=8)
    else:
        fig, axes = subplots(n, 1, (7, 1.1 * n + 0.6))
        for i in range(n):
            ax = axes[i, 0]
            t = np.arange(xs.shape[-1])
            ax.plot(t, xs[i, :4].T, lw=0.8)
            lo, hi = float(xs[i].min()), float(xs[i].max())
            ax.fill_between(t, lo, lo + (hi - lo) * cs[i], color="red", alpha=0.25, step="mid")
            ax.set_ylabel(labels[i] if i < len(labels) else f"#{i}", fontsize=7)
            ax.tick_params(labelsize=6)
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
    long = any(v.is_long for v in views)
    fig = Figure(figsize=(8 if long else 6, 1.7 * len(views) + 0.5))
    axes = fig.subplots(len(views), 2 if long else 1, squeeze=False, width_ratios=(3, 1) if long else None)
    for r, view in enumerate(views):
        rows = _kernel_rows(view)
        ax, side = axes[r, 0], axes[r, -1]
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
        elif long:
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


def plot_explainer(x: Tensor, parts: Tensor, result_losses: Sequence[float], localisation: tuple[Tensor, Tensor],
                   path: str | Path, *, title: str = "Explainer: interpretable part filters") -> Path:
    """Top: one strip per input (first channel), then each interpretable filter's activation map on
    it (each scaled to its maximum; 2-D models) or the maps as lines (1-D); bottom: reconstruction
    loss over training and per-filter localisation at initialisation and after training.

    Shape:
        x: ``(n, C, H, W)``, parts: ``(n, F, h, w)`` (or 1-D ``(n, C, L)`` / ``(n, F, l)``)
    """
    n, f = min(len(x), 6), min(parts.shape[1], 8)
    xs, ps = _np(x[:n]), _np(parts[:n, :f])
    fig = Figure(figsize=(1.0 * (f + 1) + 0.6, 0.9 * n + 2.8))
    grid = fig.add_gridspec(2, 2, height_ratios=(0.9 * n, 2.2))
    top = fig.add_subplot(grid[0, :])
    if ps.ndim == 4:
        h, w = ps.shape[-2:]
        inputs = np.stack([_resize_nearest(xs[i, 0], (h, w)) for i in range(n)])  # (n, h, w)
        rows = [mosaic(np.concatenate([inputs[i : i + 1] / max(float(np.abs(inputs[i]).max()), 1e-12),
                                       _normalised(ps[i])]), gap=1) for i in range(n)]
        gap_row = np.full((1, rows[0].shape[1]), np.nan, dtype=np.float32)
        top.imshow(np.concatenate([r if i == 0 else np.concatenate([gap_row, r]) for i, r in enumerate(rows)]),
                   cmap="magma", vmin=0, vmax=1)
        top.set_xticks([(w + 1) * j + (w - 1) / 2 for j in range(f + 1)], ["input"] + [f"filter {j}" for j in range(f)],
                       fontsize=7)
        top.set_yticks([])
    else:
        for j in range(f):
            top.plot(_normalised(ps[:, j]).reshape(n, -1)[0] + j, lw=0.8)
        top.set_ylabel("filter (first input)", fontsize=7)
    loss_ax, loc_ax = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
    loss_ax.plot(list(result_losses), lw=0.8)
    loss_ax.set_xlabel("step", fontsize=7)
    loss_ax.set_ylabel("reconstruction loss", fontsize=7)
    before, after = _np(localisation[0]), _np(localisation[1])
    idx = np.arange(len(before))
    loc_ax.bar(idx - 0.2, before, 0.4, label="at init")
    loc_ax.bar(idx + 0.2, after, 0.4, label="trained")
    loc_ax.set_xlabel("interpretable filter", fontsize=7)
    loc_ax.set_ylabel("localisation", fontsize=7)
    loc_ax.legend(fontsize=6)
    for a in (loss_ax, loc_ax):
        a.tick_params(labelsize=6)
    fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, top=1 - 0.45 / fig.get_figheight(), bottom=0.1, hspace=0.25, wspace=0.3)
    return save(fig, path)


def _resize_nearest(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    rows = (np.arange(size[0]) * image.shape[0] / size[0]).astype(int)
    cols = (np.arange(size[1]) * image.shape[1] / size[1]).astype(int)
    return image[np.ix_(rows, cols)]


def plot_tree_modes(rationales: np.ndarray, labels: Sequence[str], path: str | Path, *, title: str) -> Path:
    """Heat map of decision modes (rows: mean normalised filter contributions of the examples in a node).

    Shape:
        rationales: ``(n_modes, C)``
    """
    fig, axes = subplots(1, 1, (7, 0.35 * len(labels) + 1.4))
    ax = axes[0, 0]
    vmax = max(float(np.abs(rationales).max()), 1e-12)
    ax.imshow(rationales, cmap="RdBu_r", vmin=-vmax, vmax=vmax, aspect="auto")
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("filter of the explained layer", fontsize=8)
    ax.set_title(title, fontsize=10)
    return save(fig, path)


def plot_rocket_kernels(series: np.ndarray, activations: Sequence[np.ndarray], labels: Sequence[str],
                        path: str | Path, *, title: str = "Most weighted ROCKET kernels",
                        positions: Sequence[np.ndarray] | None = None,
                        thresholds: Sequence[Sequence[float]] | None = None) -> Path:
    """A series (first channel) and, below it, each kernel's response along it, shaded above its
    thresholds (default: 0, the ROCKET PPV threshold; MiniRocket views: their biases, so the shade
    darkens with the number of features that count a position).

    ``positions``: the time of each response value (``rocket_views.response_positions``; default
    ``0, 1, ...``), so centre-only and first-difference responses line up with the series.

    Shape:
        series: ``(C, T)``; each activation ``(T',)``, its positions ``(T',)``
    """
    n = len(activations)
    if positions is not None and len(positions) != n:
        raise ValueError(f"positions must give one array per activation ({n}), got {len(positions)}")
    if thresholds is not None and len(thresholds) != n:
        raise ValueError(f"thresholds must give one list per activation ({n}), got {len(thresholds)}")
    fig, axes = subplots(n + 1, 1, (7, 1.1 * (n + 1) + 0.5))
    axes[0, 0].plot(series.T, lw=0.8)
    axes[0, 0].set_ylabel("series", fontsize=7)
    for i, (act, label) in enumerate(zip(activations, labels, strict=True)):
        ax = axes[i + 1, 0]
        t = np.arange(len(act)) if positions is None else np.asarray(positions[i])
        if t.shape != np.shape(act):
            raise ValueError(f"positions[{i}] has shape {t.shape}, activation {i} has shape {np.shape(act)}")
        levels = [0.0] if thresholds is None else [float(b) for b in thresholds[i]]
        ax.plot(t, act, lw=0.8, color="k")
        for b in levels:
            ax.fill_between(t, b, np.maximum(act, b), color="red", alpha=min(0.3, 0.9 / len(levels)), lw=0)
        ax.set_xlim(0, max(series.shape[-1] - 1, 1))
        ax.set_ylabel(label, fontsize=6)
        ax.tick_params(labelsize=6)
    axes[-1, 0].set_xlabel("time", fontsize=8)
    fig.suptitle(title, fontsize=10)
    return save(fig, path)
