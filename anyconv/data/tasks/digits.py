"""``digits``: scikit-learn's bundled 8×8 handwritten digits as an image-classification task."""

from __future__ import annotations

import functools

import numpy as np
import torch

from anyconv.data.tasks.fixed import fixed_dataset_task
from anyconv.data.tasks.registry import Sizes, register_task
from anyconv.data.tasks.spec import Task, TaskSpec, TaskSplit

DIGITS_N_TEST = 360  # of 1 797, stratified, the same for every seed (36 of each class, ±1)
DIGITS_SPLIT_STATE = 0  # random_state of the fixed train/test split
DIGITS_N_VAL = 180


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


__all__ = ["digits", "digits_arrays"]
