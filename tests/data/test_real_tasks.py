"""Real tasks from data shipped with packages: mnist1d, digits, denoise-samples."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch

from anyconv.data.tasks import Sizes, get_task_info, list_tasks, make_task
from anyconv.data.tasks.denoise import (
    IMAGE_HEIGHT,
    IMAGE_WIDTH,
    TEST_COLS,
    crop,
    heldout_positions,
    psnr_per_image,
    sample_images,
    training_positions,
)
from anyconv.data.tasks.mnist1d import mnist1d_arrays

# Small MNIST-1D (400 train+val / 100 test) keeps generation well under a second.
SMALL = {"n_samples": 500, "seq_len": 24}
SMALL_SIZES = Sizes(n_val=50)


def package_mnist1d(n_samples: int, seq_len: int, seed: int = 42) -> dict:
    """The mnist1d package's own arrays, generated directly (not through our cache)."""
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples, args.final_seq_length, args.seed = n_samples, seq_len, seed
    return make_dataset(args)


def rows(x: torch.Tensor) -> list[bytes]:
    return [r.tobytes() for r in x.reshape(len(x), -1).numpy()]


def test_listed_by_kind():
    assert "mnist1d" in list_tasks(kind="sequence-classification")
    assert "digits" in list_tasks(kind="image-classification")
    assert list_tasks(kind="image-denoising") == ["denoise-samples", "denoise-skimage"]
    assert {"mnist1d", "digits", "denoise-samples"} <= set(list_tasks())


@pytest.mark.parametrize(
    ("name", "options", "sizes", "shape", "x_range"),
    [
        ("mnist1d", SMALL, SMALL_SIZES, (1, 24), None),
        ("digits", {}, Sizes(), (1, 8, 8), (0.0, 1.0)),
        ("denoise-samples", {"patch": 16}, Sizes(n_train=64, n_val=16), (1, 16, 16), None),
        ("denoise-samples", {"patch": 8, "color": True}, Sizes(n_train=64, n_val=16), (3, 8, 8), None),
    ],
)
def test_shapes_dtypes_ranges(name, options, sizes, shape, x_range):
    task = make_task(name, sizes=sizes, **options)
    spec = task.spec
    assert spec.input_shape == shape and not task.streaming and spec.description
    assert spec.options == {**spec.options, **options}
    for split in (task.train, task.val, task.test):
        assert split.x.dtype == torch.float32 and split.x.shape[1:] == shape and split.mask is None
        assert bool(torch.isfinite(split.x).all())
        if x_range is not None:
            assert float(split.x.min()) >= x_range[0] and float(split.x.max()) <= x_range[1]
        if spec.kind == "image-denoising":
            assert split.y.dtype == torch.float32 and split.y.shape == split.x.shape
            assert 0.0 <= float(split.y.min()) and float(split.y.max()) <= 1.0
            assert float(split.x.min()) < 0.0 or float(split.x.max()) > 1.0  # the noise is not clipped
        else:
            assert split.y.dtype == torch.int64 and split.y.shape == (len(split),)
            assert set(split.y.tolist()) == set(range(10))
    if spec.kind == "image-denoising":
        assert spec.metric == "psnr" and spec.loss == "mse" and spec.n_outputs == shape[0]
        assert (len(task.train), len(task.val)) == (64, 16)
    else:
        assert (spec.metric, spec.loss, spec.n_outputs, spec.chance) == ("accuracy", "cross_entropy", 10, 0.1)


@pytest.mark.parametrize(("name", "options", "sizes"), [("mnist1d", SMALL, SMALL_SIZES), ("digits", {}, Sizes())])
def test_seed_varies_validation_not_test(name, options, sizes):
    a, b = make_task(name, seed=3, sizes=sizes, **options), make_task(name, seed=3, sizes=sizes, **options)
    c = make_task(name, seed=4, sizes=sizes, **options)
    for split in ("train", "val", "test"):
        for field in ("x", "y"):
            assert torch.equal(getattr(getattr(a, split), field), getattr(getattr(b, split), field))
    assert not torch.equal(a.val.x, c.val.x)
    assert torch.equal(a.test.x, c.test.x) and torch.equal(a.test.y, c.test.y)


def test_mnist1d_equals_package_arrays_and_val_is_carved_from_train():
    task = make_task("mnist1d", seed=5, sizes=SMALL_SIZES, **SMALL)
    ref = package_mnist1d(SMALL["n_samples"], SMALL["seq_len"])
    assert torch.equal(task.test.x[:, 0], torch.tensor(ref["x_test"], dtype=torch.float32))
    assert torch.equal(task.test.y, torch.tensor(ref["y_test"], dtype=torch.int64))
    assert (len(task.train), len(task.val), len(task.test)) == (350, 50, 100)
    # train and val are disjoint and together are the package's training set (rows matched, labels too)
    ref_x = torch.tensor(ref["x"], dtype=torch.float32)
    where = {r: i for i, r in enumerate(rows(ref_x))}
    assert len(where) == len(ref_x)  # rows are unique, so matching is exact
    train_at = [where[r] for r in rows(task.train.x)]
    val_at = [where[r] for r in rows(task.val.x)]
    assert sorted(train_at + val_at) == list(range(len(ref_x)))
    assert torch.equal(task.train.y, torch.tensor(ref["y"])[train_at])
    assert torch.equal(task.val.y, torch.tensor(ref["y"])[val_at])


def test_mnist1d_leaves_global_rngs_alone():
    np.random.seed(11)
    random.seed(11)
    expected = (np.random.rand(), random.random())
    np.random.seed(11)
    random.seed(11)
    mnist1d_arrays(12, 100, 9, False)  # arguments no other test uses: really generated here
    assert (np.random.rand(), random.random()) == expected


def test_mnist1d_options_change_the_data():
    base = make_task("mnist1d", sizes=SMALL_SIZES, **SMALL)
    other_seed = make_task("mnist1d", sizes=SMALL_SIZES, **{**SMALL, "data_seed": 1})
    shuffled = make_task("mnist1d", sizes=SMALL_SIZES, **{**SMALL, "shuffle_seq": True})
    assert not torch.equal(base.test.x, other_seed.test.x)
    assert torch.equal(base.test.y, shuffled.test.y) and not torch.equal(base.test.x, shuffled.test.x)
    assert base.spec.options == {"seq_len": 24, "n_samples": 500, "data_seed": 42, "shuffle_seq": False}


def test_digits_splits_partition_load_digits():
    from sklearn.datasets import load_digits

    data = load_digits()
    task = make_task("digits", seed=1)
    assert (len(task.train), len(task.val), len(task.test)) == (1257, 180, 360)
    x = torch.tensor(data.data / 16.0, dtype=torch.float32)
    # every split's (image, label) rows together are load_digits' rows, each used once
    def keyed(split):
        return [r + bytes([int(label)]) for r, label in zip(rows(split.x), split.y)]

    ours = keyed(task.train) + keyed(task.val) + keyed(task.test)
    theirs = [r + bytes([int(label)]) for r, label in zip(rows(x), data.target)]
    assert sorted(ours) == sorted(theirs)
    assert not set(keyed(task.train)) & set(keyed(task.val))
    assert np.bincount(task.test.y.numpy()).min() >= 35  # stratified: 35-37 per class


@pytest.mark.parametrize(("name", "options", "available"), [("mnist1d", SMALL, 350), ("digits", {}, 1257)])
def test_n_train_subset_and_too_many(name, options, available):
    sizes = SMALL_SIZES if name == "mnist1d" else Sizes()
    full = make_task(name, seed=2, sizes=sizes, **options)
    few = make_task(name, seed=2, sizes=Sizes(n_train=40, n_val=sizes.n_val), **options)
    assert len(full.train) == available and len(few.train) == 40
    assert set(rows(few.train.x)) <= set(rows(full.train.x)) and torch.equal(few.val.x, full.val.x)
    with pytest.raises(ValueError, match=f"{available} training examples"):
        make_task(name, sizes=Sizes(n_train=available + 1, n_val=sizes.n_val), **options)
    with pytest.raises(ValueError, match="test examples"):
        make_task(name, sizes=Sizes(n_test=100_000, n_val=sizes.n_val), **options)
    with pytest.raises(ValueError, match="n_val"):
        make_task(name, sizes=Sizes(n_val=100_000), **options)
    assert torch.equal(make_task(name, sizes=Sizes(n_test=7, n_val=sizes.n_val), **options).test.x, full.test.x[:7])


@pytest.mark.parametrize("name", ["mnist1d", "digits"])
def test_fixed_datasets_cannot_stream(name):
    with pytest.raises(ValueError, match="fixed dataset and cannot stream"):
        make_task(name, sizes=Sizes(stream=True))
    options = SMALL if name == "mnist1d" else {}
    with pytest.raises(ValueError, match="cannot stream"):  # the builder itself refuses too
        get_task_info(name).builder(**options, sizes=Sizes(stream=True), seed=0)


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("mnist1d", {"n_samples": 505}, "multiple of 10"),
        ("mnist1d", {"n_samples": 10}, "n_samples must be an int >= 20"),
        ("mnist1d", {"seq_len": 1}, "seq_len must be an int >= 2"),
        ("mnist1d", {"data_seed": -1}, "data_seed"),
        ("mnist1d", {"seq_len": 40.0}, "expects a int"),
        ("mnist1d", {"seqlen": 40}, "did you mean 'seq_len'"),
        ("digits", {"n_classes": 5}, "unknown option"),
        ("denoise-samples", {"patch": 3}, "patch must be an int >= 4"),
        ("denoise-samples", {"patch": 161}, r"patch must be an int in \[4, 160\]"),
        ("denoise-samples", {"sigma": 0.0}, r"sigma must be a float in \(0, 255\]"),
        ("denoise-samples", {"sigma": 300}, "sigma must be"),
        ("denoise-samples", {"color": "rgb"}, "expects a bool"),
    ],
)
def test_bad_options(name, options, message):
    with pytest.raises(ValueError, match=message):
        make_task(name, **options)


# ---------------------------------------------------------------- denoise-samples


def test_denoise_test_band_never_overlaps_training_region():
    lo, hi = TEST_COLS
    for patch in (4, 16, 32, 160):
        image, row, col = heldout_positions(patch)
        assert bool((col >= lo).all()) and bool((col + patch <= hi).all())
        assert bool((row >= 0).all()) and bool((row + patch <= IMAGE_HEIGHT).all())
        corners = set(zip(image.tolist(), row.tolist(), col.tolist()))
        assert len(corners) == len(image)
        # the grid does not overlap itself: every pixel covered at most once
        cover = torch.zeros(2, IMAGE_HEIGHT, IMAGE_WIDTH, dtype=torch.int32)
        for i, r, c in corners:
            cover[i, r : r + patch, c : c + patch] += 1
        assert int(cover.max()) == 1
        image, row, col = training_positions(20_000, torch.Generator().manual_seed(patch), patch)
        left = col + patch <= lo
        assert bool((left | (col >= hi)).all())  # wholly left or wholly right of the band
        assert bool((col >= 0).all()) and bool((col + patch <= IMAGE_WIDTH).all())
        assert bool((row + patch <= IMAGE_HEIGHT).all()) and set(image.tolist()) == {0, 1}
        assert 0.3 < float(left.float().mean()) < 0.7  # both pieces are used
        assert int(col.max()) == IMAGE_WIDTH - patch or patch > 8  # the last corner is reachable


def test_denoise_clean_patches_are_the_sample_images():
    from sklearn.datasets import load_sample_images

    task = make_task("denoise-samples", sizes=Sizes(n_train=8, n_val=8), patch=16, color=True)
    image, row, col = heldout_positions(16)
    photos = load_sample_images().images
    for k in (0, 5, len(task.test) - 1):
        i, r, c = int(image[k]), int(row[k]), int(col[k])
        expected = torch.tensor(photos[i][r : r + 16, c : c + 16] / 255.0, dtype=torch.float32).permute(2, 0, 1)
        assert torch.allclose(task.test.y[k], expected, rtol=0, atol=1e-6)
    gray = sample_images(False)
    luma = torch.tensor([0.299, 0.587, 0.114])[:, None, None]
    rgb = crop(sample_images(True), image[:3], row[:3], col[:3], 16)
    assert torch.allclose(crop(gray, image[:3], row[:3], col[:3], 16), (rgb * luma).sum(1, keepdim=True), atol=1e-6)


@pytest.mark.parametrize("sigma", [25.0, 50.0])
def test_denoise_noise_level_and_chance(sigma):
    task = make_task("denoise-samples", seed=0, sizes=Sizes(n_train=400, n_val=8), sigma=sigma)
    noise = (task.train.x - task.train.y).flatten()  # 409 600 samples: std known to ~0.1 %
    assert abs(float(noise.mean())) < 3 * sigma / 255 / math.sqrt(noise.numel())
    assert float(noise.std()) == pytest.approx(sigma / 255, rel=0.01)
    assert float((task.test.x - task.test.y).std()) == pytest.approx(sigma / 255, rel=0.02)
    # chance: the noisy input's per-image PSNR, clamped like any prediction (as the metric is)
    assert task.spec.chance == pytest.approx(float(psnr_per_image(task.test.x, task.test.y).mean()))
    unclamped = (10 * torch.log10(1 / (task.test.x - task.test.y).pow(2).flatten(1).mean(1))).mean()
    assert float(unclamped) == pytest.approx(20 * math.log10(255 / sigma), abs=0.3)
    assert float(unclamped) < task.spec.chance < float(unclamped) + 1.5  # the clamp only removes error
    if sigma == 25.0:
        assert 20.0 < task.spec.chance < 21.0 and len(task.test) == 130


def test_denoise_seeds_and_streaming():
    a = make_task("denoise-samples", seed=1, sizes=Sizes(n_train=32, n_val=16), patch=16)
    b = make_task("denoise-samples", seed=1, sizes=Sizes(n_train=32, n_val=16), patch=16)
    c = make_task("denoise-samples", seed=2, sizes=Sizes(n_train=32, n_val=16), patch=16)
    assert torch.equal(a.train.x, b.train.x) and torch.equal(a.val.x, b.val.x)
    assert not torch.equal(a.val.x, c.val.x) and not torch.equal(a.train.x, c.train.x)
    assert torch.equal(a.test.x, c.test.x) and torch.equal(a.test.y, c.test.y)  # same test for every seed
    stream = make_task("denoise-samples", seed=1, sizes=Sizes(stream=True, n_val=16), patch=16)
    assert stream.streaming and stream.train is None and "streamed" in stream.spec.description
    assert torch.equal(stream.val.x, a.val.x) and torch.equal(stream.test.x, a.test.x)
    gen = torch.Generator().manual_seed(123)
    state = gen.get_state()
    first, second = stream.batch(8, gen), stream.batch(8, gen)
    assert first.x.shape == (8, 1, 16, 16) and first.y.shape == (8, 1, 16, 16)
    assert not torch.equal(first.y, second.y) and not torch.equal(first.x - first.y, second.x - second.y)
    gen.set_state(state)
    again = stream.batch(8, gen)
    assert torch.equal(again.x, first.x) and torch.equal(again.y, first.y)
    with pytest.raises(ValueError, match="130 test patches"):
        make_task("denoise-samples", sizes=Sizes(n_test=131))
    full = make_task("denoise-samples", sizes=Sizes(n_train=4, n_val=4))
    few = make_task("denoise-samples", sizes=Sizes(n_test=5, n_train=4, n_val=4))
    assert torch.equal(few.test.x, full.test.x[:5]) and few.spec.chance != full.spec.chance


@pytest.mark.slow
def test_mnist1d_default_sizes():
    task = make_task("mnist1d")
    assert (len(task.train), len(task.val), len(task.test)) == (3500, 500, 1000)
    assert task.spec.input_shape == (1, 40)
    ref = package_mnist1d(5000, 40)
    assert torch.equal(task.test.x[:, 0], torch.tensor(ref["x_test"], dtype=torch.float32))
