"""``anyconv layers``, ``anyconv train`` and ``anyconv bench`` (wired into :mod:`anyconv.cli`)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

from anyconv.bench import leaderboard
from anyconv.bench.suite import quick_configs, run_suite
from anyconv.bench.train import TrainConfig, train
from anyconv.data.synthetic import TASKS
from anyconv.layers.registry import KINDS, get_spec, list_layers


def add_parsers(subparsers: Any) -> None:
    """Add the ``layers``, ``train`` and ``bench`` sub-commands."""
    p = subparsers.add_parser("layers", help="list registered layers")
    p.add_argument("pattern", nargs="?", default="*", help="shell-style name pattern (default: all)")
    p.add_argument("--kind", choices=KINDS, default=None, help="only layers of this kind")
    p.set_defaults(func=cmd_layers)

    p = subparsers.add_parser("train", help="train one sequence layer on one synthetic task")
    p.add_argument("--layer", required=True, help="registered sequence layer (see `anyconv layers`)")
    p.add_argument("--task", required=True, help=f"synthetic task: {', '.join(TASKS)}")
    p.add_argument("--seq-len", type=int, default=64)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--d-model", type=int, default=32)
    p.add_argument("--n-layers", type=int, default=2)
    p.add_argument("--bidirectional", action="store_true", help="non-causal layers")
    p.add_argument("--out", type=Path, default=None, help="write the JSON result here")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = subparsers.add_parser("bench", help="train every sequence layer on every task; print a leaderboard")
    p.add_argument("--quick", action="store_true", help="small sizes: a few minutes on 2 CPU cores")
    p.add_argument("--out-dir", type=Path, default=Path("runs/bench-quick"))
    p.add_argument("--layers", default="*", help="comma-separated name patterns (default: all)")
    p.add_argument("--tasks", default="*", help="comma-separated task patterns (default: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (default 1: tiny models, and no OpenMP oversubscription on shared machines)")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG bar plot")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--steps-scale", type=float, default=1.0, help=argparse.SUPPRESS)  # tests: shorter runs
    p.set_defaults(func=cmd_bench)


def cmd_layers(args: argparse.Namespace) -> int:
    names = list_layers(args.pattern, kind=args.kind)
    if not names:
        raise ValueError(f"no layer matches {args.pattern!r}; registered: {', '.join(list_layers())}")
    grid = Table(title="anyconv layers")
    for column in ("name", "kind", "class", "description"):
        grid.add_column(column)
    for name in names:
        spec = get_spec(name)
        grid.add_row(name, spec.kind, spec.cls.__name__, spec.description)
    Console().print(grid)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    spec = get_spec(args.layer)  # unknown names: ValueError with close matches
    if spec.kind != "sequence":
        raise ValueError(f"layer {args.layer!r} is of kind {spec.kind!r}; train needs a 'sequence' layer")
    config = TrainConfig(
        layer=args.layer, task=args.task, seq_len=args.seq_len, steps=args.steps, seed=args.seed,
        batch_size=args.batch_size, lr=args.lr, d_model=args.d_model, n_layers=args.n_layers,
        bidirectional=args.bidirectional,
    )
    result = train(config, out=args.out, progress=not args.no_progress)
    console = Console()
    console.print(leaderboard.table([result], title=f"{args.layer} on {args.task}"))
    if args.out is not None:
        console.print(f"result written to {args.out}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    if not args.quick:
        raise ValueError("only the quick suite is defined so far: run `anyconv bench --quick`")
    if args.threads < 1:
        raise ValueError(f"--threads must be >= 1, got {args.threads}")
    torch.set_num_threads(args.threads)
    configs = quick_configs(layers=args.layers, tasks=args.tasks, seed=args.seed, steps_scale=args.steps_scale)
    console = Console()
    console.print(f"bench --quick: {len(configs)} runs → {args.out_dir}")

    def report(result: dict[str, Any]) -> None:
        c = result["config"]
        console.print(f"  {c['task']:<8} {c['layer']:<14} accuracy {result['accuracy']:.3f} "
                      f"(chance {result['chance']:.3f})  {result['wall_time_s']:.1f} s")

    start = time.perf_counter()
    try:
        results = run_suite(configs, args.out_dir, progress=not args.no_progress, on_result=report)
    except KeyboardInterrupt as interrupt:
        partial = getattr(interrupt, "results", [])
        if partial:
            leaderboard.write_results(partial, args.out_dir)
        raise
    paths = leaderboard.write_results(results, args.out_dir)
    console.print(leaderboard.table(results, title=f"bench --quick ({time.perf_counter() - start:.0f} s)"))
    if not args.no_plot:
        paths["png"] = leaderboard.plot(results, Path(args.out_dir) / "leaderboard.png")
    console.print("written: " + ", ".join(str(p) for p in paths.values()))
    return 0
