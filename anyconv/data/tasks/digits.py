"""``digits``: scikit-learn's bundled 8×8 handwritten digits as an image-classification task.

Also home of :func:`fixed_dataset_task`, which turns a fixed dataset (its own training and test
sets) into a :class:`Task` the same way for every such task: validation carved from the
training set by ``seed``, the test set the same for every seed.
"""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import torch

from anyconv.data.tasks.registry import Sizes, register_task
from anyconv.data.tasks.spec import Task, TaskSpec, TaskSplit, carve_validation
from anyconv.data.tasks.synthetic import split_generator

DIGITS_N_TEST = 360  # of 1 797, stratified, the same for every seed (36 of each class, ±1)
DIGITS_SPLIT_STATE = 0  # random_state of the fixed train/test split
DIGITS_N_VAL = 180


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


@functools.lru_cache(maxsize=1)
def digits_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)``: ``load_digits()`` pixels / 16 as float32 ``(N, 1, 8, 8)``
    and int64 labels, split 1 437 / 360 by ``train_test_split(stratify=y, random_state=0)``.

    Cached; read-only arrays (copy before changing them).
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = (data.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = data.target.astype(np.int64)
    index = np.arange(len(y))
    train_index, test_index = train_test_split(
        index, test_size=DIGITS_N_TEST, stratify=y, random_state=DIGITS_SPLIT_STATE
    )
    arrays = (x[train_index], y[train_index], x[test_index], y[test_index])
    for a in arrays:
        a.setflags(write=False)
    return arrays


@register_task("digits", kind="image-classification")
def digits(*, sizes: Sizes, seed: int) -> Task:
    """scikit-learn's 8×8 handwritten digits (``load_digits``): 1 797 images, 10 classes.

    Pixels (0..16) are divided by 16 into ``[0, 1]``; ``x`` is float32 ``(N, 1, 8, 8)``, ``y`` int64.
    Test: a fixed stratified 360 (``train_test_split(..., stratify=y, random_state=0)``), the same
    for every seed, so seeds vary only the training side. Validation: 180 (``n_val``) of the
    other 1 437 carved by ``seed``; training: the remaining 1 257 (or ``n_train`` of them).
    Chance 0.1 (the classes are balanced, 174–183 images each).
    """
    x_train, y_train, x_test, y_test = digits_arrays()
    spec = TaskSpec(
        "digits", "image-classification", "image", (1, 8, 8), 10, "cross_entropy", "accuracy", 0.1,
        description=(
            "scikit-learn 8x8 handwritten digits (load_digits), pixels/16 in [0, 1], 10 classes: "
            f"{len(y_train)} train+val / {len(y_test)} test (fixed stratified split)"
        ),
        options={},
    )
    train_full = TaskSplit(torch.tensor(x_train), torch.tensor(y_train))
    test_full = TaskSplit(torch.tensor(x_test), torch.tensor(y_test))
    return fixed_dataset_task(spec, train_full, test_full, sizes, seed, default_n_val=DIGITS_N_VAL)


__all__ = ["digits", "digits_arrays", "fixed_dataset_task"]
