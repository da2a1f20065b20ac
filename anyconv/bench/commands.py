"""``anyconv layers | tasks | train | bench`` (wired into :mod:`anyconv.cli`)."""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

from anyconv.bench.config import RunConfig, resolve, run_name
from anyconv.bench.suite import load_suite, shipped_suites
from anyconv.data.tasks import KINDS as TASK_KINDS
from anyconv.data.tasks import get_task_info, list_tasks, parse_option
from anyconv.layers.registry import KINDS, get_spec, list_layers
from anyconv.utils.io import atomic_write_json, atomic_write_text


def add_parsers(subparsers: Any) -> None:
    """Add the ``layers``, ``tasks``, ``train`` and ``bench`` sub-commands."""
    p = subparsers.add_parser("layers", help="list registered layers")
    p.add_argument("pattern", nargs="?", default="*", help="shell-style name pattern (default: all)")
    p.add_argument("--kind", choices=KINDS, default=None, help="only layers of this kind")
    p.set_defaults(func=cmd_layers)

    p = subparsers.add_parser("tasks", help="list registered tasks with their options")
    p.add_argument("pattern", nargs="?", default="*", help="shell-style name pattern (default: all)")
    p.add_argument("--kind", choices=TASK_KINDS, default=None, help="only tasks of this kind")
    p.set_defaults(func=cmd_tasks)

    p = subparsers.add_parser("train", help="train one layer on one task (works under torchrun)")
    p.add_argument("--layer", required=True, help="registered layer (anyconv layers)")
    p.add_argument("--task", required=True, help="registered task (anyconv tasks)")
    p.add_argument("--task-option", action="append", default=[], metavar="KEY=VALUE",
                   help="a task option, e.g. n_pairs=4 (repeatable; see anyconv tasks)")
    p.add_argument("--seq-len", type=int, default=None, help="shortcut for --task-option seq_len=N")
    sizes = p.add_mutually_exclusive_group()
    sizes.add_argument("--n-train", type=int, default=None, help="training examples (default: the task's)")
    sizes.add_argument("--stream", action="store_true", help="a fresh training batch every step (generated tasks)")
    p.add_argument("--n-val", type=int, default=None)
    p.add_argument("--n-test", type=int, default=None)
    p.add_argument("--model-option", action="append", default=[], metavar="KEY=VALUE",
                   help="a build_model option, e.g. d_model=64 or layer_options={\"order\": 2} (JSON values)")
    p.add_argument("--d-model", type=int, default=None, help="shortcut for --model-option d_model=N")
    p.add_argument("--n-layers", type=int, default=None, help="shortcut for --model-option n_layers=N")
    p.add_argument("--bidirectional", action="store_true", help="non-causal sequence layers")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=32, help="global batch (split over torchrun ranks)")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--eval-every", type=int, default=0, help="validation every N steps (0: 5 times per run)")
    p.add_argument("--checkpoint-every", type=int, default=0, help="checkpoint every N steps (0: at each evaluation)")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ... (cuda paths: see README)")
    p.add_argument("--precision", choices=("fp32", "bf16"), default="fp32", help="bf16: bfloat16 autocast")
    p.add_argument("--run-dir", type=Path, default=None,
                   help="checkpointed run folder (default: runs/train/<task>-<layer>-s<seed>-<id>)")
    p.add_argument("--resume", action="store_true", help="continue from the run folder's last checkpoint")
    p.add_argument("--out", type=Path, default=None, help="also write the JSON result here")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar or lines")
    p.set_defaults(func=cmd_train)

    p = subparsers.add_parser("bench", help="train a suite of layers x tasks x seeds; leaderboard and report")
    p.add_argument("--suite", default=None, help=f"shipped suite ({', '.join(shipped_suites())}) or a .toml path")
    p.add_argument("--quick", action="store_true", help="alias of --suite quick")
    p.add_argument("--out-dir", type=Path, default=None, help="default: runs/bench-<suite>")
    p.add_argument("--workers", type=int, default=0,
                   help="runs in N local processes (default 0: one per CPU core; 1: in this process)")
    p.add_argument("--dask", default=None, metavar="ADDRESS", help="submit runs to a dask.distributed scheduler")
    p.add_argument("--seeds", default=None, help="comma-separated seeds (default: the suite's)")
    p.add_argument("--layers", default="*", help="comma-separated name patterns: only these layers")
    p.add_argument("--tasks", default="*", help="comma-separated name patterns: only these tasks")
    p.add_argument("--threads", type=int, default=1, help="torch threads per run (default 1: tiny models)")
    p.add_argument("--device", default=None, help="override the suite's device for every run (cpu, cuda, ...)")
    p.add_argument("--precision", choices=("fp32", "bf16"), default=None, help="override the suite's precision")
    p.add_argument("--no-report", action="store_true", help="skip plots and report.html")
    p.add_argument("--no-progress", action="store_true", help="no progress bars or lines")
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


def cmd_tasks(args: argparse.Namespace) -> int:
    names = list_tasks(args.pattern, kind=args.kind)
    if not names:
        raise ValueError(f"no task matches {args.pattern!r}; registered: {', '.join(list_tasks())}")
    grid = Table(title="anyconv tasks")
    for column in ("name", "kind", "stream", "options (defaults)", "description"):
        grid.add_column(column)
    for name in names:
        info = get_task_info(name)
        options = ", ".join(f"{k}={v!r}" for k, v in info.options.items())
        grid.add_row(name, info.kind, "yes" if info.can_stream else "no", options, info.description)
    Console().print(grid)
    return 0


def _key_values(items: list[str], parse: Any) -> dict[str, Any]:
    return dict(parse(item) for item in items)


def _json_option(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise ValueError(f"model option must look like key=value, got {text!r}")
    try:
        return key, json.loads(raw)
    except json.JSONDecodeError:
        return key, raw


def train_config(args: argparse.Namespace) -> RunConfig:
    """The RunConfig of ``anyconv train``'s arguments (checked by :func:`resolve`)."""
    get_task_info(args.task)  # unknown task first, with close matches
    options = _key_values(args.task_option, lambda item: parse_option(args.task, item))
    if args.seq_len is not None:
        options["seq_len"] = args.seq_len
    model = _key_values(args.model_option, _json_option)
    for name in ("d_model", "n_layers"):
        if getattr(args, name) is not None:
            model[name] = getattr(args, name)
    if args.bidirectional:
        model["bidirectional"] = True
    return resolve(RunConfig(
        layer=args.layer, task=args.task, task_options=options, seed=args.seed, steps=args.steps,
        batch_size=args.batch_size, lr=args.lr, weight_decay=args.weight_decay, n_train=args.n_train,
        n_val=args.n_val, n_test=args.n_test, stream=args.stream, model=model, eval_every=args.eval_every,
        checkpoint_every=args.checkpoint_every, device=args.device, precision=args.precision,
    ))


def cmd_train(args: argparse.Namespace) -> int:
    from anyconv.bench import distributed
    from anyconv.bench.train import train

    config = train_config(args)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    run_dir = args.run_dir or Path("runs") / "train" / run_name(config)
    if args.resume and not (run_dir / "latest.json").exists():
        raise FileNotFoundError(f"--resume: {run_dir} has no checkpoint to continue from")
    try:
        result = train(config, run_dir, resume=args.resume, progress="off" if args.no_progress else "auto")
    finally:
        distributed.teardown()
    if not distributed.is_rank_zero():
        return 0
    if args.out is not None:
        atomic_write_json(args.out, result)
    from anyconv.bench.aggregate import cells
    from anyconv.bench.tables import rich_table

    console = Console()
    console.print(rich_table(cells([result]), title=f"{config.layer} on {config.task}"))
    console.print(f"run folder: {run_dir}" + (f"; result: {args.out}" if args.out else ""))
    return 0


def _scaled(config: RunConfig, scale: float) -> RunConfig:
    return RunConfig(**{**asdict(config), "steps": max(1, round(config.steps * scale))})


def cmd_bench(args: argparse.Namespace) -> int:
    import fnmatch

    from anyconv.bench.execute import run_all

    if args.quick and args.suite not in (None, "quick"):
        raise ValueError(f"--quick is an alias of --suite quick; got also --suite {args.suite}")
    if args.threads < 1:
        raise ValueError(f"--threads must be >= 1, got {args.threads}")
    if args.workers < 0:
        raise ValueError(f"--workers must be >= 0 (0: one per CPU core), got {args.workers}")
    workers = args.workers or os.cpu_count() or 1
    if not 0 < args.steps_scale <= 1e3:
        raise ValueError(f"--steps-scale must be in (0, 1000], got {args.steps_scale}")
    name = "quick" if args.quick else args.suite
    if name is None:
        raise ValueError(f"choose a suite: --suite {{{','.join(shipped_suites())}}} or --suite PATH.toml (or --quick)")
    seeds = None if args.seeds is None else [int(s) for s in args.seeds.split(",")]
    suite = load_suite(name, seeds=seeds)

    def keep(value: str, patterns: str) -> bool:
        return any(fnmatch.fnmatchcase(value, p.strip()) for p in patterns.split(","))

    configs = [c for c in suite.runs if keep(c.layer, args.layers) and keep(c.task, args.tasks)]
    if not configs:
        raise ValueError(f"no run of suite {suite.name!r} matches --layers {args.layers!r} --tasks {args.tasks!r}")
    if args.steps_scale != 1.0:
        configs = [_scaled(c, args.steps_scale) for c in configs]
    overrides = {k: v for k, v in (("device", args.device), ("precision", args.precision)) if v is not None}
    if overrides:
        configs = [RunConfig(**{**asdict(c), **overrides}) for c in configs]
    out_dir = args.out_dir or Path("runs") / f"bench-{suite.name}"
    console = Console(stderr=False)
    console.print(f"suite {suite.name!r} ({suite.path.name}): {len(configs)} runs, seeds {suite.seeds} → {out_dir}")
    results: dict[str, dict[str, Any]] = {}

    def arrived(result: dict[str, Any]) -> None:
        result.setdefault("suite", {"name": suite.name})
        results[result["run_id"]] = result
        lines = "".join(json.dumps(r) + "\n" for r in results.values())
        atomic_write_text(out_dir / "results.jsonl", lines)

    start = time.perf_counter()
    run_all(configs, out_dir, workers=workers, dask=args.dask, threads=args.threads,
            progress="off" if args.no_progress else "auto", on_result=arrived)
    ordered = list(results.values())
    from anyconv.bench.aggregate import cells
    from anyconv.bench.tables import rich_table, write_leaderboard

    grid = cells(ordered)
    paths = write_leaderboard(grid, out_dir)
    if not args.no_report:
        from anyconv.bench.report import write_report

        paths.update(write_report(ordered, out_dir, title=f"anyconv bench: {suite.name}"))
    console.print(rich_table(grid, title=f"suite {suite.name} ({time.perf_counter() - start:.0f} s)"))
    console.print("written: " + ", ".join(str(p) for p in [out_dir / "results.jsonl", *paths.values()]))
    return 0
