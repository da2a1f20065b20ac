"""Figure of a time-series benchmark run: speed ratios and accuracy per dataset.

Four panels, one bar per (dataset, method), targets as dashed lines:

1. steady-state fit+transform, aeon time / anyconv time (log scale);
2. time to first result including aeon's numba compilation, aeon / anyconv (log scale);
3. accuracy, anyconv minus aeon, in points;
4. LightWaveS vs our Rocket: inference speed-up (log scale, bars) and accuracy difference
   with LightWaveSClassifier's head (points, markers on the right axis).

Written atomically next to the run's JSON (``<stem>.png``) by ``benchmarks/timeseries.py``
and by ``--render``.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

_COLOURS = {"rocket": "#4C72B0", "minirocket": "#DD8452", "multirocket": "#55A868"}


def _grouped_bars(ax, datasets: list[str], methods: list[str], value, *, log: bool, lines: tuple = ()) -> None:
    """One group of bars per dataset, one bar per method; ``value(dataset, method)`` or None.

    ``lines``: reference values (targets, 1x) the log axis must show.
    """
    width = 0.8 / max(len(methods), 1)
    x = np.arange(len(datasets))
    for i, method in enumerate(methods):
        heights = [value(d, method) for d in datasets]
        shown = [h if h is not None else np.nan for h in heights]
        ax.bar(x + (i - (len(methods) - 1) / 2) * width, shown, width, label=method, color=_COLOURS.get(method))
    ax.set_xticks(x, datasets, rotation=35, ha="right", fontsize=8)
    if log:
        _log_ratio_axis(ax, lines)
    ax.grid(axis="y", alpha=0.3)


def _log_ratio_axis(ax, lines: tuple = ()) -> None:
    """Log scale labelled ``1x 2x 5x 10x ...``, showing ``lines``, with headroom for the legend."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    low, high = ax.get_ylim()
    ax.set_ylim(min([low, *(v / 1.5 for v in lines)]), max([high, *lines]) * 4)


def plot_benchmark(path: str, rows: list[dict], lw_rows: list[dict], targets: dict) -> None:
    """Draw the four panels of one run into ``path`` (PNG), written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    by_key = {(r["dataset"], r["method"]): r for r in rows}

    def field(name: str):
        return lambda d, m: by_key.get((d, m), {}).get(name)

    fig, axes = plt.subplots(2, 2, figsize=(14, 9), constrained_layout=True)
    ax = axes[0, 0]
    steady_goals = targets.get("steady_ratio", {})
    _grouped_bars(ax, datasets, methods, field("steady_ratio"), log=True, lines=(1.0, *steady_goals.values()))
    for method, goal in steady_goals.items():
        ax.axhline(goal, ls="--", lw=1, color=_COLOURS.get(method, "grey"), label=f"{method} target {goal}x")
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_title("steady state: aeon time / anyconv time (fit + transform, best of runs)")
    ax.legend(fontsize=7, ncol=3, loc="upper center")

    ax = axes[0, 1]
    first_goal = targets.get("first_result_ratio", 10.0)
    _grouped_bars(ax, datasets, methods, field("first_call_ratio"), log=True, lines=(first_goal,))
    ax.axhline(first_goal, ls="--", lw=1, color="red", label="target")
    ax.set_title("first result incl. aeon's numba compilation: aeon / anyconv")
    ax.legend(fontsize=7, ncol=4, loc="upper center")

    ax = axes[1, 0]

    def accuracy_gap(d: str, m: str) -> float | None:
        r = by_key.get((d, m))
        return None if r is None else 100 * (r["acc_anyconv"] - r["acc_aeon"])

    _grouped_bars(ax, datasets, methods, accuracy_gap, log=False)
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_title("accuracy: anyconv minus aeon (points, same head)")
    ax.legend(fontsize=7)

    ax = axes[1, 1]
    if lw_rows:
        names = [r["dataset"] for r in lw_rows]
        x = np.arange(len(names))
        ax.bar(x, [r["inference_ratio"] for r in lw_rows], 0.6, color="#8172B3", label="inference speed-up")
        lw_goal = targets.get("lightwaves_inference_ratio", 9.0)
        ax.axhline(lw_goal, ls="--", color="#8172B3", lw=1, label="target")
        _log_ratio_axis(ax, (lw_goal,))
        ax.set_xticks(x, names, rotation=35, ha="right", fontsize=8)
        ax.set_ylabel("our Rocket time / LightWaveS time")
        right = ax.twinx()
        diffs = [r.get("acc_diff_classifier_points", r["acc_diff_points"]) for r in lw_rows]
        right.plot(x, diffs, "o", color="#C44E52", label="accuracy difference (points)")
        right.axhline(0.0, color="#C44E52", lw=0.5)
        right.set_ylabel("LightWaveS minus Rocket accuracy (points)", color="#C44E52")
        lines = ax.get_legend_handles_labels()
        more = right.get_legend_handles_labels()
        ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, ncol=3, loc="upper center")
    ax.set_title("LightWaveS (500 features) vs our Rocket (20 000)")

    fig.suptitle("anyconv.timeseries vs aeon, 2 threads each (benchmarks/timeseries.py)")
    folder = os.path.dirname(os.path.abspath(path))
    handle, tmp = tempfile.mkstemp(suffix=".png", dir=folder)
    os.close(handle)
    try:
        fig.savefig(tmp, dpi=110)
        os.chmod(tmp, 0o644)  # mkstemp makes it private
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.remove(tmp)
