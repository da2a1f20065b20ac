"""Irregularly sampled MNIST-1D: ``mnist1d-irregular-30``, ``-50`` and ``-70``.

The protocol of the CKConv paper's irregular CharacterTrajectories experiments, on MNIST-1D:
from every sequence of length ``L`` a fixed share ``p`` of the time steps is dropped at random
(a different subset per sequence), and the kept ``N = L − round(p·L)`` values are given in time
order together with their **true sample times** — in units of the regular grid step, so a
complete sequence would have times ``0 … L−1``::

    x        (examples, 1, N)   the kept values, in order
    times    (examples, N)      float32, strictly increasing integers in [0, L − 1]
    observed (examples, N)      all True (every sequence keeps the same number of samples)

Which steps are dropped is fixed by ``drop_seed`` and the example's split and index (numpy's
``RandomState``, identical on every machine), not by the run's ``seed``, so every run sees the
same irregular test set. Layers whose ``forward`` takes ``times`` use them; the harness's
models give other layers the time as an extra input channel (the usual baseline treatment; see
:class:`~anyconv.models.sequence.SequenceModel`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from anyconv.data.tasks.fixed import fixed_dataset_task
from anyconv.data.tasks.mnist1d import MNIST1D_N_VAL, check_generator_options, mnist1d_arrays
from anyconv.data.tasks.registry import Sizes, register_task
from anyconv.data.tasks.spec import Task, TaskSpec, TaskSplit

DROP_SHARES = (30, 50, 70)  # percent of time steps dropped per sequence
_SPLIT_SALT = {"train": 0, "test": 1}


def kept_steps(n_examples: int, seq_len: int, n_keep: int, rng: np.random.RandomState) -> np.ndarray:
    """For each example, ``n_keep`` distinct time steps of ``0 … seq_len−1`` in increasing order.

    Shape:
        ``(n_examples, n_keep)`` int64
    """
    scores = rng.random_sample((n_examples, seq_len))  # one uniform draw per step and example
    return np.sort(np.argsort(scores, axis=1)[:, :n_keep], axis=1)  # (n_examples, n_keep)


def drop_steps(x: np.ndarray, share: int, drop_seed: int, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The kept values and their times after dropping ``share`` percent of each sequence's steps.

    Shape:
        x: ``(N, L)`` → values ``(N, 1, n_keep)`` float32, times ``(N, n_keep)`` float32
    """
    n_examples, seq_len = x.shape
    n_keep = seq_len - round(share / 100 * seq_len)
    if n_keep < 2:
        raise ValueError(f"dropping {share}% of seq_len={seq_len} leaves {n_keep} samples; need at least 2")
    rng = np.random.RandomState([drop_seed, share, _SPLIT_SALT[split]])
    steps = kept_steps(n_examples, seq_len, n_keep, rng)  # (N, n_keep)
    values = np.take_along_axis(x, steps, axis=1)  # (N, n_keep)
    return torch.tensor(values, dtype=torch.float32)[:, None, :], torch.tensor(steps, dtype=torch.float32)


def _irregular_builder(share: int) -> Callable[..., Task]:
    name = f"mnist1d-irregular-{share}"

    def build(*, seq_len: int = 40, n_samples: int = 5000, data_seed: int = 42, drop_seed: int = 0,
              sizes: Sizes, seed: int) -> Task:
        if isinstance(drop_seed, bool) or not isinstance(drop_seed, int) or not 0 <= drop_seed < 2**32:
            raise ValueError(f"drop_seed must be an int in [0, 2**32), got {drop_seed!r}")
        check_generator_options(seq_len, n_samples, data_seed)
        x, y, x_test, y_test = mnist1d_arrays(seq_len, n_samples, data_seed, False)
        values, times = drop_steps(np.asarray(x), share, drop_seed, "train")
        test_values, test_times = drop_steps(np.asarray(x_test), share, drop_seed, "test")
        n_keep = values.shape[-1]
        spec = TaskSpec(
            name, "sequence-classification", "features", (1, n_keep), 10, "cross_entropy", "accuracy", 0.1,
            has_times=True,
            description=(
                f"MNIST-1D (length {seq_len}, data_seed {data_seed}) with {share}% of the time steps dropped per "
                f"sequence (drop_seed {drop_seed}): {n_keep} samples at their true times, 10 classes"
            ),
            options={"seq_len": seq_len, "n_samples": n_samples, "data_seed": data_seed, "drop_seed": drop_seed},
        )
        observed = torch.ones_like(times, dtype=torch.bool)
        train_full = TaskSplit(values, torch.tensor(y), times=times, observed=observed)
        test_full = TaskSplit(test_values, torch.tensor(y_test), times=test_times, observed=torch.ones_like(test_times, dtype=torch.bool))
        return fixed_dataset_task(spec, train_full, test_full, sizes, seed, default_n_val=MNIST1D_N_VAL)

    build.__doc__ = (
        f"MNIST-1D with {share}% of each sequence's time steps dropped; the kept values come with their true times."
    )
    build.__name__ = build.__qualname__ = f"mnist1d_irregular_{share}"
    return build


for _share in DROP_SHARES:
    register_task(f"mnist1d-irregular-{_share}", kind="sequence-classification")(_irregular_builder(_share))

__all__ = ["DROP_SHARES", "drop_steps", "kept_steps"]
