"""mnist1d-irregular-30|50|70: a fixed share of each sequence's steps dropped, true times kept."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from anyconv.data.tasks import Sizes, list_tasks, make_task
from anyconv.data.tasks.irregular import drop_steps
from anyconv.data.tasks.mnist1d import mnist1d_arrays
from anyconv.models import build_model

SMALL = {"n_samples": 500, "seq_len": 24}


def test_registered():
    names = set(list_tasks(kind="sequence-classification"))
    assert {"mnist1d-irregular-30", "mnist1d-irregular-50", "mnist1d-irregular-70"} <= names


@pytest.mark.parametrize(("share", "n_keep"), [(30, 17), (50, 12), (70, 7)])
def test_kept_values_sit_at_their_true_times(share, n_keep):
    task = make_task(f"mnist1d-irregular-{share}", seed=0, sizes=Sizes(n_val=50), **SMALL)
    assert task.spec.has_times and task.spec.input_shape == (1, n_keep)
    _, _, x_test, y_test = mnist1d_arrays(24, 500, 42, False)
    split = task.test
    assert split.times is not None and split.observed is not None
    assert split.times.shape == (100, n_keep) and bool(split.observed.all())
    t = split.times.long()
    assert bool((split.times[:, 1:] > split.times[:, :-1]).all())  # strictly increasing
    assert int(t.min()) >= 0 and int(t.max()) <= 23
    expected = np.take_along_axis(np.asarray(x_test), t.numpy(), axis=1).astype(np.float32)  # value at its time
    np.testing.assert_allclose(split.x[:, 0].numpy(), expected, rtol=0, atol=0)
    np.testing.assert_array_equal(split.y.numpy(), y_test)
    # a different subset per sequence
    assert len({tuple(row) for row in t.tolist()}) > 90


def test_drops_are_fixed_by_drop_seed_not_by_run_seed():
    a = make_task("mnist1d-irregular-50", seed=0, sizes=Sizes(n_val=50), **SMALL)
    b = make_task("mnist1d-irregular-50", seed=1, sizes=Sizes(n_val=50), **SMALL)
    c = make_task("mnist1d-irregular-50", seed=0, sizes=Sizes(n_val=50), drop_seed=1, **SMALL)
    assert a.test.times is not None and b.test.times is not None and c.test.times is not None
    torch.testing.assert_close(a.test.times, b.test.times)
    assert not torch.equal(a.test.times, c.test.times)


def test_drop_steps_rejects_too_few_kept():
    with pytest.raises(ValueError, match="leaves 1 samples"):
        drop_steps(np.zeros((2, 3)), 70, 0, "train")


def test_layers_without_times_get_the_time_channel():
    task = make_task("mnist1d-irregular-50", sizes=Sizes(n_val=50), **SMALL)
    model = build_model(task.spec, "conv1d")  # conv1d takes no times
    assert model.config.time_channel and model.embed.in_features == 2
    batch = task.val.select(slice(0, 4))
    out = model(batch.x, times=batch.times, mask=batch.observed)
    assert out.shape == (4, 10)
    with pytest.raises(ValueError, match="time_channel"):
        model(batch.x)
    shifted = model(batch.x, times=batch.times + 1, mask=batch.observed)
    assert not torch.allclose(out, shifted)  # the times are read
