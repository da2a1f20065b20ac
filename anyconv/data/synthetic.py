"""Synthetic long-range tasks, generated locally and deterministically from a seed.

Every task returns a :class:`SyntheticTask`: train and test :class:`TaskSplit` tensors and a
:class:`TaskSpec` telling one model/training loop what it needs — token or feature input,
vocabulary, number of outputs, and which positions are scored (``mask``).

=============  =============================================  =====================  ============
task           input                                          scored positions       chance
=============  =============================================  =====================  ============
copying        ``n_copy`` symbols, blanks, a marker, blanks    last ``n_copy``        1/n_symbols
adding         2 channels: U(0,1) values, two marker ones      last                   see spec
mqar           key-value pairs, then queried keys             query positions        1/n_values
=============  =============================================  =====================  ============
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from anyconv.kernels._args import positive_int

BLANK = 0  # the filler token of the token tasks


@dataclass(frozen=True)
class TaskSpec:
    """What a model and a training loop need to know about a task."""

    name: str
    seq_len: int
    kind: str  # "classification" (cross-entropy on token ids) or "regression" (MSE)
    input_kind: str  # "tokens": x is (N, L) int64; "features": x is (N, in_channels, L) float
    vocab_size: int | None  # token tasks: ids lie in [0, vocab_size)
    in_channels: int | None  # feature tasks
    n_outputs: int  # classes (classification) or 1 (regression)
    scored: str  # which positions carry a target (the split's mask says exactly)
    chance: float  # accuracy of the best guess that ignores the input
    tolerance: float | None = None  # regression: |prediction - target| < tolerance counts as correct


@dataclass(frozen=True)
class TaskSplit:
    """Inputs, per-position targets and the mask of scored positions.

    Shape:
        x: ``(N, L)`` int64 or ``(N, C_in, L)`` float; y: ``(N, L)`` (int64 or float, 0 where
        not scored); mask: ``(N, L)`` bool
    """

    x: Tensor
    y: Tensor
    mask: Tensor

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class SyntheticTask:
    spec: TaskSpec
    train: TaskSplit
    test: TaskSplit


def _split(spec: TaskSpec, x: Tensor, y: Tensor, mask: Tensor, n_train: int) -> SyntheticTask:
    return SyntheticTask(spec, TaskSplit(x[:n_train], y[:n_train], mask[:n_train]), TaskSplit(x[n_train:], y[n_train:], mask[n_train:]))


def _sizes(n_train: int, n_test: int, seed: int) -> torch.Generator:
    positive_int("n_train", n_train)
    positive_int("n_test", n_test)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    return torch.Generator().manual_seed(seed)


def copying_memory(
    *, seq_len: int = 64, n_copy: int = 8, n_symbols: int = 8, n_train: int = 2000, n_test: int = 500, seed: int = 0
) -> SyntheticTask:
    """Copying memory: remember ``n_copy`` symbols over a gap and write them after the marker.

    Tokens: 0 blank, ``1..n_symbols`` data, ``n_symbols + 1`` marker. The data fill positions
    ``0..n_copy-1``, the marker sits at ``seq_len - n_copy - 1`` and the targets are the data at
    the last ``n_copy`` positions, so each answer lies ``seq_len - n_copy`` steps after its symbol.
    """
    positive_int("seq_len", seq_len)
    positive_int("n_copy", n_copy)
    positive_int("n_symbols", n_symbols, minimum=2)
    if seq_len < 2 * n_copy + 1:
        raise ValueError(f"copying needs seq_len >= 2 * n_copy + 1 = {2 * n_copy + 1}, got seq_len={seq_len}")
    gen = _sizes(n_train, n_test, seed)
    n = n_train + n_test
    data = torch.randint(1, n_symbols + 1, (n, n_copy), generator=gen)
    x = torch.full((n, seq_len), BLANK, dtype=torch.long)
    x[:, :n_copy] = data
    x[:, seq_len - n_copy - 1] = n_symbols + 1
    y = torch.zeros(n, seq_len, dtype=torch.long)
    y[:, seq_len - n_copy :] = data
    mask = torch.zeros(n, seq_len, dtype=torch.bool)
    mask[:, seq_len - n_copy :] = True
    spec = TaskSpec(
        "copying", seq_len, "classification", "tokens", n_symbols + 2, None, n_symbols + 2,
        f"last {n_copy} positions", 1.0 / n_symbols,
    )
    return _split(spec, x, y, mask, n_train)


def adding_problem(
    *, seq_len: int = 64, tolerance: float = 0.1, n_train: int = 2000, n_test: int = 500, seed: int = 0
) -> SyntheticTask:
    """Adding problem: output the sum of the two values whose marker is 1 (regression).

    Channel 0 holds U(0, 1) values, channel 1 marks one position in the first half and one in
    the second half; the target (in [0, 2]) is scored at the last position. Accuracy counts
    ``|error| < tolerance``; always answering 1 scores ``chance = 1 - (1 - tolerance)^2``.
    """
    positive_int("seq_len", seq_len, minimum=2)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be a float in (0, 1), got {tolerance!r}")
    gen = _sizes(n_train, n_test, seed)
    n, half = n_train + n_test, seq_len // 2
    values = torch.rand(n, seq_len, generator=gen)
    first = torch.randint(0, half, (n,), generator=gen)
    second = torch.randint(half, seq_len, (n,), generator=gen)
    rows = torch.arange(n)
    markers = torch.zeros(n, seq_len)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = torch.stack([values, markers], dim=1)  # (N, 2, L)
    y = torch.zeros(n, seq_len)
    y[:, -1] = values[rows, first] + values[rows, second]
    mask = torch.zeros(n, seq_len, dtype=torch.bool)
    mask[:, -1] = True
    spec = TaskSpec(
        "adding", seq_len, "regression", "features", None, 2, 1, "last position",
        1.0 - (1.0 - tolerance) ** 2, float(tolerance),
    )
    return _split(spec, x, y, mask, n_train)


def associative_recall(
    *,
    seq_len: int = 64,
    n_pairs: int = 4,
    vocab_size: int = 32,
    n_queries: int | None = None,
    n_train: int = 2000,
    n_test: int = 500,
    seed: int = 0,
) -> SyntheticTask:
    """Multi-query associative recall (MQAR, as in Zoology): recall the value bound to each queried key.

    Tokens: 0 blank; keys ``1..K`` and values ``K+1..2K`` with ``K = (vocab_size - 1) // 2``.
    Positions ``0..2·n_pairs-1`` hold ``k_1 v_1 … k_n v_n`` (distinct keys, random values); then
    ``n_queries`` (default ``n_pairs``) of those keys reappear at random later positions, each
    scored with its value as target; every other position is blank.
    """
    positive_int("seq_len", seq_len)
    positive_int("n_pairs", n_pairs)
    positive_int("vocab_size", vocab_size, minimum=3)
    n_queries = n_pairs if n_queries is None else positive_int("n_queries", n_queries)
    n_keys = (vocab_size - 1) // 2
    if n_pairs > n_keys:
        raise ValueError(f"n_pairs={n_pairs} needs distinct keys but vocab_size={vocab_size} gives only {n_keys}")
    if n_queries > n_pairs:
        raise ValueError(f"n_queries must be <= n_pairs={n_pairs}, got {n_queries}")
    if seq_len < 2 * n_pairs + n_queries:
        raise ValueError(
            f"mqar needs seq_len >= 2 * n_pairs + n_queries = {2 * n_pairs + n_queries}, got seq_len={seq_len}"
        )
    gen = _sizes(n_train, n_test, seed)
    n = n_train + n_test
    keys = torch.rand(n, n_keys, generator=gen).argsort(dim=1)[:, :n_pairs] + 1  # (N, P) distinct keys
    values = torch.randint(n_keys + 1, 2 * n_keys + 1, (n, n_pairs), generator=gen)  # (N, P)
    x = torch.full((n, seq_len), BLANK, dtype=torch.long)
    x[:, 0 : 2 * n_pairs : 2] = keys
    x[:, 1 : 2 * n_pairs : 2] = values
    which = torch.rand(n, n_pairs, generator=gen).argsort(dim=1)[:, :n_queries]  # (N, Q) queried pairs
    free = seq_len - 2 * n_pairs
    where = torch.rand(n, free, generator=gen).argsort(dim=1)[:, :n_queries] + 2 * n_pairs  # (N, Q)
    rows = torch.arange(n)[:, None]
    x[rows, where] = keys.gather(1, which)
    y = torch.zeros(n, seq_len, dtype=torch.long)
    y[rows, where] = values.gather(1, which)
    mask = torch.zeros(n, seq_len, dtype=torch.bool)
    mask[rows, where] = True
    spec = TaskSpec(
        "mqar", seq_len, "classification", "tokens", vocab_size, None, vocab_size,
        f"{n_queries} query positions per sequence", 1.0 / n_keys,
    )
    return _split(spec, x, y, mask, n_train)


TASKS: dict[str, Callable[..., SyntheticTask]] = {
    "copying": copying_memory,
    "adding": adding_problem,
    "mqar": associative_recall,
}


def make_task(
    name: str,
    *,
    seq_len: int = 64,
    n_train: int = 2000,
    n_test: int = 500,
    seed: int = 0,
    options: Mapping[str, Any] | None = None,
) -> SyntheticTask:
    """Build task ``name`` (one of :data:`TASKS`); ``options`` are its task-specific sizes
    (e.g. ``{"n_copy": 4}``), checked by the task function's own signature."""
    if name not in TASKS:
        close = difflib.get_close_matches(str(name), list(TASKS), n=2, cutoff=0.4)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown task {name!r}{hint} (tasks: {', '.join(TASKS)})")
    return TASKS[name](seq_len=seq_len, n_train=n_train, n_test=n_test, seed=seed, **dict(options or {}))
