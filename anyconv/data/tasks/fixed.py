"""Fixed datasets (their own training and test sets) as tasks, the same way for every one:
validation carved from the training set by ``seed``, the test set the same for every seed.
(Generated tasks have their counterpart in :func:`anyconv.data.tasks.synthetic.generated_task`.)
"""

from __future__ import annotations

from dataclasses import replace

import torch

from anyconv.data.tasks.registry import Sizes
from anyconv.data.tasks.spec import Task, TaskSpec, TaskSplit, carve_validation
from anyconv.data.tasks.synthetic import split_generator


def fixed_dataset_task(spec: TaskSpec, train_full: TaskSplit, test_full: TaskSplit, sizes: Sizes, seed: int,
                       *, default_n_val: int) -> Task:
    """A :class:`Task` from a fixed dataset's own training and test sets.

    Validation: ``sizes.n_val`` (default ``default_n_val``) training examples carved at random by
    ``seed``; the rest is the training split. ``sizes.n_train`` keeps a random (by ``seed``) subset
    of that rest, in dataset order; ``sizes.n_test`` keeps the first ``n_test`` test examples (the
    same for every seed). ``stream=True`` is refused: a fixed dataset has no fresh examples.
    The spec's description gets the resulting split sizes appended.
    """
    if sizes.stream:
        raise ValueError(f"task {spec.name!r} is a fixed dataset and cannot stream; give n_train (or nothing) instead")
    available = len(train_full)
    n_val = sizes.n_val or default_n_val
    if n_val >= available:
        raise ValueError(
            f"n_val={n_val} leaves no training examples: task {spec.name!r} has {available} training examples "
            f"(n_val must be at most {available - 1})"
        )
    gen = split_generator(seed, "val")
    train, val = carve_validation(train_full, n_val, gen)
    if sizes.n_train is not None:
        if sizes.n_train > len(train):
            raise ValueError(
                f"n_train={sizes.n_train} is more than task {spec.name!r} has: {len(train)} training examples "
                f"({available} minus n_val={n_val} carved for validation)"
            )
        keep = torch.randperm(len(train), generator=gen)[: sizes.n_train].sort().values
        train = train.select(keep)
    test = test_full
    if sizes.n_test is not None:
        if sizes.n_test > len(test_full):
            raise ValueError(f"n_test={sizes.n_test} is more than the {len(test_full)} test examples task {spec.name!r} has")
        test = test_full.select(slice(0, sizes.n_test))
    spec = replace(spec, description=f"{spec.description}; split {len(train)} train / {len(val)} val / {len(test)} test")
    return Task(spec, train, val, test)
