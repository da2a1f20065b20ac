"""``denoise-samples``: Gaussian denoising of patches cut from scikit-learn's two bundled photos
(``load_sample_images()``: china.jpg and flower.jpg, 427 × 640 × 3 uint8 each).

Layout of each image (both are 427 × 640)::

    columns 0 ............ 239 | 240 ...... 399 | 400 ............ 639
            training (left)    |  test band     |  training (right)

Training and validation patches lie wholly in columns ``[0, 240)`` or wholly in
``[400, 640)``; test patches wholly in ``[240, 400)`` (25 % of each image), so no test pixel is
ever seen in training. A band of *each* image is held out rather than one whole image because
the two photos differ a lot (a pagoda against sky and trees, a flower close-up on a blurred
background): holding one out would test on content unlike the training set and leave a single
image to train from. The band is the middle one because the edge bands are unrepresentative:
china's right quarter is mostly blown-out sky (23 % of the right band's pixels of both images
are within 0.05 of 0 or 1, where clamping halves the error) and flower's edges are smooth
bokeh; the middle band cuts through the pagoda and the flower (0.9 % near-saturated, mean
horizontal gradient 0.048 against 0.030 in the training region), so the test is, if anything,
harder than training. Both boundaries are multiples of 8, so no JPEG 8 × 8 block straddles
training and test.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import Tensor

from anyconv.data.tasks.registry import Sizes, register_task
from anyconv.data.tasks.spec import Task, TaskSpec, TaskSplit
from anyconv.data.tasks.synthetic import split_generator
from anyconv.kernels._args import positive_int

IMAGE_HEIGHT, IMAGE_WIDTH = 427, 640
TEST_COLS = (240, 400)  # the held-out band: columns [240, 400) test, the rest train/val
TEST_NOISE_SEED = 20_170_255  # the test noise is the same for every seed
DEFAULT_SIZES = {"n_train": 2000, "n_val": 200}
MIN_PATCH, MAX_PATCH = 4, TEST_COLS[1] - TEST_COLS[0]
_LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601, as PIL's "L" mode


@functools.lru_cache(maxsize=2)
def sample_images(color: bool = False) -> Tensor:
    """The two bundled photos (china, flower) as float32 ``(2, H, W, C)`` in ``[0, 1]``
    (``uint8 / 255``); grayscale (``C = 1``) is the BT.601 luma ``0.299 R + 0.587 G + 0.114 B``.
    Cached: do not modify the result."""
    from sklearn.datasets import load_sample_images

    images = np.stack(load_sample_images().images).astype(np.float64) / 255.0  # (2, H, W, 3)
    if images.shape[1:3] != (IMAGE_HEIGHT, IMAGE_WIDTH):
        raise RuntimeError(f"expected {IMAGE_HEIGHT}x{IMAGE_WIDTH} sample images, got {images.shape}")
    if not color:
        images = (images @ np.asarray(_LUMA))[..., None]
    return torch.tensor(images, dtype=torch.float32)


def training_positions(n: int, gen: torch.Generator, patch: int) -> tuple[Tensor, Tensor, Tensor]:
    """``n`` random top-left corners ``(image, row, col)`` (int64 each) of ``patch`` × ``patch``
    patches lying wholly in the training region (columns ``[0, 240)`` or ``[400, 640)``, every
    such patch equally likely), drawn from ``gen``."""
    left, right = TEST_COLS[0] - patch + 1, IMAGE_WIDTH - TEST_COLS[1] - patch + 1  # corners per piece
    image = torch.randint(0, 2, (n,), generator=gen)
    row = torch.randint(0, IMAGE_HEIGHT - patch + 1, (n,), generator=gen)
    col = torch.randint(0, left + right, (n,), generator=gen)
    col = torch.where(col < left, col, col - left + TEST_COLS[1])
    return image, row, col


def heldout_positions(patch: int) -> tuple[Tensor, Tensor, Tensor]:
    """Top-left corners ``(image, row, col)`` of the test patches, in the test split's order.

    A non-overlapping grid of ``patch`` × ``patch`` tiles over the test band (columns
    ``[240, 400)``) of both images, centred in the band, then put in a fixed random order (so
    ``n_test`` smaller than the grid keeps a spread-out subset).
    """
    band = TEST_COLS[1] - TEST_COLS[0]
    n_rows, n_cols = IMAGE_HEIGHT // patch, band // patch
    row0 = (IMAGE_HEIGHT - n_rows * patch) // 2
    col0 = TEST_COLS[0] + (band - n_cols * patch) // 2
    image, row, col = torch.meshgrid(
        torch.arange(2), row0 + patch * torch.arange(n_rows), col0 + patch * torch.arange(n_cols), indexing="ij"
    )
    order = torch.randperm(image.numel(), generator=torch.Generator().manual_seed(TEST_NOISE_SEED))
    return image.reshape(-1)[order], row.reshape(-1)[order], col.reshape(-1)[order]


def crop(images: Tensor, image: Tensor, row: Tensor, col: Tensor, patch: int) -> Tensor:
    """The ``(N, C, patch, patch)`` patches of ``images`` ``(n_images, H, W, C)`` at the given corners."""
    offsets = torch.arange(patch)
    rows = (row[:, None] + offsets)[:, :, None]  # (N, P, 1)
    cols = (col[:, None] + offsets)[:, None, :]  # (N, 1, P)
    return images[image[:, None, None], rows, cols].permute(0, 3, 1, 2).contiguous()  # (N, P, P, C) -> (N, C, P, P)


def noisy_split(clean: Tensor, sigma: float, gen: torch.Generator) -> TaskSplit:
    """``x = clean + sigma/255 · N(0, 1)`` (not clipped), ``y = clean``."""
    noise = torch.randn(clean.shape, generator=gen) * (sigma / 255.0)
    return TaskSplit(clean + noise, clean)


def psnr_per_image(prediction: Tensor, clean: Tensor) -> Tensor:
    """``10 · log10(1 / mse)`` per image (``(N,)``, dB) with ``prediction`` clamped to ``[0, 1]``."""
    mse = (prediction.clamp(0.0, 1.0) - clean).pow(2).flatten(1).mean(1)
    return 10.0 * torch.log10(1.0 / mse)


@register_task("denoise-samples", kind="image-denoising", can_stream=True)
def denoise_samples(*, patch: int = 32, sigma: float = 25.0, color: bool = False, sizes: Sizes, seed: int) -> Task:
    """Gaussian denoising of ``patch`` × ``patch`` crops of scikit-learn's two sample photos.

    ``y``: clean patches in ``[0, 1]`` (``uint8 / 255``; grayscale BT.601 luma, or RGB with
    ``color=True``), ``(N, C, patch, patch)`` float32. ``x = y + (sigma / 255) · N(0, 1)``, the
    noise *not* clipped (``sigma`` in 0–255 units, default 25). Training/validation patches come
    from columns ``[0, 240)`` and ``[400, 640)`` of each image at random positions, test patches
    from a non-overlapping grid over the held-out band, columns ``[240, 400)`` (130 at
    ``patch=32``; see the module docstring). Validation (default 200 patches) is drawn by
    ``seed`` from the training region, so it may overlap training patches (with other noise):
    it tracks the fit, the held-out band tracks generalisation to unseen content. Training is a
    fixed set of ``n_train`` (default 2 000) drawn by ``seed`` or, with ``stream=True``, fresh
    positions and fresh noise every batch from the sampler's generator. The test set (positions
    and noise) is the same for every ``seed``.

    Metric: PSNR per image ``10 · log10(1 / mse(clamp(prediction, 0, 1), y))`` averaged over the
    test images. ``chance`` is that metric for the noisy input itself (clamped like any
    prediction), measured on the actual test split: 20.54 dB grayscale, 20.83 dB RGB at
    ``sigma=25``, ``patch=32``. Without the clamp it is ``20 · log10(255 / sigma) = 20.17`` dB
    (20.17 measured); the clamp adds ≈ 0.4 dB because it cuts the noise on pixels near 0 or 1
    (both values are in the spec's description).
    """
    positive_int("patch", patch, minimum=MIN_PATCH)
    if patch > MAX_PATCH:
        raise ValueError(f"patch must be an int in [{MIN_PATCH}, {MAX_PATCH}] (the test band's width), got {patch}")
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not 0 < sigma <= 255:
        raise ValueError(f"sigma must be a float in (0, 255] (noise std in 0-255 pixel units), got {sigma!r}")
    if not isinstance(color, bool):
        raise ValueError(f"color must be a bool, got {color!r}")
    sigma = float(sigma)
    images = sample_images(color)
    channels = images.shape[-1]

    positions = heldout_positions(patch)
    n_grid = len(positions[0])
    n_test = sizes.n_test or n_grid
    if n_test > n_grid:
        raise ValueError(f"n_test={n_test} is more than the {n_grid} test patches of size {patch} the test band holds")
    test = noisy_split(crop(images, *positions, patch), sigma, torch.Generator().manual_seed(TEST_NOISE_SEED))
    test = test.select(slice(0, n_test))

    def sample(n: int, gen: torch.Generator) -> TaskSplit:
        return noisy_split(crop(images, *training_positions(n, gen, patch), patch), sigma, gen)

    val = sample(sizes.n_val or DEFAULT_SIZES["n_val"], split_generator(seed, "val"))
    train = None if sizes.stream else sample(sizes.n_train or DEFAULT_SIZES["n_train"], split_generator(seed, "train"))

    chance = float(psnr_per_image(test.x, test.y).mean())
    unclamped = float((10.0 * torch.log10(1.0 / (test.x - test.y).pow(2).flatten(1).mean(1))).mean())
    training = "streamed" if train is None else f"{len(train)}"
    spec = TaskSpec(
        "denoise-samples", "image-denoising", "image", (channels, patch, patch), channels, "mse", "psnr", chance,
        description=(
            f"{'RGB' if color else 'grayscale'} {patch}x{patch} patches of sklearn's china/flower photos "
            f"(427x640), Gaussian noise sigma={sigma:g}/255 unclipped; train/val from columns 0-239 and 400-639, "
            f"test a grid over columns 240-399: {training} train / {len(val)} val / {len(test)} test; chance = noisy-input "
            f"PSNR {chance:.2f} dB (clamped to [0, 1]; {unclamped:.2f} dB unclamped)"
        ),
        options={"patch": patch, "sigma": sigma, "color": color},
    )
    if train is None:
        return Task(spec, None, val, test, sampler=sample)
    return Task(spec, train, val, test)


__all__ = ["crop", "denoise_samples", "heldout_positions", "psnr_per_image", "sample_images", "training_positions"]
