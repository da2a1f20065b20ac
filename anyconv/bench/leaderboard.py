"""Leaderboards from training results: JSON + CSV files, a rich table, an optional bar plot."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from anyconv.utils.io import atomic_write_json

COLUMNS = ("task", "layer", "accuracy", "chance", "params", "seconds", "steps", "interrupted")


def rows(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One flat row per result (see :data:`COLUMNS`), sorted by task, then accuracy (best first)."""
    flat = [
        {
            "task": r["config"]["task"],
            "layer": r["config"]["layer"],
            "accuracy": r["accuracy"],
            "chance": r["chance"],
            "params": r["params"],
            "seconds": round(r["wall_time_s"], 2),
            "steps": r["steps_done"],
            "interrupted": r["interrupted"],
        }
        for r in results
    ]
    return sorted(flat, key=lambda row: (row["task"], -(row["accuracy"] if row["accuracy"] is not None else -1.0)))


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_results(results: Sequence[dict[str, Any]], out_dir: str | Path) -> dict[str, Path]:
    """Write ``results.json`` (the full results) and ``leaderboard.csv`` (the rows) atomically."""
    out = Path(out_dir)
    atomic_write_json(out / "results.json", list(results))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows(results))
    _atomic_write_text(out / "leaderboard.csv", buffer.getvalue())
    return {"json": out / "results.json", "csv": out / "leaderboard.csv"}


def table(results: Sequence[dict[str, Any]], *, title: str = "anyconv leaderboard") -> Table:
    """A rich table, task × layer: accuracy (and chance), parameters, seconds."""
    grid = Table(title=title)
    for name, justify in (("task", "left"), ("layer", "left"), ("accuracy", "right"), ("chance", "right"),
                          ("params", "right"), ("seconds", "right")):
        grid.add_column(name, justify=justify)
    previous = None
    for row in rows(results):
        accuracy = "—" if row["accuracy"] is None else f"{row['accuracy']:.3f}"
        if row["interrupted"]:
            accuracy += " (interrupted)"
        task = row["task"] if row["task"] != previous else ""
        grid.add_row(task, row["layer"], accuracy, f"{row['chance']:.3f}", f"{row['params']:,}", f"{row['seconds']:.1f}",
                     end_section=False)
        previous = row["task"]
    return grid


def plot(results: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Grouped bar plot of accuracy per task and layer (chance as a dashed line), saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    flat = rows(results)
    tasks = sorted({row["task"] for row in flat})
    layers = sorted({row["layer"] for row in flat})
    width = 0.8 / max(1, len(layers))
    fig, ax = plt.subplots(figsize=(1.8 + 1.6 * len(tasks), 3.6))
    for j, layer in enumerate(layers):
        values = [next((r["accuracy"] or 0.0 for r in flat if r["task"] == t and r["layer"] == layer), 0.0) for t in tasks]
        ax.bar([i + (j - (len(layers) - 1) / 2) * width for i in range(len(tasks))], values, width, label=layer)
    for i, task in enumerate(tasks):
        chance = next(r["chance"] for r in flat if r["task"] == task)
        ax.hlines(chance, i - 0.45, i + 0.45, colors="black", linestyles="dashed", linewidth=1)
    ax.set_xticks(range(len(tasks)), tasks)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize="small", ncols=min(4, len(layers)), loc="upper center", bbox_to_anchor=(0.5, -0.12))
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
