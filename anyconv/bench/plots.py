"""Benchmark figures from cells, saved as PNG (matplotlib's Agg canvas, no pyplot state).

Every ``plot_*`` function takes cells (:func:`anyconv.bench.aggregate.cells`) and a path, writes the
PNG atomically and returns its path — or returns ``None`` and writes nothing when the cells hold
no data for that figure (no ``history``, no varying sequence length, ...). Error bars are the
sample std over seeds; a layer keeps its colour in every figure; baselines are hatched (bars) or
hollow (markers); legends sit outside the axes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, NullFormatter

from anyconv.bench.aggregate import Cell
from anyconv.utils.io import atomic_write_bytes

__all__ = ["CAPTIONS", "plot_learning_curves", "plot_metric_by_task", "plot_metric_vs_params",
           "plot_metric_vs_seq_len", "plot_metric_vs_time", "write_plots"]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_LINESTYLES: tuple[Any, ...] = ("-", "--", ":", "-.")
_SEQ_LEN_KEYS = ("task_options.seq_len", "seq_len")

#: One-line caption per figure file name (used by the HTML report).
CAPTIONS = {
    "metric_by_task.png": "Test metric per task and layer: mean ± sample std over seeds (dots: single seeds), "
                          "dashed: chance, hatched: baselines.",
    "metric_vs_params.png": "Test metric against parameter count (log scale), mean ± std over seeds.",
    "metric_vs_time.png": "Test metric against mean wall-clock training time per run (log scale).",
    "learning_curves.png": "Validation metric during training: mean over seeds, band from the worst to the best seed.",
    "metric_vs_seq_len.png": "Test metric against sequence length (log₂ scale), mean ± std over seeds.",
}


def _colors(cells: Sequence[Cell]) -> dict[str, Any]:
    from matplotlib import colormaps

    layers = sorted({c.layer for c in cells})
    cmap = colormaps["tab10" if len(layers) <= 10 else "tab20"]
    return {layer: cmap(i % cmap.N) for i, layer in enumerate(layers)}


def _ylabel(metric: str) -> str:
    return "test PSNR (dB)" if metric == "psnr" else f"test {metric}"


def _grid(n: int, width: float, height: float, title: str) -> tuple[Figure, list[Axes]]:
    ncols = max(1, min(3, n, int(13.5 // width)))  # keep the figure about 13.5 inches wide at most
    nrows = -(-n // ncols)
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize="large")
    return fig, axes[:n]


def _save(fig: Figure, path: str | Path, handles: list[Any]) -> Path:
    if handles:
        fig.legend(handles=handles, loc="outside right center", fontsize="small", frameon=False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _count_label(value: float, _position: Any = None) -> str:
    """Tick labels for counts and seconds: 800, 12k, 1.5M (no 10^x notation)."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def _mean(cell: Cell) -> float:
    """The cell's mean (NaN when missing; callers drop such cells first)."""
    return math.nan if cell.mean is None else cell.mean


def _std(cell: Cell) -> float:
    return 0.0 if cell.std is None else cell.std


def _by_task(cells: Sequence[Cell]) -> dict[str, list[Cell]]:
    tasks: dict[str, list[Cell]] = {}
    for cell in cells:
        tasks.setdefault(cell.task, []).append(cell)
    return tasks


def _chance_line(ax: Axes, group: Sequence[Cell]) -> None:
    chances = {round(c.chance, 9) for c in group if c.chance is not None}
    if len(chances) == 1:
        ax.axhline(chances.pop(), color="black", linestyle="--", linewidth=1)


def _layer_handles(cells: Sequence[Cell], colors: dict[str, Any], extra: list[Any]) -> list[Any]:
    layers = sorted({c.layer for c in cells})
    return [Patch(facecolor=colors[layer], label=layer) for layer in layers] + extra


def plot_metric_by_task(cells: Sequence[Cell], path: str | Path) -> Path | None:
    """Bars per layer, one panel per task (groups per variant), error bars, seeds, chance, hatched baselines."""
    cells = [c for c in cells if c.mean is not None]
    if not cells:
        return None
    colors, tasks = _colors(cells), _by_task(cells)
    widest = max(len(group) for group in tasks.values())
    fig, axes = _grid(len(tasks), min(12.0, max(4.0, 0.3 * widest + 1.6)), 3.4, "Test metric per task (mean ± std over seeds)")
    for ax, (task, group) in zip(axes, tasks.items()):
        variants = list(dict.fromkeys(c.variant for c in group))
        layers = sorted({c.layer for c in group})
        width = 0.8 / len(layers)
        ticks: list[tuple[float, str]] = []
        for i, variant in enumerate(variants):
            for j, layer in enumerate(layers):
                cell = next((c for c in group if c.variant == variant and c.layer == layer), None)
                if cell is None:
                    continue
                x = i + (j - (len(layers) - 1) / 2) * width
                ax.bar(x, _mean(cell), width * 0.9, yerr=_std(cell), capsize=3, color=colors[layer],
                       alpha=0.45 if cell.interrupted else 1.0, hatch="//" if cell.baseline else None,
                       edgecolor="black", linewidth=0.5)
                ax.scatter([x] * len(cell.values), cell.values, s=9, color="black", zorder=3)
                if len(variants) == 1:
                    ticks.append((x, layer))
            chances = [c.chance for c in group if c.variant == variant and c.chance is not None]
            if chances:
                ax.hlines(max(chances), i - 0.45, i + 0.45, colors="black", linestyles="--", linewidth=1)
        if len(variants) == 1:
            ax.set_xticks([t for t, _ in ticks], [name for _, name in ticks], rotation=30, ha="right")
        else:
            ax.set_xticks(range(len(variants)), variants, rotation=20, ha="right")
        ax.set_title(task)
        ax.set_ylabel(_ylabel(group[0].metric))
        if group[0].metric != "psnr":
            ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)
    extra = [Line2D([], [], color="black", linestyle="--", label="chance"),
             Patch(facecolor="white", edgecolor="black", hatch="//", label="baseline"),
             Line2D([], [], color="black", marker="o", linestyle="", markersize=3, label="one seed")]
    if any(c.interrupted for c in cells):
        extra.append(Patch(facecolor="grey", alpha=0.45, label="interrupted (faded)"))
    return _save(fig, path, _layer_handles(cells, colors, extra))


def _scatter(cells: Sequence[Cell], path: str | Path, x_of: Callable[[Cell], float | None], xlabel: str,
             title: str) -> Path | None:
    cells = [c for c in cells if c.mean is not None and (x_of(c) or 0) > 0]
    if not cells:
        return None
    colors, tasks = _colors(cells), _by_task(cells)
    fig, axes = _grid(len(tasks), 4.2, 3.4, title)
    variant_handles: dict[str, Any] = {}
    for ax, (task, group) in zip(axes, tasks.items()):
        variants = list(dict.fromkeys(c.variant for c in group))
        for cell in group:
            marker = _MARKERS[variants.index(cell.variant) % len(_MARKERS)]
            color = colors[cell.layer]
            ax.errorbar(x_of(cell) or math.nan, _mean(cell), yerr=_std(cell), fmt=marker, color=color, capsize=3, markersize=7,
                        markerfacecolor="white" if cell.baseline else color)
            if cell.variant and len(variants) > 1:
                variant_handles.setdefault(cell.variant, Line2D([], [], color="grey", marker=marker, linestyle="",
                                                                label=cell.variant))
        _chance_line(ax, group)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(_count_label))
        low, high = ax.get_xlim()
        # within one decade a log axis has no major tick: label the minor ones instead
        ax.xaxis.set_minor_formatter(FuncFormatter(_count_label) if high < 10 * low else NullFormatter())
        ax.set_xlabel(xlabel)
        ax.set_ylabel(_ylabel(group[0].metric))
        ax.set_title(task)
        ax.grid(alpha=0.3)
    extra = [Line2D([], [], color="black", linestyle="--", label="chance"),
             Line2D([], [], color="black", marker="o", markerfacecolor="white", linestyle="", label="baseline")]
    return _save(fig, path, _layer_handles(cells, colors, extra + list(variant_handles.values())))


def plot_metric_vs_params(cells: Sequence[Cell], path: str | Path) -> Path | None:
    """Test metric (mean ± std) against the number of parameters, one panel per task."""
    return _scatter(cells, path, lambda c: c.params, "parameters", "Test metric vs parameters")


def plot_metric_vs_time(cells: Sequence[Cell], path: str | Path) -> Path | None:
    """Test metric (mean ± std) against mean wall-clock seconds per run, one panel per task."""
    return _scatter(cells, path, lambda c: c.wall_time_s, "wall time per run (s)", "Test metric vs training time")


def _curve(cell: Cell) -> tuple[list[float], list[float], list[float], list[float]]:
    """Steps and the mean/min/max ``val_metric`` over the seeds that reached each step."""
    points: dict[float, list[float]] = {}
    for run in cell.runs:
        for entry in run.get("history") or []:
            if entry.get("val_metric") is not None and entry.get("step") is not None:
                points.setdefault(float(entry["step"]), []).append(float(entry["val_metric"]))
    steps = sorted(points)
    return (steps, [sum(points[s]) / len(points[s]) for s in steps], [min(points[s]) for s in steps],
            [max(points[s]) for s in steps])


def plot_learning_curves(cells: Sequence[Cell], path: str | Path) -> Path | None:
    """``val_metric`` against step from each run's ``history``: mean over seeds, min–max band."""
    curves = [(c, _curve(c)) for c in cells]
    curves = [(c, k) for c, k in curves if k[0]]
    if not curves:
        return None
    colors = _colors([c for c, _ in curves])
    tasks: dict[str, list[tuple[Cell, Any]]] = {}
    for cell, curve in curves:
        tasks.setdefault(cell.task, []).append((cell, curve))
    fig, axes = _grid(len(tasks), 4.4, 3.4, "Learning curves (validation metric, mean and min–max over seeds)")
    variant_handles: dict[str, Any] = {}
    for ax, (task, group) in zip(axes, tasks.items()):
        variants = list(dict.fromkeys(c.variant for c, _ in group))
        for cell, (steps, mean, low, high) in group:
            style = _LINESTYLES[variants.index(cell.variant) % len(_LINESTYLES)]
            ax.plot(steps, mean, color=colors[cell.layer], linestyle=style, linewidth=1.6)
            ax.fill_between(steps, low, high, color=colors[cell.layer], alpha=0.15, linewidth=0)
            if cell.variant and len(variants) > 1:
                variant_handles.setdefault(cell.variant, Line2D([], [], color="grey", linestyle=style,
                                                                label=cell.variant))
        _chance_line(ax, [c for c, _ in group])
        ax.set_xlabel("step")
        ax.set_ylabel("validation " + ("PSNR (dB)" if group[0][0].metric == "psnr" else group[0][0].metric))
        ax.set_title(task)
        ax.grid(alpha=0.3)
    extra = [Line2D([], [], color="black", linestyle="--", label="chance"), *variant_handles.values()]
    return _save(fig, path, _layer_handles([c for c, _ in curves], colors, extra))


def _length_label(length: int) -> str:
    return f"{length // 1024}k" if length >= 1024 and length % 1024 == 0 else str(length)


def plot_metric_vs_seq_len(cells: Sequence[Cell], path: str | Path) -> Path | None:
    """Test metric against ``seq_len`` for tasks run at several lengths (log₂ x axis), a line per layer."""
    cells = [c for c in cells if c.mean is not None and c.seq_len is not None]
    tasks = {t: g for t, g in _by_task(cells).items() if len({c.seq_len for c in g}) > 1}
    if not tasks:
        return None
    colors = _colors([c for g in tasks.values() for c in g])
    fig, axes = _grid(len(tasks), 4.6, 3.6, "Test metric vs sequence length")
    other_handles: dict[str, Any] = {}
    for ax, (task, group) in zip(axes, tasks.items()):
        lines: dict[tuple[str, str], list[Cell]] = {}
        for cell in group:
            other = ", ".join(f"{n.rsplit('.', 1)[-1]}={v}" for n, v in cell.variant_key if n not in _SEQ_LEN_KEYS)
            lines.setdefault((cell.layer, other), []).append(cell)
        others = list(dict.fromkeys(other for _, other in lines))
        for (layer, other), members in lines.items():
            members.sort(key=lambda c: c.seq_len or 0)
            style = _LINESTYLES[others.index(other) % len(_LINESTYLES)]
            baseline = any(c.baseline for c in members)
            ax.errorbar([c.seq_len or math.nan for c in members], [_mean(c) for c in members],
                        yerr=[_std(c) for c in members],
                        color=colors[layer], linestyle=style, marker="o", capsize=3,
                        markerfacecolor="white" if baseline else colors[layer])
            if other and len(others) > 1:
                other_handles.setdefault(other, Line2D([], [], color="grey", linestyle=style, label=other))
        _chance_line(ax, group)
        lengths = sorted({c.seq_len for c in group if c.seq_len})
        ax.set_xscale("log", base=2)
        ax.set_xticks(lengths, [_length_label(n) for n in lengths])
        ax.minorticks_off()
        ax.set_xlabel("sequence length L")
        ax.set_ylabel(_ylabel(group[0].metric))
        ax.set_title(task)
        ax.grid(alpha=0.3)
    extra = [Line2D([], [], color="black", linestyle="--", label="chance"), *other_handles.values()]
    return _save(fig, path, _layer_handles([c for g in tasks.values() for c in g], colors, extra))


_PLOTS: dict[str, Callable[[Sequence[Cell], Path], Path | None]] = {
    "metric_by_task.png": plot_metric_by_task,
    "metric_vs_params.png": plot_metric_vs_params,
    "metric_vs_time.png": plot_metric_vs_time,
    "learning_curves.png": plot_learning_curves,
    "metric_vs_seq_len.png": plot_metric_vs_seq_len,
}


def write_plots(cells: Sequence[Cell], out_dir: str | Path) -> dict[str, Path]:
    """Every figure that has data, as ``out_dir/<name>.png``; returns ``{file name: path}`` in a fixed order."""
    out = Path(out_dir)
    written = {name: plot(cells, out / name) for name, plot in _PLOTS.items()}
    return {name: path for name, path in written.items() if path is not None}
