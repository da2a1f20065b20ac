"""Seeds → cells: mean ± sample std of the test metric per (task, options, layer, settings).

A *cell* is every result whose ``config`` is identical except for ``seed``. :func:`cells` groups
run results (the dicts the harness writes to ``results.jsonl``) into :class:`Cell` objects;
:func:`separation` compares two cells in units of their spread. Tables of cells (CSV, markdown,
rich) live in :mod:`anyconv.bench.tables`.
"""

from __future__ import annotations

import difflib
import json
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Cell", "cells", "format_number", "separation", "seq_len_of"]

#: Flattened config keys that never name a variant (the cell's identity says them already).
_IDENTITY_KEYS = ("task", "layer", "seed")


@dataclass(frozen=True)
class Cell:
    """One layer on one task configuration, aggregated over seeds.

    ``mean``/``std`` summarise ``values`` (the final models' test metrics, one per seed that has
    one): ``std`` is the *sample* standard deviation (ddof=1), 0.0 for a single seed, and both are
    ``None`` when no run reported a test metric. ``n_seeds`` counts those values, so a
    one-seed cell is visible as such. ``runs`` are the raw results (seed order), for plots.
    """

    task: str
    variant: str
    layer: str
    metric: str
    mean: float | None
    std: float | None
    n_seeds: int
    seeds: tuple[int, ...]
    values: tuple[float, ...]
    chance: float | None
    params: int | None
    wall_time_s: float
    steps: int
    baseline: bool
    interrupted: bool
    suite: str | None
    config: Mapping[str, Any] = field(repr=False)
    runs: tuple[Mapping[str, Any], ...] = field(repr=False)
    variant_key: tuple[tuple[str, Any], ...] = field(default=(), repr=False)

    @property
    def label(self) -> str:
        """``layer`` or ``layer [variant]``."""
        return f"{self.layer} [{self.variant}]" if self.variant else self.layer

    @property
    def seq_len(self) -> int | None:
        """The sequence length of the cell's task (see :func:`seq_len_of`)."""
        return seq_len_of(self.config)


def seq_len_of(config: Mapping[str, Any]) -> int | None:
    """``config["task_options"]["seq_len"]``, else ``config["seq_len"]``, else ``None``."""
    options = config.get("task_options") or {}
    value = options.get("seq_len", config.get("seq_len"))
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def format_number(value: float | None, metric: str = "accuracy") -> str:
    """A metric value for tables: PSNR with 2 decimals, other metrics with 3, ``None`` as ``—``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.2f}" if metric == "psnr" else f"{value:.3f}"


def _flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"model": {"d_model": 32}}`` → ``{"model.d_model": 32}`` (lists kept as JSON text)."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, (list, tuple)):
            flat[name] = json.dumps(value)
        else:
            flat[name] = value
    return flat


def _short_names(keys: Iterable[str]) -> dict[str, str]:
    """Dotted keys → display names: the last component, unless two keys share it."""
    keys = list(keys)
    leaves = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: (leaf if leaves.count(leaf) == 1 else k) for k, leaf in zip(keys, leaves)}


def _sortable(value: Any) -> tuple[int, float, str]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def _metric_value(result: Mapping[str, Any]) -> float | None:
    test = result.get("test") or {}
    value = test.get("metric")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _check(result: Any, index: int) -> Mapping[str, Any]:
    if not isinstance(result, Mapping):
        raise TypeError(f"result {index} is a {type(result).__name__}, expected a dict")
    config = result.get("config")
    if not isinstance(config, Mapping) or "task" not in config or "layer" not in config:
        raise ValueError(f"result {index} (run_id={result.get('run_id')!r}) has no config with 'task' and 'layer'")
    return result


def cells(results: Iterable[Mapping[str, Any]]) -> list[Cell]:
    """Group run results into cells, ordered by task, variant, then mean (best first).

    Results are grouped by their whole ``config`` except ``seed`` (``device`` and ``precision``
    included: a GPU run is not a seed of a CPU run). Within a cell a later result with the same
    seed replaces an earlier one (a resumed or rerun run appended again), so no seed counts twice.

    ``variant`` names the config values that tell cells of one task apart: a key is a *variant
    key* of a task when it takes two values among the cells of one (task, layer) — e.g.
    ``task_options.seq_len`` in a length sweep — and then every cell of that task names its value
    (``"seq_len=1024"``; several keys joined by ``", "``; ``""`` when there are none). Settings
    that differ only *between* layers (a per-layer learning rate) are not variants, so those
    layers still share one leaderboard group. Names are the last key component
    (``model.d_model`` → ``d_model``) unless two keys share it.

    Raises
    ------
    TypeError, ValueError
        If a result is not a dict with ``config.task`` and ``config.layer``.
    """
    groups: dict[str, dict[Any, Mapping[str, Any]]] = {}
    for index, result in enumerate(results):
        result = _check(result, index)
        config = {k: v for k, v in result["config"].items() if k != "seed"}
        key = json.dumps(config, sort_keys=True, default=str)
        group = groups.setdefault(key, {})
        seed = result["config"].get("seed")
        group.pop(seed, None)  # re-insert so the latest result wins and order follows arrival
        group[seed] = result

    flat = {key: _flatten({k: v for k, v in json.loads(key).items()}) for key in groups}
    by_task_layer: dict[tuple[str, str], list[str]] = {}
    for key, conf in flat.items():
        by_task_layer.setdefault((str(conf["task"]), str(conf["layer"])), []).append(key)
    variant_keys: dict[str, set[str]] = {}
    for (task, _layer), keys in by_task_layer.items():
        found = variant_keys.setdefault(task, set())
        names = {name for key in keys for name in flat[key]} - set(_IDENTITY_KEYS)
        for name in names:
            if len({json.dumps(flat[key].get(name), default=str) for key in keys}) > 1:
                found.add(name)

    out: list[Cell] = []
    for key, group in groups.items():
        conf = flat[key]
        task = str(conf["task"])
        keys = sorted(variant_keys.get(task, ()))
        short = _short_names(keys)
        variant_key = tuple((name, conf.get(name)) for name in keys)
        variant = ", ".join(f"{short[name]}={value}" for name, value in variant_key)
        out.append(_make_cell(task, variant, variant_key, group))
    out.sort(key=lambda c: (c.task, tuple((n, _sortable(v)) for n, v in c.variant_key),
                            c.mean is None, -(c.mean or 0.0), c.layer))
    return out


def _make_cell(task: str, variant: str, variant_key: tuple[tuple[str, Any], ...],
               group: Mapping[Any, Mapping[str, Any]]) -> Cell:
    runs = sorted(group.values(), key=lambda r: _sortable(r["config"].get("seed")))
    first = runs[0]
    scored = [(r["config"].get("seed"), v) for r in runs if (v := _metric_value(r)) is not None]
    values = tuple(v for _, v in scored)
    mean = statistics.fmean(values) if values else None
    std = (statistics.stdev(values) if len(values) > 1 else 0.0) if values else None
    chances = [float(r["chance"]) for r in runs if r.get("chance") is not None]
    metric = first.get("metric") or (first.get("task") or {}).get("metric") or "metric"
    suite = first.get("suite") or {}
    return Cell(
        task=task, variant=variant, layer=str(first["config"]["layer"]), metric=str(metric),
        mean=mean, std=std, n_seeds=len(values), seeds=tuple(s for s, _ in scored), values=values,
        chance=statistics.fmean(chances) if chances else None,
        params=first.get("params"),
        wall_time_s=statistics.fmean(float(r.get("wall_time_s") or 0.0) for r in runs),
        steps=min(int(r.get("steps_done") or 0) for r in runs),
        baseline=any(bool(r.get("baseline")) for r in runs),
        interrupted=any(r.get("status") == "interrupted" or r.get("interrupted") is True for r in runs),
        suite=suite.get("name") if isinstance(suite, Mapping) else None,
        config={k: v for k, v in first["config"].items() if k != "seed"},
        runs=tuple(runs), variant_key=variant_key,
    )


def _find(cells_: Sequence[Cell], task: str, layer: str, variant: str | None) -> Cell:
    tasks = sorted({c.task for c in cells_})
    if task not in tasks:
        close = difflib.get_close_matches(task, tasks, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"no cells for task {task!r}{hint} (tasks: {', '.join(tasks) or 'none'})")
    matches = [c for c in cells_ if c.task == task and c.layer == layer]
    if not matches:
        layers = sorted({c.layer for c in cells_ if c.task == task})
        close = difflib.get_close_matches(layer, layers, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"no cell for layer {layer!r} on task {task!r}{hint} (layers: {', '.join(layers)})")
    if variant is not None:
        matches = [c for c in matches if c.variant == variant]
        if not matches:
            raise ValueError(f"no cell for {layer!r} on {task!r} with variant {variant!r}")
    if len(matches) > 1:
        variants = ", ".join(repr(c.variant) for c in matches)
        raise ValueError(f"{layer!r} on {task!r} has several variants ({variants}); pass variant=")
    return matches[0]


def _spread(cell: Cell) -> tuple[float, float]:
    """``(mean, std)`` of a cell that has at least two seeds with a test metric."""
    if cell.mean is None or cell.std is None:
        raise ValueError(f"{cell.label!r} on {cell.task!r} has no test metric")
    if cell.n_seeds < 2:
        raise ValueError(f"separation needs >= 2 seeds per cell; {cell.label!r} on {cell.task!r} has {cell.n_seeds}")
    return cell.mean, cell.std


def separation(cells_: Sequence[Cell], task: str, layer: str, baseline: str, *,
               variant: str | None = None) -> float:
    """How far ``layer`` is ahead of ``baseline`` on ``task``, in units of the larger spread.

    ``separation = (mean_layer − mean_baseline) / max(std_layer, std_baseline)`` with the sample
    standard deviations (ddof=1) of the two cells' per-seed test metrics. Every metric here is
    higher-is-better, so ``separation > 2`` reads "beats the baseline by more than 2 std"; a
    negative value means the layer is behind. When both stds are exactly 0 the result is
    ``±inf`` (or 0.0 for equal means). ``variant`` picks the cell when a task has variants.

    Raises
    ------
    ValueError
        If a cell is missing or ambiguous, has no test metric, or has fewer than 2 seeds (a
        single seed has no spread to measure against).
    """
    mean_a, std_a = _spread(_find(cells_, task, layer, variant))
    mean_b, std_b = _spread(_find(cells_, task, baseline, variant))
    diff, spread = mean_a - mean_b, max(std_a, std_b)
    if spread == 0.0:
        return 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
    return diff / spread
