"""What a task is: its :class:`TaskSpec` (what a model and a training loop need to know), its
splits (:class:`TaskSplit`) and the :class:`Task` that holds them, with an optional stream.

Kinds and what they mean for models, losses and metrics:

========================  ==================================  ===========================  ===================
kind                      input per example (``input_shape``)  target per example            model output
========================  ==================================  ===========================  ===================
sequence                  ``(L,)`` tokens or ``(C, L)``        ``(L,)``, scored where mask   ``(B, L, n_outputs)``
sequence-classification   ``(L,)`` tokens or ``(C, L)``        one class                      ``(B, n_outputs)``
image-classification      ``(C, H, W)``                        one class                      ``(B, n_outputs)``
image-denoising           ``(C, H, W)`` noisy                  ``(C, H, W)`` clean            ``(B, C, H, W)``
========================  ==================================  ===========================  ===================

Metrics (all higher is better): ``accuracy`` (share of scored positions / examples predicted
right), ``tolerance-accuracy`` (regression: ``|prediction − target| < tolerance``), ``psnr``
(dB, per image on outputs clamped to ``[0, 1]``, averaged over images). ``chance`` is the metric
of the best guess that ignores the input (for denoising: the noisy input's own PSNR).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from torch import Tensor

KINDS = ("sequence", "sequence-classification", "image-classification", "image-denoising")
INPUT_KINDS = ("tokens", "features", "image")
METRICS = ("accuracy", "tolerance-accuracy", "psnr")
LOSSES = ("cross_entropy", "mse")


@dataclass(frozen=True)
class TaskSpec:
    """Everything a model builder and the training loop need to know about a task."""

    name: str
    kind: str  # one of KINDS
    input_kind: str  # "tokens": x is int64 (N, L); "features": float (N, C, L); "image": float (N, C, H, W)
    input_shape: tuple[int, ...]  # one example's input: (L,), (C, L) or (C, H, W)
    n_outputs: int  # classes (per position or per example); 1 for regression; C for denoising
    loss: str  # one of LOSSES
    metric: str  # one of METRICS
    chance: float  # metric of the best input-ignoring guess (denoising: the noisy input's PSNR)
    vocab_size: int | None = None  # tokens lie in [0, vocab_size)
    tolerance: float | None = None  # tolerance-accuracy only
    has_times: bool = False  # splits carry sample times (irregularly sampled sequences)
    description: str = ""
    options: dict[str, Any] = field(default_factory=dict)  # the task's resolved options

    def __post_init__(self) -> None:
        for name, value, allowed in (("kind", self.kind, KINDS), ("input_kind", self.input_kind, INPUT_KINDS),
                                     ("metric", self.metric, METRICS), ("loss", self.loss, LOSSES)):
            if value not in allowed:
                raise ValueError(f"TaskSpec.{name} must be one of {allowed}, got {value!r}")

    @property
    def seq_len(self) -> int | None:
        """Sequence length (sequence kinds), else None."""
        return self.input_shape[-1] if self.kind.startswith("sequence") else None

    @property
    def in_channels(self) -> int | None:
        """Input channels (features and images), None for tokens."""
        return None if self.input_kind == "tokens" else self.input_shape[0]

    @property
    def image_size(self) -> tuple[int, int] | None:
        """``(H, W)`` for image kinds, else None."""
        return (self.input_shape[1], self.input_shape[2]) if self.input_kind == "image" else None


@dataclass(frozen=True)
class TaskSplit:
    """Inputs and targets of one split (or one batch).

    Shape:
        x: ``(N, *input_shape)``; y: ``(N, L)`` per-position targets (kind ``sequence``), ``(N,)``
        class ids (classification kinds) or ``(N, C, H, W)`` clean images (denoising);
        mask: ``(N, L)`` bool, the scored positions (kind ``sequence`` only, else None);
        times: ``(N, L)`` float sample times, increasing along L (irregular sequences, else None);
        observed: ``(N, L)`` bool, which samples are present (irregular sequences, else None)
    """

    x: Tensor
    y: Tensor
    mask: Tensor | None = None
    times: Tensor | None = None
    observed: Tensor | None = None

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def _map(self, f: Callable[[Tensor], Tensor]) -> TaskSplit:
        optional = (None if t is None else f(t) for t in (self.mask, self.times, self.observed))
        return TaskSplit(f(self.x), f(self.y), *optional)

    def select(self, index: Tensor | slice) -> TaskSplit:
        """The examples at ``index`` (a slice or an int64 index tensor)."""
        return self._map(lambda t: t[index])

    def to(self, device: torch.device | str) -> TaskSplit:
        """The same split on ``device``."""
        return self._map(lambda t: t.to(device))


Sampler = Callable[[int, torch.Generator], TaskSplit]


@dataclass(frozen=True)
class Task:
    """A task's spec, its fixed validation and test splits, and its training data: a fixed
    ``train`` split, or a ``sampler`` drawing a fresh batch from a generator (``stream=True``)."""

    spec: TaskSpec
    train: TaskSplit | None
    val: TaskSplit
    test: TaskSplit
    sampler: Sampler | None = None

    def __post_init__(self) -> None:
        if (self.train is None) == (self.sampler is None):
            raise ValueError("a Task has either a fixed train split or a sampler (stream), not both or neither")

    @property
    def streaming(self) -> bool:
        return self.sampler is not None

    def batch(self, batch_size: int, generator: torch.Generator) -> TaskSplit:
        """One training batch: fresh examples when streaming, else ``batch_size`` train examples
        drawn uniformly with replacement (both from ``generator``, so a run can be resumed)."""
        if self.sampler is not None:
            return self.sampler(batch_size, generator)
        assert self.train is not None  # guaranteed by __post_init__
        index = torch.randint(len(self.train), (batch_size,), generator=generator)
        return self.train.select(index)


def carve_validation(split: TaskSplit, n_val: int, generator: torch.Generator) -> tuple[TaskSplit, TaskSplit]:
    """Split ``split`` into (train, val) with ``n_val`` examples chosen at random for validation."""
    if not 0 < n_val < len(split):
        raise ValueError(f"n_val must be in [1, {len(split) - 1}] for a training set of {len(split)}, got {n_val}")
    order = torch.randperm(len(split), generator=generator)
    return split.select(order[n_val:].sort().values), split.select(order[:n_val].sort().values)


def with_options(spec: TaskSpec, options: dict[str, Any]) -> TaskSpec:
    """``spec`` with its resolved options recorded."""
    return replace(spec, options=dict(options))
