"""Leaderboards of cells: flat rows, ``leaderboard.csv`` + ``leaderboard.md``, a rich table.

Every table shows ``mean ± std (n)`` — sample std over ``n`` seeds — next to chance, so a
single-seed number and a number near chance are both visible. The best cell of each
(task, variant) group is marked (bold in markdown and in the terminal).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from anyconv.bench.aggregate import Cell, format_number
from anyconv.utils.io import atomic_write_text

__all__ = ["COLUMNS", "best_cells", "leaderboard_rows", "mean_std_text", "rich_table", "write_leaderboard"]

#: Columns of :func:`leaderboard_rows` and ``leaderboard.csv``, in order.
COLUMNS = ("task", "variant", "layer", "metric", "mean", "std", "n_seeds", "seeds", "chance", "params",
           "seconds", "steps", "baseline", "interrupted", "best")


def best_cells(cells: Sequence[Cell]) -> set[int]:
    """Indices (into ``cells``) of the highest-mean cell of each (task, variant); ties all win."""
    top: dict[tuple[str, str], float] = {}
    for cell in cells:
        if cell.mean is not None:
            group = (cell.task, cell.variant)
            top[group] = max(top.get(group, cell.mean), cell.mean)
    return {i for i, c in enumerate(cells) if c.mean is not None and c.mean == top[(c.task, c.variant)]}


def mean_std_text(cell: Cell) -> str:
    """``"0.700 ± 0.200 (3)"``: mean ± sample std (number of seeds); ``"— (0)"`` without a metric."""
    if cell.mean is None:
        return f"— ({cell.n_seeds})"
    return f"{format_number(cell.mean, cell.metric)} ± {format_number(cell.std, cell.metric)} ({cell.n_seeds})"


def leaderboard_rows(cells: Sequence[Cell]) -> list[dict[str, Any]]:
    """One flat dict per cell (keys :data:`COLUMNS`), in the cells' order.

    ``mean``/``std``/``chance`` are unrounded floats (``None`` when missing), ``seeds`` is a
    space-separated string (``"0 1 2"``), ``seconds`` the mean wall time rounded to 0.01 s,
    ``best`` marks the best cell of its (task, variant) group.
    """
    best = best_cells(cells)
    return [
        {
            "task": c.task, "variant": c.variant, "layer": c.layer, "metric": c.metric,
            "mean": c.mean, "std": c.std, "n_seeds": c.n_seeds, "seeds": " ".join(str(s) for s in c.seeds),
            "chance": c.chance, "params": c.params, "seconds": round(c.wall_time_s, 2), "steps": c.steps,
            "baseline": c.baseline, "interrupted": c.interrupted, "best": i in best,
        }
        for i, c in enumerate(cells)
    ]


def _csv_text(cells: Sequence[Cell]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in leaderboard_rows(cells):
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buffer.getvalue()


def _md_cell(text: str) -> str:
    """Markdown table cell text: pipes escaped, newlines flattened."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_table(cells: Sequence[Cell]) -> str:
    """The leaderboard as a GitHub-flavoured markdown table (best of each group in bold)."""
    best = best_cells(cells)
    lines = ["| task | variant | layer | metric | mean ± std (n) | chance | params | seconds | steps |",
             "|---|---|---|---|---:|---:|---:|---:|---:|"]
    for i, c in enumerate(cells):
        layer = c.layer + (" (baseline)" if c.baseline else "")
        score = mean_std_text(c)
        if i in best:
            score = f"**{score}**"
        if c.interrupted:
            score += " ⚠ interrupted"
        params = "—" if c.params is None else f"{c.params:,}"
        fields = [c.task, c.variant, layer, c.metric, score, format_number(c.chance, c.metric), params,
                  f"{c.wall_time_s:.1f}", str(c.steps)]
        lines.append("| " + " | ".join(_md_cell(f) for f in fields) + " |")
    return "\n".join(lines) + "\n"


def write_leaderboard(cells: Sequence[Cell], out_dir: str | Path) -> dict[str, Path]:
    """Write ``leaderboard.csv`` and ``leaderboard.md`` into ``out_dir`` atomically.

    Returns ``{"csv": path, "md": path}``. The markdown file is a short note (std is the sample
    std over seeds, ``(n)`` the seed count) followed by :func:`markdown_table`.
    """
    out = Path(out_dir)
    paths = {"csv": out / "leaderboard.csv", "md": out / "leaderboard.md"}
    atomic_write_text(paths["csv"], _csv_text(cells))
    note = ("Test metric of the final model: mean ± sample std (ddof=1) over seeds, (n) = number of seeds. "
            "Higher is better; chance is an input-ignoring guess. Best per task and variant in bold.\n\n")
    atomic_write_text(paths["md"], "# Leaderboard\n\n" + note + markdown_table(cells))
    return paths


def rich_table(cells: Sequence[Cell], *, title: str = "anyconv leaderboard") -> Table:
    """A rich table for the terminal: one row per cell, a rule between tasks, best in bold."""
    best = best_cells(cells)
    grid = Table(title=title)
    for name, justify in (("task", "left"), ("variant", "left"), ("layer", "left"), ("mean ± std (n)", "right"),
                          ("chance", "right"), ("params", "right"), ("seconds", "right"), ("steps", "right")):
        grid.add_column(name, justify=justify)  # type: ignore[arg-type]
    for i, c in enumerate(cells):
        score = mean_std_text(c)
        if i in best:
            score = f"[bold]{score}[/bold]"
        if c.interrupted:
            score += " [yellow](interrupted)[/yellow]"
        last_of_task = i + 1 == len(cells) or cells[i + 1].task != c.task
        layer = escape(c.layer) + (" [dim](baseline)[/dim]" if c.baseline else "")
        task = escape(c.task) if i == 0 or cells[i - 1].task != c.task else ""
        grid.add_row(task, escape(c.variant), layer, score,
                     format_number(c.chance, c.metric), "—" if c.params is None else f"{c.params:,}",
                     f"{c.wall_time_s:.1f}", str(c.steps), end_section=last_of_task)
    return grid
