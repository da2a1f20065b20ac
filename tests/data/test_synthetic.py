"""Synthetic tasks: determinism, exact layouts, specs and errors."""

from __future__ import annotations

import pytest
import torch

from anyconv.data.synthetic import TASKS, adding_problem, associative_recall, copying_memory, make_task


@pytest.mark.parametrize("name", list(TASKS))
def test_deterministic_under_seed(name):
    a, b = make_task(name, n_train=20, n_test=5, seed=7), make_task(name, n_train=20, n_test=5, seed=7)
    c = make_task(name, n_train=20, n_test=5, seed=8)
    for split in ("train", "test"):
        for field in ("x", "y", "mask"):
            assert torch.equal(getattr(getattr(a, split), field), getattr(getattr(b, split), field))
    assert not torch.equal(a.train.x, c.train.x)
    assert len(a.train) == 20 and len(a.test) == 5


@pytest.mark.parametrize("name", list(TASKS))
def test_spec_matches_tensors(name):
    task = make_task(name, seq_len=40, n_train=10, n_test=4)
    spec, split = task.spec, task.train
    assert spec.seq_len == 40 and split.mask.shape == (10, 40) and split.y.shape == (10, 40)
    if spec.input_kind == "tokens":
        assert split.x.shape == (10, 40) and split.x.dtype == torch.long
        assert int(split.x.max()) < spec.vocab_size and int(split.y.max()) < spec.n_outputs
    else:
        assert split.x.shape == (10, spec.in_channels, 40)
    assert bool((split.y[~split.mask] == 0).all())
    assert 0 < spec.chance < 1


def test_copying_layout():
    task = copying_memory(seq_len=12, n_copy=3, n_symbols=4, n_train=5, n_test=1)
    x, y, mask = task.train.x, task.train.y, task.train.mask
    assert bool(((x[:, :3] >= 1) & (x[:, :3] <= 4)).all())
    assert bool((x[:, 8] == 5).all())  # marker at seq_len - n_copy - 1
    assert bool((x[:, 3:8] == 0).all()) and bool((x[:, 9:] == 0).all())
    assert torch.equal(y[:, 9:], x[:, :3]) and bool(mask[:, 9:].all()) and not bool(mask[:, :9].any())
    assert task.spec.chance == 0.25 and task.spec.vocab_size == 6


def test_adding_target_is_the_marked_sum():
    task = adding_problem(seq_len=10, n_train=50, n_test=1)
    x, y = task.train.x, task.train.y
    markers = x[:, 1]
    assert bool((markers.sum(1) == 2).all())
    assert bool((markers[:, :5].sum(1) == 1).all())  # one marker in each half
    torch.testing.assert_close(y[:, -1], (x[:, 0] * markers).sum(1))
    assert task.spec.kind == "regression" and task.spec.chance == pytest.approx(1 - 0.9**2)


def test_associative_recall_answers_are_bound_values():
    task = associative_recall(seq_len=30, n_pairs=5, vocab_size=21, n_train=40, n_test=1)
    x, y, mask = task.train.x, task.train.y, task.train.mask
    for row in range(40):
        keys, values = x[row, 0:10:2].tolist(), x[row, 1:10:2].tolist()
        assert len(set(keys)) == 5 and all(1 <= k <= 10 for k in keys) and all(11 <= v <= 20 for v in values)
        positions = mask[row].nonzero().flatten().tolist()
        assert len(positions) == 5 and min(positions) >= 10
        for p in positions:
            assert y[row, p].item() == values[keys.index(x[row, p].item())]
    assert task.spec.chance == pytest.approx(1 / 10)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: copying_memory(seq_len=8, n_copy=4), "2 \\* n_copy \\+ 1"),
        (lambda: adding_problem(seq_len=1), "seq_len"),
        (lambda: adding_problem(tolerance=1.5), "tolerance"),
        (lambda: associative_recall(n_pairs=20, vocab_size=16), "n_pairs=20"),
        (lambda: associative_recall(seq_len=8, n_pairs=4), "seq_len"),
        (lambda: associative_recall(n_queries=9, n_pairs=4), "n_queries"),
        (lambda: make_task("copy"), "copying"),
        (lambda: make_task("mqar", n_train=0), "n_train"),
    ],
)
def test_bad_sizes(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_task_options_checked_by_signature():
    with pytest.raises(TypeError):
        make_task("copying", options={"n_copies": 3})
    assert make_task("copying", n_train=2, n_test=1, options={"n_copy": 3}).train.mask.sum() == 6
