"""``denoise-skimage``: patches of scikit-image's bundled images, held-out test images, noise, PSNR chance."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from anyconv.data.tasks import Sizes, get_task_info, list_tasks, make_task
from anyconv.data.tasks.denoise import psnr_per_image
from anyconv.data.tasks.denoise_skimage import (
    TEST_IMAGES,
    TRAIN_IMAGES,
    grid_positions,
    random_positions,
    skimage_images,
)

SMALL = Sizes(n_train=64, n_val=16, n_test=40)


def _gray(name: str) -> np.ndarray:
    from skimage import data

    image = np.asarray(getattr(data, name)(), dtype=np.float64) / 255.0
    return image if image.ndim == 2 else 0.299 * image[..., 0] + 0.587 * image[..., 1] + 0.114 * image[..., 2]


def test_registered_as_a_streamable_denoising_task():
    assert "denoise-skimage" in list_tasks(kind="image-denoising")
    info = get_task_info("denoise-skimage")
    assert info.can_stream and info.options == {"patch": 32, "sigma": 25.0}
    assert not set(TRAIN_IMAGES) & set(TEST_IMAGES)


def test_images_are_the_bundled_ones_in_bt601_luma():
    stack, sizes = skimage_images("test")
    assert stack.shape == (3, 512, 512, 1) and sizes.tolist() == [[512, 512], [303, 384], [512, 512]]
    coins = _gray("coins")
    np.testing.assert_allclose(stack[1, :303, :384, 0].numpy(), coins, rtol=0, atol=1e-6)
    assert float(stack[1, 303:].abs().max()) == 0.0  # zero fill outside the image
    train, train_sizes = skimage_images("train")
    np.testing.assert_allclose(train[0, :512, :512, 0].numpy(), _gray("astronaut"), rtol=0, atol=1e-6)  # colour -> luma
    assert train_sizes[1].tolist() == [400, 600]


def test_test_patches_tile_the_held_out_images_the_same_for_every_seed():
    a = make_task("denoise-skimage", sizes=SMALL, seed=0, patch=16)
    b = make_task("denoise-skimage", sizes=SMALL, seed=1, patch=16)
    assert torch.equal(a.test.x, b.test.x) and torch.equal(a.test.y, b.test.y)
    assert not torch.equal(a.train.y, b.train.y)
    image, row, col = grid_positions(skimage_images("test")[1], 16)
    assert len(image) == 32 * 32 + 18 * 24 + 32 * 32  # non-overlapping 16x16 tiles of camera, coins, gravel
    for i in range(5):  # the explicit crop of the named image
        name = TEST_IMAGES[int(image[i])]
        want = _gray(name)[int(row[i]) : int(row[i]) + 16, int(col[i]) : int(col[i]) + 16]
        np.testing.assert_allclose(a.test.y[i, 0].numpy(), want, rtol=0, atol=1e-6)
    corners = set(zip(image.tolist(), row.tolist(), col.tolist()))
    assert len(corners) == len(image)


def test_random_positions_cover_every_training_image_in_proportion():
    sizes = skimage_images("train")[1]
    gen = torch.Generator().manual_seed(0)
    image, row, col = random_positions(sizes, 40_000, gen, 32)
    assert bool((row >= 0).all() and (col >= 0).all())
    assert bool((row + 32 <= sizes[image, 0]).all() and (col + 32 <= sizes[image, 1]).all())
    counts = (sizes[:, 0] - 31) * (sizes[:, 1] - 31)
    expected = counts.double() / counts.sum()
    observed = torch.bincount(image, minlength=len(sizes)).double() / len(image)
    assert float((observed - expected).abs().max()) < 0.01


def test_noise_level_shapes_and_chance():
    task = make_task("denoise-skimage", sizes=Sizes(n_train=400, n_val=16), seed=0, sigma=25)
    assert task.spec.input_shape == (1, 32, 32) and task.spec.metric == "psnr" and len(task.test) == 620
    for split in (task.train, task.val, task.test):
        assert split.x.dtype == torch.float32 and split.x.shape[1:] == (1, 32, 32)
        assert float(split.y.min()) >= 0.0 and float(split.y.max()) <= 1.0
    noise = (task.train.x - task.train.y).flatten()
    assert abs(float(noise.std()) * 255 / 25 - 1) < 0.01 and abs(float(noise.mean())) < 0.002
    chance = float(psnr_per_image(task.test.x, task.test.y).mean())
    assert task.spec.chance == pytest.approx(chance) and 20.0 < chance < 21.0  # 20.17 dB unclamped


def test_a_mean_filter_beats_chance():
    """The task is learnable: a 3x3 box filter (a fixed denoiser) beats the noisy input's PSNR."""
    task = make_task("denoise-skimage", sizes=SMALL, seed=0)
    box = torch.full((1, 1, 3, 3), 1 / 9)
    smoothed = F.conv2d(F.pad(task.test.x, [1] * 4, mode="replicate"), box)
    assert float(psnr_per_image(smoothed, task.test.y).mean()) > task.spec.chance + 2.0


def test_streaming_draws_fresh_patches():
    task = make_task("denoise-skimage", sizes=Sizes(stream=True, n_val=8, n_test=8), seed=0, patch=8)
    assert task.train is None
    a = task.sampler(4, torch.Generator().manual_seed(1))
    b = task.sampler(4, torch.Generator().manual_seed(2))
    assert a.x.shape == (4, 1, 8, 8) and not torch.equal(a.y, b.y)


@pytest.mark.parametrize(
    ("options", "sizes", "message"),
    [
        ({"patch": 3}, SMALL, "patch must be an int >= 4"),
        ({"patch": 301}, SMALL, r"patch must be an int in \[4, 300\]"),
        ({"sigma": 0}, SMALL, r"sigma must be a float in \(0, 255\]"),
        ({}, Sizes(n_test=621), "n_test=621 is more than the 620 test patches of size 32"),
    ],
)
def test_clear_errors(options, sizes, message):
    with pytest.raises(ValueError, match=message):
        make_task("denoise-skimage", sizes=sizes, seed=0, **options)
