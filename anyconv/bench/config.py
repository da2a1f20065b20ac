"""One training run's full configuration, its id, and the checks that run before any training.

A :class:`RunConfig` names a registered layer and a registered task with its options; the run
id is a hash of the whole resolved config (task options with their defaults filled in) and the
package version, so the same config always lands in the same run folder and a finished run is
skipped when a suite is re-run.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from anyconv.data.tasks import Sizes, check_options, get_task_info
from anyconv.kernels._args import positive_int

PRECISIONS = ("fp32", "bf16")


@dataclass
class RunConfig:
    """Everything that defines one training run (see ``anyconv train --help``)."""

    layer: str  # a registered layer (anyconv layers)
    task: str  # a registered task (anyconv tasks)
    task_options: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    steps: int = 300
    batch_size: int = 32  # global batch (split over ranks under torchrun)
    lr: float = 3e-3
    weight_decay: float = 0.05
    warmup: float = 0.1  # fraction of steps with linear warm-up, then cosine decay
    grad_clip: float = 1.0  # max gradient norm (0: none)
    n_train: int | None = None  # None: the task's default (ignored when streaming)
    n_val: int | None = None
    n_test: int | None = None
    stream: bool = False  # a fresh training batch every step (generated tasks)
    model: dict[str, Any] = field(default_factory=dict)  # options of build_model
    eval_every: int = 0  # 0: every ceil(steps / 5) steps
    checkpoint_every: int = 0  # 0: at every evaluation
    device: str = "cpu"
    precision: str = "fp32"  # "bf16": bfloat16 autocast on forward

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "run config") -> RunConfig:
        """Build from a plain dict, naming unknown keys (with close matches) and ``where``."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            hints = []
            for key in unknown:
                close = difflib.get_close_matches(key, known, n=1)
                hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            raise ValueError(f"{where}: unknown key(s) {', '.join(hints)}; known: {', '.join(sorted(known))}")
        return cls(**data)

    def sizes(self) -> Sizes:
        return Sizes(n_train=None if self.stream else self.n_train, n_val=self.n_val, n_test=self.n_test, stream=self.stream)


def resolve(config: RunConfig) -> RunConfig:
    """A checked copy of ``config`` with the task's option defaults filled in.

    Raises ValueError (unknown layer/task with close matches, bad option, bad size) before
    anything is built or trained.
    """
    from anyconv.layers.registry import get_spec
    from anyconv.models import check_layer_fits, check_model_options

    get_spec(config.layer)  # unknown layer first, with close matches
    info = get_task_info(config.task)
    check_layer_fits(info.kind, config.layer, task=config.task)
    options = check_options(config.task, config.task_options)
    for name in ("steps", "batch_size"):
        positive_int(name, getattr(config, name))
    if isinstance(config.seed, bool) or not isinstance(config.seed, int) or config.seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {config.seed!r}")
    for name in ("eval_every", "checkpoint_every"):
        positive_int(name, getattr(config, name), minimum=0)
    for name in ("lr", "weight_decay", "warmup", "grad_clip"):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    if not config.warmup < 1:
        raise ValueError(f"warmup is a fraction of the steps in [0, 1), got {config.warmup!r}")
    if config.precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {config.precision!r}")
    if config.stream and not info.can_stream:
        raise ValueError(f"task {config.task!r} is a fixed dataset and cannot stream")
    config.sizes()  # checks n_train / n_val / n_test
    check_model_options(info.kind, config.model)
    resolved = RunConfig(**{**asdict(config), "task_options": options})
    return resolved


def run_id(config: RunConfig, version: str | None = None) -> str:
    """12 hex digits: SHA-256 of the resolved config (sorted JSON) and the package version."""
    if version is None:
        from anyconv import __version__ as version
    text = json.dumps({"config": asdict(config), "version": version}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def run_name(config: RunConfig) -> str:
    """A readable folder name: ``<task>-<layer>-s<seed>-<run id>``."""
    return f"{config.task}-{config.layer}-s{config.seed}-{run_id(config)}"
