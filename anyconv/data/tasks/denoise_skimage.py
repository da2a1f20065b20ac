"""``denoise-skimage``: Gaussian denoising of grayscale patches cut from scikit-image's bundled images.

Every image loads offline from the scikit-image wheel (``skimage.data``, no fetch). Whole images
are held out for test, so test content is never seen in training:

=========  ======================================================================================
split      images (``skimage.data`` name, size)
=========  ======================================================================================
train/val  astronaut 512×512, coffee 400×600, chelsea 300×451, rocket 427×640, moon 512×512,
           clock 300×400, brick 512×512, grass 512×512 (photos, an astronomy image, textures)
test       camera 512×512 (the classic "cameraman"), coins 303×384, gravel 512×512
=========  ======================================================================================

Colour images become BT.601 luma (``0.299 R + 0.587 G + 0.114 B``, as ``denoise-samples``);
all are ``uint8 / 255`` in ``[0, 1]``. The test set mixes a photo, objects on a background and
a texture, the same mix as training.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import Tensor

from anyconv.data.tasks.denoise import crop, noisy_split, psnr_per_image
from anyconv.data.tasks.registry import Sizes, register_task
from anyconv.data.tasks.spec import Task, TaskSpec, TaskSplit
from anyconv.data.tasks.synthetic import split_generator
from anyconv.kernels._args import positive_int

TRAIN_IMAGES = ("astronaut", "coffee", "chelsea", "rocket", "moon", "clock", "brick", "grass")
TEST_IMAGES = ("camera", "coins", "gravel")
TEST_NOISE_SEED = 20_170_256  # the test noise and the test patches' order are the same for every seed
DEFAULT_SIZES = {"n_train": 2000, "n_val": 200}
MIN_PATCH, MAX_PATCH = 4, 300  # the smallest image side is 300 (chelsea, clock)
_LUMA = np.asarray((0.299, 0.587, 0.114))


@functools.lru_cache(maxsize=2)
def skimage_images(split: str) -> tuple[Tensor, Tensor]:
    """The ``split`` (``"train"`` or ``"test"``) images as one zero-filled float32 stack
    ``(n_images, H_max, W_max, 1)`` in ``[0, 1]`` and their sizes ``(n_images, 2)`` (int64 rows, cols).

    Cached: do not modify the result.
    """
    try:
        from skimage import data
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "task 'denoise-skimage' needs scikit-image, which bundles its images: pip install scikit-image"
        ) from error

    names = {"train": TRAIN_IMAGES, "test": TEST_IMAGES}[split]
    images = []
    for name in names:
        image = np.asarray(getattr(data, name)(), dtype=np.float64) / 255.0
        if image.ndim == 3:
            image = image[..., :3] @ _LUMA  # (H, W, 3) -> (H, W)
        images.append(image)
    sizes = torch.tensor([im.shape for im in images], dtype=torch.int64)  # (n_images, 2)
    stack = torch.zeros(len(images), int(sizes[:, 0].max()), int(sizes[:, 1].max()), 1)
    for i, image in enumerate(images):
        stack[i, : image.shape[0], : image.shape[1], 0] = torch.tensor(image, dtype=torch.float32)
    return stack, sizes


def random_positions(sizes: Tensor, n: int, gen: torch.Generator, patch: int) -> tuple[Tensor, Tensor, Tensor]:
    """``n`` top-left corners ``(image, row, col)`` of ``patch`` × ``patch`` patches inside the
    images of ``sizes`` ``(n_images, 2)``, every such patch of every image equally likely."""
    rows, cols = sizes[:, 0] - patch + 1, sizes[:, 1] - patch + 1  # corners per axis, (n_images,)
    counts = rows * cols
    index = torch.randint(0, int(counts.sum()), (n,), generator=gen)  # over all corners of all images
    ends = counts.cumsum(0)
    image = torch.searchsorted(ends, index, right=True)
    within = index - (ends[image] - counts[image])
    return image, within // cols[image], within % cols[image]


def grid_positions(sizes: Tensor, patch: int) -> tuple[Tensor, Tensor, Tensor]:
    """Corners of a non-overlapping ``patch`` grid centred in each image, in a fixed random order."""
    image, row, col = [], [], []
    for i, (h, w) in enumerate(sizes.tolist()):
        n_rows, n_cols = h // patch, w // patch
        r, c = torch.meshgrid((h - n_rows * patch) // 2 + patch * torch.arange(n_rows),
                              (w - n_cols * patch) // 2 + patch * torch.arange(n_cols), indexing="ij")
        image.append(torch.full((r.numel(),), i))
        row.append(r.reshape(-1))
        col.append(c.reshape(-1))
    order = torch.randperm(sum(len(i) for i in image), generator=torch.Generator().manual_seed(TEST_NOISE_SEED))
    return torch.cat(image)[order], torch.cat(row)[order], torch.cat(col)[order]


@register_task("denoise-skimage", kind="image-denoising", can_stream=True)
def denoise_skimage(*, patch: int = 32, sigma: float = 25.0, sizes: Sizes, seed: int) -> Task:
    """Gaussian denoising of grayscale ``patch`` × ``patch`` crops of scikit-image's bundled images.

    ``y``: clean patches in ``[0, 1]`` (``uint8 / 255``, colour images as BT.601 luma),
    ``(N, 1, patch, patch)`` float32; ``x = y + (sigma / 255) · N(0, 1)``, not clipped (``sigma``
    in 0–255 units, default 25). Training and validation patches are drawn by ``seed`` at random
    positions in 8 training images; test patches tile 3 held-out images (camera, coins, gravel;
    620 patches at ``patch=32``, in a fixed random order so a smaller ``n_test`` is a spread-out
    subset; see the module docstring). Training is a fixed set of ``n_train`` (default 2 000) or,
    with ``stream=True``, fresh patches and noise every batch. The test set (patches and noise)
    is the same for every ``seed``.

    Metric: PSNR ``10 · log10(1 / mse(clamp(prediction, 0, 1), y))`` per patch, averaged.
    ``chance`` is that metric for the noisy input itself on the actual test split.
    """
    positive_int("patch", patch, minimum=MIN_PATCH)
    if patch > MAX_PATCH:
        raise ValueError(f"patch must be an int in [{MIN_PATCH}, {MAX_PATCH}] (the smallest image side), got {patch}")
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not 0 < sigma <= 255:
        raise ValueError(f"sigma must be a float in (0, 255] (noise std in 0-255 pixel units), got {sigma!r}")
    sigma = float(sigma)
    train_images, train_sizes = skimage_images("train")
    test_images, test_sizes = skimage_images("test")

    positions = grid_positions(test_sizes, patch)
    n_grid = len(positions[0])
    n_test = sizes.n_test or n_grid
    if n_test > n_grid:
        raise ValueError(f"n_test={n_test} is more than the {n_grid} test patches of size {patch} the test images hold")
    image, row, col = (p[:n_test] for p in positions)
    test = noisy_split(crop(test_images, image, row, col, patch), sigma, torch.Generator().manual_seed(TEST_NOISE_SEED))

    def sample(n: int, gen: torch.Generator) -> TaskSplit:
        return noisy_split(crop(train_images, *random_positions(train_sizes, n, gen, patch), patch), sigma, gen)

    val = sample(sizes.n_val or DEFAULT_SIZES["n_val"], split_generator(seed, "val"))
    train = None if sizes.stream else sample(sizes.n_train or DEFAULT_SIZES["n_train"], split_generator(seed, "train"))

    chance = float(psnr_per_image(test.x, test.y).mean())
    training = "streamed" if train is None else f"{len(train)}"
    spec = TaskSpec(
        "denoise-skimage", "image-denoising", "image", (1, patch, patch), 1, "mse", "psnr", chance,
        description=(
            f"grayscale {patch}x{patch} patches of scikit-image's bundled images, Gaussian noise sigma={sigma:g}/255 "
            f"unclipped; train/val from {', '.join(TRAIN_IMAGES)}; test tiles {', '.join(TEST_IMAGES)}: "
            f"{training} train / {len(val)} val / {len(test)} test; chance = noisy-input PSNR {chance:.2f} dB "
            f"(clamped to [0, 1])"
        ),
        options={"patch": patch, "sigma": sigma},
    )
    if train is None:
        return Task(spec, None, val, test, sampler=sample)
    return Task(spec, train, val, test)


__all__ = ["denoise_skimage", "grid_positions", "random_positions", "skimage_images"]
