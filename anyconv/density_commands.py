"""``anyconv optimize-density``: DIRECT-L search of a weighted layer's density (wired into :mod:`anyconv.cli`)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

from anyconv.utils.io import atomic_write_json


def _bound(text: str) -> tuple[float, float]:
    low, sep, high = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return float(low), float(high)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a bound looks like LOW:HIGH (e.g. 0.05:1.5), got {text!r}") from None


def add_parsers(subparsers: Any) -> None:
    """Add the ``optimize-density`` sub-command."""
    p = subparsers.add_parser(
        "optimize-density",
        help="search a weighted layer's density by DIRECT-L on validation loss (one training run per candidate)",
    )
    p.add_argument("--task", required=True, help="registered task (anyconv tasks)")
    p.add_argument("--layer", default="weightedconv2d", help="weightedconv2d (default) or weightedconv1d")
    p.add_argument("--bounds", type=_bound, action="append", default=None, metavar="LOW:HIGH",
                   help="range of one density value, outermost first (repeat per value; default: the "
                        "reference's ranges for kernel sizes 3, 5, 7)")
    p.add_argument("--max-evals", type=int, default=20, help="training runs DIRECT-L may ask for (default 20)")
    p.add_argument("--task-option", action="append", default=[], metavar="KEY=VALUE", help="a task option")
    p.add_argument("--model-option", action="append", default=[], metavar="KEY=VALUE",
                   help="a build_model option (JSON values), e.g. kernel_size=5 or width=16")
    p.add_argument("--steps", type=int, default=200, help="training steps per candidate")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--n-train", type=int, default=None)
    p.add_argument("--n-val", type=int, default=None)
    p.add_argument("--n-test", type=int, default=None)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--out", type=Path, default=None, help="write the search (best, every evaluation) as JSON")
    p.set_defaults(func=cmd_optimize_density, seq_len=None, d_model=None, n_layers=None, bidirectional=False,
                   stream=False, eval_every=0, checkpoint_every=0, precision="fp32")


def cmd_optimize_density(args: argparse.Namespace) -> int:
    from anyconv.bench.commands import train_config
    from anyconv.density_search import optimize_density

    config = train_config(args)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    console = Console()

    def show(den: list[float], loss: float) -> None:
        console.print(f"density {[round(v, 4) for v in den]}: validation loss {loss:.5f}")

    result = optimize_density(config, args.bounds, max_evals=args.max_evals, on_evaluation=show)
    grid = Table(title=f"DIRECT-L density search: {config.layer} on {config.task} ({result.n_evals} runs)")
    grid.add_column("density (outermost first)")
    grid.add_column("validation loss", justify="right")
    for den, loss in sorted(result.evaluations, key=lambda item: item[1])[:10]:
        grid.add_row(str([round(v, 4) for v in den]), f"{loss:.5f}")
    console.print(grid)
    console.print(f"best density: {[round(v, 4) for v in result.density]} (validation loss {result.loss:.5f}); "
                  f"use it with --model-option 'layer_options={{\"density\": {result.density}}}'")
    if args.out is not None:
        atomic_write_json(args.out, {"config": asdict(config), "density": result.density, "loss": result.loss,
                                     "evaluations": [{"density": d, "loss": v} for d, v in result.evaluations],
                                     "message": result.message})
    return 0
