"""Continuous kernels: the learning table of the ``continuous`` suite, then the speed check.

Learning: trains (or reads back, when finished) every run of ``anyconv bench --suite continuous``
— CKCNNs with ``ckconv1d`` (CKCNN), ``flexconv1d`` (FlexNet) and ``smpconv1d`` (SMP) kernels, and a
dilated TCN (``conv1d``) of about the same parameter count — and prints, per task, the test
accuracy of the final models (mean ± sample std over seeds), the final validation accuracy, the
parameters, the seconds per run and, for each continuous model, its margin over the TCN in units
of the two cells' spread. Runs are the harness's (``runs/bench-continuous/runs/...``): the same
folders ``anyconv bench --suite continuous --out-dir runs/bench-continuous`` writes, so either
command finishes what the other started.

Speed: :func:`benchmarks.continuous_speed.main` (CKConv1d forward+backward vs a dense FFT conv
with the same kernel length, and the irregular path at N = 1 000 with 50 % drops).

    python -m benchmarks.continuous [--workers 3] [--no-train] [--no-speed]

Times are wall-clock seconds of one run in a process with one torch thread; on a shared machine
they say little beyond the ordering (see docs/benchmarks.md for the conditions of the numbers).
"""

from __future__ import annotations

import argparse
import fnmatch
import statistics
from pathlib import Path
from typing import Any

from anyconv.bench.aggregate import Cell, cells
from anyconv.bench.execute import finished_result, run_all, run_dir_of
from anyconv.bench.suite import load_suite

MODELS = {"ckconv1d": "CKCNN", "flexconv1d": "FlexNet", "smpconv1d": "SMP", "conv1d": "TCN"}
BASELINE = "conv1d"
TASK_ORDER = ("mnist1d", "mnist1d-irregular-50", "smnist", "pmnist")


def _val_mean(cell: Cell) -> float | None:
    values = [float(r["val"]["metric"]) for r in cell.runs if r.get("val")]
    return statistics.fmean(values) if values else None


def _margin(cell: Cell, baseline: Cell | None) -> str:
    """``+d (z)``: mean difference to the TCN and that difference over the larger of the two stds."""
    if baseline is None or cell.mean is None or baseline.mean is None or cell is baseline:
        return ""
    diff = cell.mean - baseline.mean
    spread = max(cell.std or 0.0, baseline.std or 0.0)
    z = f" ({diff / spread:+.1f}σ)" if spread > 0 else ""
    return f"{diff:+.3f}{z}"


def table(results: list[dict[str, Any]]) -> tuple[str, dict[str, dict[str, Any]]]:
    """The markdown learning table and its numbers, ``{task: {layer: {...}}}``."""
    by_task: dict[str, dict[str, Cell]] = {}
    for cell in cells(results):
        by_task.setdefault(cell.task, {})[cell.layer] = cell
    lines = [
        "| task | model (layer) | test acc. mean ± std (n) | val acc. | vs TCN | params | s / run | steps |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    numbers: dict[str, dict[str, Any]] = {}
    for task in sorted(by_task, key=lambda t: (TASK_ORDER.index(t) if t in TASK_ORDER else len(TASK_ORDER), t)):
        group = by_task[task]
        baseline = group.get(BASELINE)
        for layer in sorted(group, key=lambda name: list(MODELS).index(name) if name in MODELS else len(MODELS)):
            cell = group[layer]
            val = _val_mean(cell)
            mean = "—" if cell.mean is None else f"{cell.mean:.3f} ± {cell.std or 0.0:.3f} ({cell.n_seeds})"
            lines.append(
                f"| {task} | {MODELS.get(layer, layer)} ({layer}) | {mean} | {'—' if val is None else f'{val:.3f}'} | "
                f"{_margin(cell, baseline)} | {cell.params or 0:,} | {cell.wall_time_s:.0f} | {cell.steps} |"
            )
            numbers.setdefault(task, {})[layer] = {
                "mean": cell.mean, "std": cell.std, "n": cell.n_seeds, "val": val, "params": cell.params,
                "seconds": cell.wall_time_s, "steps": cell.steps, "values": list(cell.values),
            }
    return "\n".join(lines), numbers


def learning(out_dir: Path, *, workers: int, threads: int, train: bool, layers: str) -> dict[str, dict[str, Any]]:
    """Train what is missing (``train``) or read what is finished, then print the table."""
    suite = load_suite("continuous")
    patterns = [p.strip() for p in layers.split(",") if p.strip()]
    configs = [c for c in suite.runs if any(fnmatch.fnmatchcase(c.layer, p) for p in patterns)]
    if train:
        results = run_all(configs, out_dir, workers=workers, threads=threads, progress="lines")
    else:
        found = (finished_result(run_dir_of(out_dir, c)) for c in configs)
        results = [r for r in found if r is not None]
        print(f"{len(results)} of {len(configs)} runs finished in {out_dir}")
    text, numbers = table(results)
    print(text)
    return numbers


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=Path("runs/bench-continuous"))
    parser.add_argument("--workers", type=int, default=2, help="training processes (one torch thread each)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--layers", default="*", help="comma-separated name patterns: only these layers")
    parser.add_argument("--no-train", action="store_true", help="only read finished runs")
    parser.add_argument("--no-speed", action="store_true", help="skip benchmarks.continuous_speed")
    parser.add_argument("--speed-args", default="--threads 1 --clock cpu", help="arguments for benchmarks.continuous_speed")
    args = parser.parse_args(argv)
    out: dict[str, Any] = {"learning": learning(args.out_dir, workers=args.workers, threads=args.threads,
                                                train=not args.no_train, layers=args.layers)}
    if not args.no_speed:
        from benchmarks import continuous_speed

        out["speed"] = continuous_speed.main(args.speed_args.split())
    return out


if __name__ == "__main__":
    main()
