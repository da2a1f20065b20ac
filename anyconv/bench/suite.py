"""The benchmark suite: every registered sequence layer on every synthetic task.

``QUICK`` holds the sizes of ``anyconv bench --quick``: small enough that all layers × tasks
finish in a few minutes on 2 CPU cores, large enough that long kernels visibly beat the
3-tap ``shortconv1d`` baseline (measured; see the lead's notes for the numbers).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from anyconv.bench.train import TrainConfig, train
from anyconv.data.synthetic import TASKS
from anyconv.layers.registry import list_layers

# Per task: TrainConfig fields. Copying: answers lie 56 steps after their symbols.
# MQAR: 2 key-value pairs, vocabulary 16 (7 keys, 7 values), lr 1e-2. Adding: more steps at lr 1e-2.
QUICK: dict[str, dict[str, Any]] = {
    "copying": {"seq_len": 64, "steps": 300, "task_options": {"n_copy": 8, "n_symbols": 8}},
    "mqar": {"seq_len": 64, "steps": 300, "lr": 1e-2, "task_options": {"n_pairs": 2, "vocab_size": 16}},
    "adding": {"seq_len": 64, "steps": 500, "lr": 1e-2},
}


def select(names: Sequence[str], pattern: str, what: str) -> list[str]:
    """Names matching a comma-separated list of shell patterns; a ValueError if none match."""
    chosen = [n for n in names if any(fnmatch.fnmatchcase(n, p.strip()) for p in pattern.split(","))]
    if not chosen:
        raise ValueError(f"no {what} matches {pattern!r}; available: {', '.join(names)}")
    return chosen


def quick_configs(
    *, layers: str = "*", tasks: str = "*", seed: int = 0, steps_scale: float = 1.0
) -> list[TrainConfig]:
    """The runs of ``bench --quick`` (optionally filtered, or shortened by ``steps_scale``)."""
    if not 0 < steps_scale <= 1e3:
        raise ValueError(f"steps_scale must be in (0, 1000], got {steps_scale!r}")
    configs = []
    for task in select([t for t in TASKS if t in QUICK], tasks, "task"):
        settings = dict(QUICK[task])
        settings["steps"] = max(1, round(settings["steps"] * steps_scale))
        for layer in select(list_layers(kind="sequence"), layers, "sequence layer"):
            configs.append(TrainConfig(layer=layer, task=task, seed=seed, **settings))
    return configs


def run_suite(
    configs: Sequence[TrainConfig],
    out_dir: str | Path,
    *,
    progress: bool = True,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Train every config, writing ``runs/<task>-<layer>.json`` under ``out_dir`` as each finishes.

    On ``KeyboardInterrupt`` the finished results (and the interrupted run's partial one) are
    returned in the exception's ``results`` attribute before it propagates.
    """
    results: list[dict[str, Any]] = []
    for config in configs:
        path = Path(out_dir) / "runs" / f"{config.task}-{config.layer}.json"
        try:
            result = train(config, out=path, progress=progress)
        except KeyboardInterrupt as interrupt:
            results.append(json.loads(path.read_text()))  # train() wrote the partial result
            interrupt.results = results  # type: ignore[attr-defined]
            raise
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results
