"""One self-contained HTML report of a benchmark: leaderboard, figures, every run.

:func:`write_report` turns run results (the dicts of ``results.jsonl``; :func:`read_results` reads
that file) into ``leaderboard.csv``, ``leaderboard.md``, ``plots/*.png`` and ``report.html``. The
HTML needs nothing beside itself: CSS inline, figures inlined as base64 ``data:`` URIs, and a
Content-Security-Policy that forbids loading anything else. A small inline script records on
``load`` how many images decoded, as ``<body data-images-loaded="5" data-images-total="5">``.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from anyconv.bench.aggregate import Cell, format_number
from anyconv.bench.aggregate import cells as make_cells
from anyconv.bench.plots import CAPTIONS, write_plots
from anyconv.bench.tables import best_cells, mean_std_text, write_leaderboard
from anyconv.utils.io import atomic_write_text

__all__ = ["read_results", "render_html", "write_report"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1200px;
padding:0 1rem;color:#1f2328;line-height:1.45}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;font-size:.92rem}
.meta dt{color:#59636e}.meta dd{margin:0}
table{border-collapse:collapse;font-size:.88rem;margin:.6rem 0}
th,td{padding:.25rem .6rem;border-bottom:1px solid #e4e7eb;text-align:left;white-space:nowrap}
th{background:#f6f8fa;position:sticky;top:0}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.first td{border-top:2px solid #8c959f}tr.group td{border-top:1px solid #afb8c1}tr.interrupted td{background:#fff8e1}
.badge{display:inline-block;font-size:.72rem;padding:0 .35rem;border-radius:.6rem;margin-left:.3rem;
background:#eaeef2;color:#424a53}.badge.warn{background:#ffe08a;color:#5c3d00}
figure{margin:1.2rem 0}figure img{max-width:100%;height:auto;border:1px solid #e4e7eb}
figcaption{color:#59636e;font-size:.9rem;margin-top:.3rem}.note{color:#59636e;font-size:.88rem}
"""

_SCRIPT = """window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var loaded = images.filter(function (img) { return img.complete && img.naturalWidth > 0; }).length;
  document.body.dataset.imagesLoaded = String(loaded);
  document.body.dataset.imagesTotal = String(images.length);
});"""

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


def read_results(path: str | Path) -> list[dict[str, Any]]:
    """The run results in a ``results.jsonl`` file (one JSON object per line; blank lines skipped).

    Raises
    ------
    ValueError
        Naming the file and line of a line that is not a JSON object.
    """
    results: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not valid JSON ({error.msg})") from None
            if not isinstance(value, dict):  # bad file content, so a ValueError like the line above
                raise ValueError(  # noqa: TRY004
                    f"{path}:{number}: expected a JSON object, got {type(value).__name__}")
            results.append(value)
    return results


def _values(results: Iterable[Mapping[str, Any]], *keys: str) -> list[str]:
    """Sorted distinct ``result[k1][k2]...`` values (missing ones left out), as text."""
    found = set()
    for result in results:
        value: Any = result
        for key in keys:
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is not None:
            found.add(str(value))
    return sorted(found, key=lambda v: (len(v), v))


def _versions(results: Iterable[Mapping[str, Any]]) -> list[str]:
    """``name=value`` for every key containing "version" in the results or their configs."""
    found: set[str] = set()
    for result in results:
        pairs = list(result.items()) + list((result.get("config") or {}).items())
        scalars = [(k, v) for k, v in pairs if "version" in str(k).lower() and isinstance(v, (str, int, float))]
        extra = result.get("versions")
        scalars += list(extra.items()) if isinstance(extra, Mapping) else []
        found.update(f"{k}={v}" for k, v in scalars)
    return sorted(found)


def _meta(results: Sequence[Mapping[str, Any]], cells: Sequence[Cell], generated_at: datetime) -> str:
    runs = [run for cell in cells for run in cell.runs]
    interrupted = sum(1 for run in runs if run.get("status") == "interrupted" or run.get("interrupted") is True)
    superseded = len(results) - len(runs)
    single = [c.label for c in cells if c.n_seeds == 1]
    rows = [
        ("generated", generated_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("suite", ", ".join(_values(results, "suite", "name")) or "— (single runs)"),
        ("runs", f"{len(runs)} ({len(runs) - interrupted} finished, {interrupted} interrupted)"
                 + (f"; {superseded} earlier duplicate(s) superseded" if superseded else "")),
        ("cells", f"{len(cells)} over {len({c.task for c in cells})} task(s) and {len({c.layer for c in cells})} layer(s)"),
        ("seeds", " ".join(_values(results, "config", "seed")) or "—"),
        ("single-seed cells", ", ".join(single) if single else "none"),
        ("device", ", ".join(_values(results, "config", "device")) or "—"),
        ("precision", ", ".join(_values(results, "config", "precision")) or "—"),
        ("versions", ", ".join(_versions(results)) or "—"),
    ]
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    return f'<dl class="meta">{items}</dl>'


def _leaderboard(cells: Sequence[Cell]) -> str:
    best = best_cells(cells)
    head = ("task", "variant", "layer", "metric", "mean ± std (n)", "chance", "params", "seconds", "steps")
    numeric = {"mean ± std (n)", "chance", "params", "seconds", "steps"}
    out = ["<table><thead><tr>" + "".join(
        f'<th class="num">{escape(h)}</th>' if h in numeric else f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>"]
    for i, c in enumerate(cells):
        classes = []
        if i == 0 or cells[i - 1].task != c.task:
            classes.append("first")
        elif cells[i - 1].variant != c.variant:
            classes.append("group")
        if c.interrupted:
            classes.append("interrupted")
        score = escape(mean_std_text(c))
        if i in best:
            score = f"<strong>{score}</strong>"
        if c.interrupted:
            score += '<span class="badge warn">interrupted</span>'
        layer = escape(c.layer) + ('<span class="badge">baseline</span>' if c.baseline else "")
        params = "—" if c.params is None else f"{c.params:,}"
        cols = [escape(c.task), escape(c.variant), layer, escape(c.metric)]
        nums = [score, escape(format_number(c.chance, c.metric)), escape(params), f"{c.wall_time_s:.1f}", str(c.steps)]
        out.append(f'<tr class="{" ".join(classes)}">' + "".join(f"<td>{v}</td>" for v in cols)
                   + "".join(f'<td class="num">{v}</td>' for v in nums) + "</tr>")
    return "".join(out) + "</tbody></table>"


def _runs_table(cells: Sequence[Cell]) -> str:
    head = ("run id", "task", "variant", "layer", "seed", "test metric", "steps", "seconds", "status")
    numeric = {"seed", "test metric", "steps", "seconds"}
    out = ["<table><thead><tr>" + "".join(
        f'<th class="num">{escape(h)}</th>' if h in numeric else f"<th>{escape(h)}</th>" for h in head)
        + "</tr></thead><tbody>"]
    for cell in cells:
        for run in cell.runs:
            value = (run.get("test") or {}).get("metric")
            value = None if isinstance(value, float) and math.isnan(value) else value
            status = str(run.get("status") or ("interrupted" if run.get("interrupted") else "finished"))
            seconds = run.get("wall_time_s")
            cols = [str(run.get("run_id", "—")), cell.task, cell.variant, cell.layer, str(run["config"].get("seed")),
                    format_number(value, cell.metric), str(run.get("steps_done", "—")),
                    "—" if seconds is None else f"{float(seconds):.1f}", status]
            css = ' class="interrupted"' if status == "interrupted" else ""
            out.append(f"<tr{css}>" + "".join(
                f'<td class="num">{escape(v)}</td>' if h in numeric else f"<td>{escape(v)}</td>"
                for h, v in zip(head, cols)) + "</tr>")
    return "".join(out) + "</tbody></table>"


def _figure(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    caption = CAPTIONS.get(path.name, path.stem.replace("_", " "))
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{escape(caption)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def render_html(results: Sequence[Mapping[str, Any]], cells: Sequence[Cell], plots: Iterable[Path], *,
                title: str = "anyconv benchmark report", generated_at: datetime | None = None) -> str:
    """The report as one HTML string (figures read from ``plots`` and inlined; nothing written)."""
    generated_at = generated_at or datetime.now(UTC)
    figures = "".join(_figure(Path(p)) for p in plots) or '<p class="note">No data to plot.</p>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{escape(_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
{_meta(results, cells, generated_at)}
<h2>Leaderboard</h2>
<p class="note">Test metric of the final model, mean ± sample standard deviation (ddof=1) over seeds;
(n) is the number of seeds. Higher is better; chance is the score of an input-ignoring guess
(for denoising, the PSNR of the noisy input). Best per task and variant in bold.</p>
{_leaderboard(cells)}
<h2>Figures</h2>
{figures}
<h2>Runs</h2>
{_runs_table(cells)}
<script>{_SCRIPT}</script>
</body></html>
"""


def write_report(results: Iterable[Mapping[str, Any]], out_dir: str | Path, *,
                 title: str = "anyconv benchmark report", generated_at: datetime | None = None) -> dict[str, Path]:
    """Write the leaderboard files, the figures and ``report.html`` into ``out_dir``; return their paths.

    Returns ``{"csv": ..., "md": ..., "html": ..., "<figure stem>": ...}`` — one entry per figure
    that had data (e.g. ``"learning_curves"`` only when runs carry a ``history``). Every file
    is written atomically. ``generated_at`` (default: now, UTC) is the time the report states.

    Raises
    ------
    TypeError, ValueError
        If a result is malformed (see :func:`anyconv.bench.aggregate.cells`).
    """
    results = list(results)
    out = Path(out_dir)
    cells = make_cells(results)
    paths: dict[str, Path] = dict(write_leaderboard(cells, out))
    plots = write_plots(cells, out / "plots")
    html = render_html(results, cells, plots.values(), title=title, generated_at=generated_at)
    atomic_write_text(out / "report.html", html)
    paths["html"] = out / "report.html"
    paths.update({Path(name).stem: path for name, path in plots.items()})
    return paths
