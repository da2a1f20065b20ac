"""Saved runs: read a run folder back as a model, its config and its result.

``load_run(dir)`` rebuilds the model from the saved config and task spec (no data is
generated or loaded) and fills it with the last checkpoint's weights — the model a finished
run ended with, ready for evaluation or for :mod:`anyconv.explain`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch
from torch import nn

from anyconv.bench import checkpoint
from anyconv.bench.config import RunConfig
from anyconv.data.tasks import TaskSpec
from anyconv.models import build_model


@dataclass
class LoadedRun:
    """What :func:`load_run` returns (unpacks as ``model, config, result``)."""

    model: nn.Module
    config: RunConfig
    result: dict[str, Any] | None  # None if the run has not finished
    spec: TaskSpec
    step: int

    def __iter__(self):  # model, config, result = load_run(path)
        return iter((self.model, self.config, self.result))


def spec_from_dict(data: dict[str, Any]) -> TaskSpec:
    """A :class:`TaskSpec` from its saved ``asdict`` form (lists back to tuples)."""
    known = {f.name for f in fields(TaskSpec)}
    values = {k: v for k, v in data.items() if k in known}
    values["input_shape"] = tuple(values["input_shape"])
    return TaskSpec(**values)


def load_run(run_dir: str | Path, *, device: torch.device | str = "cpu") -> LoadedRun:
    """The model (eval mode, last checkpoint's weights), config and result of a saved run.

    Raises:
        FileNotFoundError: ``run_dir`` is not a run folder or has no checkpoint yet.
    """
    folder = Path(run_dir)
    saved = folder / "config.json"
    if not saved.exists():
        raise FileNotFoundError(f"{folder} is not a run folder: no config.json (runs live in <out-dir>/runs/<name>/)")
    meta = json.loads(saved.read_text())
    config = RunConfig.from_dict(meta["config"], where=str(saved))
    spec = spec_from_dict(meta["task"])
    ckpt = checkpoint.latest_checkpoint(folder)
    if ckpt is None:
        raise FileNotFoundError(f"run {folder} has no complete checkpoint yet (latest.json missing or incomplete)")
    model = build_model(spec, config.layer, **config.model)
    checkpoint.load_weights(model, ckpt)
    model.to(device).eval()
    result_path = folder / "result.json"
    result = json.loads(result_path.read_text()) if result_path.exists() else None
    step = json.loads((folder / checkpoint.LATEST).read_text())["step"]
    return LoadedRun(model, config, result, spec, step)
