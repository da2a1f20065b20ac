"""``anyconv explain RUN_DIR [--inputs N] [--layer NAME] --out DIR`` (wired into :mod:`anyconv.cli`)."""

from __future__ import annotations

import argparse
from typing import Any

import torch

__all__ = ["add_parsers", "cmd_explain", "explain_run"]

CLASSIFICATION_KINDS = ("image-classification", "sequence-classification")


def add_parsers(subparsers: Any) -> None:
    """Add the ``explain`` sub-command."""
    p = subparsers.add_parser(
        "explain", help="explain a saved run: Grad-CAM, kernel views, filter statistics, explainer, tree (PNGs + HTML)",
        description="Load a saved run (anyconv train/bench --out-dir), explain its model on test inputs and write "
                    "the figures, explain.json and one self-contained index.html into --out.",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder (<out-dir>/runs/<name>/)")
    p.add_argument("--inputs", type=int, default=64, metavar="N", help="test inputs to explain (default 64)")
    p.add_argument("--layer", default=None, metavar="NAME",
                   help="dotted module name for Grad-CAM and the tree (default: the last conv-shaped layer)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--fit-inputs", type=int, default=1000, metavar="N",
                   help="training inputs for the explainer network and the decision tree (default 1000)")
    p.add_argument("--explainer-steps", type=int, default=300, metavar="N", help="explainer training steps")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_explain)


def explain_run(run_dir: str, out: str, *, inputs: int = 64, layer: str | None = None, fit_inputs: int = 1000,
                explainer_steps: int = 300, seed: int = 0) -> dict[str, Any]:
    """Load ``run_dir`` with :func:`anyconv.bench.load_run`, rebuild its task's data and call
    :func:`anyconv.explain.report.explain_model`; return its summary."""
    from anyconv.bench import load_run
    from anyconv.data.tasks import make_task
    from anyconv.explain.report import explain_model

    for name, value in (("inputs", inputs), ("fit_inputs", fit_inputs), ("explainer_steps", explainer_steps)):
        if value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    run = load_run(run_dir)
    config, spec = run.config, run.spec
    task = make_task(config.task, seed=config.seed, sizes=config.sizes(), **config.task_options)
    if spec.input_kind == "tokens":
        raise ValueError(f"task {spec.name!r} has token inputs: Grad-CAM and kernel views need float inputs (B, C, *S)")
    x = task.test.x[:inputs]
    fit = task.train if task.train is not None else task.val
    gen = torch.Generator().manual_seed(seed)
    x_fit = fit.x[torch.randperm(len(fit), generator=gen)[:fit_inputs]]
    title = f"{config.layer} on {config.task} (step {run.step})"
    return explain_model(run.model, x, out, x_fit=x_fit, layer=layer, title=title,
                         classifier=spec.kind in CLASSIFICATION_KINDS, explainer_steps=explainer_steps, seed=seed)


def cmd_explain(args: argparse.Namespace) -> int:
    summary = explain_run(args.run_dir, args.out, inputs=args.inputs, layer=args.layer, fit_inputs=args.fit_inputs,
                          explainer_steps=args.explainer_steps, seed=args.seed)
    print(f"wrote {summary['page']}")
    return 0
