"""Suites as TOML files: layers × tasks × sizes × steps × seeds, checked before any training.

A suite file (the shipped ones are in ``anyconv/bench/suites/``; a user's own works the same)::

    name = "quick"
    description = "what it shows"
    seeds = [0, 1]                          # every cell is trained once per seed
    layers = ["longconv1d", "shortconv1d"]  # registered layers (baselines always added)

    [defaults]                              # RunConfig fields for every run
    steps = 300
    lr = 3e-3
    [model.sequence]                        # build_model options, per task kind
    d_model = 32
    [model.image-classification]
    width = 16

    [[task]]
    name = "copying"
    options = { seq_len = 64, n_copy = 8 }  # the task's options
    sweep = { seq_len = [1024, 4096] }      # optional: one cell per value (cartesian product)
    layers = ["longconv1d"]                 # optional: instead of the suite's layers
    steps = 500                             # any RunConfig field overrides the defaults

Every problem — unknown key, layer or task (with close matches), an option the task does not
take, a layer whose kind does not fit the task — is a ValueError naming the file and the key,
raised by :func:`load_suite` before anything is trained.
"""

from __future__ import annotations

import difflib
import itertools
import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from anyconv.bench.config import RunConfig, resolve
from anyconv.bench.train import BASELINES
from anyconv.data.tasks import KINDS, get_task_info
from anyconv.layers.registry import get_spec
from anyconv.models import check_layer_fits

SUITE_KEYS = ("name", "description", "seeds", "layers", "baselines", "defaults", "model", "task")
TASK_KEYS = ("name", "options", "sweep", "layers")
RUN_KEYS = tuple(f.name for f in fields(RunConfig) if f.name not in ("layer", "task", "task_options", "seed"))


@dataclass
class Suite:
    """A loaded, checked suite: its runs in order."""

    name: str
    description: str
    path: Path
    seeds: list[int]
    runs: list[RunConfig]


def shipped_suites() -> list[str]:
    """Names of the suites shipped with the package."""
    folder = resources.files("anyconv.bench") / "suites"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def suite_path(name_or_path: str | Path) -> Path:
    """The file of a shipped suite name, or ``name_or_path`` itself if it is a ``.toml`` path."""
    text = str(name_or_path)
    if text.endswith(".toml") or "/" in text:
        path = Path(text)
        if not path.exists():
            raise FileNotFoundError(f"suite file {path} does not exist")
        return path
    names = shipped_suites()
    if text not in names:
        close = difflib.get_close_matches(text, names, n=2, cutoff=0.4)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown suite {text!r}{hint} (shipped: {', '.join(names)}; or give a path to a .toml file)")
    return Path(str(resources.files("anyconv.bench") / "suites" / f"{text}.toml"))


def _check_keys(where: str, table: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"{where}: unknown key {key!r}{hint}; allowed: {', '.join(allowed)}")


def _layers(where: str, names: Any, *, allow_empty: bool = False) -> list[str]:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or not (names or allow_empty):
        what = "a list" if allow_empty else "a non-empty list"
        raise ValueError(f"{where}: expected {what} of layer names, got {names!r}")
    for name in names:
        try:
            get_spec(name)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
    return names


def _sweep(where: str, sweep: Any) -> list[dict[str, Any]]:
    if not isinstance(sweep, dict) or not all(isinstance(v, list) and v for v in sweep.values()):
        raise ValueError(f"{where}: sweep must map option names to non-empty lists, got {sweep!r}")
    keys = list(sweep)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(sweep[k] for k in keys))]


def load_suite(name_or_path: str | Path, *, seeds: list[int] | None = None) -> Suite:
    """Read and check a suite (shipped name or path); ``seeds`` overrides the file's."""
    path = suite_path(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from None
    _check_keys(str(path), data, SUITE_KEYS)
    defaults = dict(data.get("defaults", {}))
    _check_keys(f"{path}: [defaults]", defaults, tuple(k for k in RUN_KEYS if k != "model"))
    models = data.get("model", {})
    _check_keys(f"{path}: [model]", models, KINDS)
    file_seeds = data.get("seeds", [0, 1, 2])
    seeds = list(seeds if seeds is not None else file_seeds)
    if not seeds or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds):
        raise ValueError(f"{path}: key 'seeds': expected a non-empty list of ints >= 0, got {seeds!r}")
    suite_layers = _layers(f"{path}: key 'layers'", data.get("layers", []))
    baselines = _layers(f"{path}: key 'baselines'", data.get("baselines", list(BASELINES)), allow_empty=True)
    tasks = data.get("task")
    if not isinstance(tasks, list) or not tasks:
        raise ValueError(f"{path}: no [[task]] tables; a suite needs at least one task")
    runs: list[RunConfig] = []
    for i, table in enumerate(tasks):
        where = f"{path}: [[task]] #{i + 1} ({table.get('name', '?')})"
        _check_keys(where, table, TASK_KEYS + RUN_KEYS)
        if "name" not in table:
            raise ValueError(f"{where}: missing key 'name' (the task)")
        layers = _layers(f"{where}: key 'layers'", table["layers"]) if "layers" in table else suite_layers
        overrides = {k: v for k, v in table.items() if k in RUN_KEYS}
        kind = _task_kind(where, table["name"])
        model = {**models.get(kind, {}), **overrides.pop("model", {})}
        settings = {**defaults, **overrides, "model": model}
        for variant in _sweep(f"{where}: key 'sweep'", table.get("sweep", {"_": [None]})):
            variant.pop("_", None)
            options = {**table.get("options", {}), **variant}
            candidates = list(dict.fromkeys(layers + baselines))
            for layer in _fitting(candidates, table["name"], where, explicit=set(layers)):
                for seed in seeds:
                    config = RunConfig(layer=layer, task=table["name"], task_options=options, seed=seed, **settings)
                    try:
                        runs.append(resolve(config))
                    except (ValueError, TypeError) as error:
                        raise ValueError(f"{where}: {error}") from None
    return Suite(str(data.get("name", path.stem)), str(data.get("description", "")), path, seeds, runs)


def _task_kind(where: str, task: str) -> str:
    try:
        return get_task_info(task).kind
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def _fitting(layers: list[str], task: str, where: str, *, explicit: set[str]) -> list[str]:
    """The layers that fit ``task``'s kind; a listed (non-baseline) layer that does not fit is an error."""
    kind = get_task_info(task).kind
    chosen = []
    for layer in layers:
        try:
            check_layer_fits(kind, layer, task=task)
            chosen.append(layer)
        except ValueError as error:
            if layer in explicit:
                raise ValueError(f"{where}: {error}") from None
    return chosen
