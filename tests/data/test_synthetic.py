"""Synthetic tasks: determinism, exact layouts, specs, streaming and errors."""

from __future__ import annotations

import pytest
import torch

from anyconv.data.tasks import Sizes, make_task
from anyconv.data.tasks.synthetic import adding_split, copying_split, mqar_split

GENERATED = ("copying", "adding", "mqar")


def _small(name, seed=7, **options):
    return make_task(name, seed=seed, sizes=Sizes(n_train=20, n_val=6, n_test=5), **options)


def _equal(a, b):
    return all(
        (x is None and y is None) or torch.equal(x, y)
        for x, y in ((a.x, b.x), (a.y, b.y), (a.mask, b.mask))
    )


@pytest.mark.parametrize("name", GENERATED)
def test_deterministic_under_seed_and_splits_differ(name):
    a, b, c = _small(name), _small(name), _small(name, seed=8)
    for split in ("train", "val", "test"):
        assert _equal(getattr(a, split), getattr(b, split))
    assert not torch.equal(a.train.x, c.train.x)
    assert (len(a.train), len(a.val), len(a.test)) == (20, 6, 5)
    assert not torch.equal(a.train.x[:5], a.test.x) and not torch.equal(a.val.x[:5], a.test.x)


@pytest.mark.parametrize("name", GENERATED)
def test_spec_matches_tensors(name):
    task = make_task(name, seq_len=40, sizes=Sizes(n_train=10, n_test=4))
    spec, split = task.spec, task.train
    assert spec.kind == "sequence" and spec.seq_len == 40
    assert split.mask.shape == (10, 40) and split.y.shape == (10, 40)
    assert split.x.shape == (10, *spec.input_shape)
    if spec.input_kind == "tokens":
        assert split.x.dtype == torch.long and int(split.x.max()) < spec.vocab_size
        assert int(split.y.max()) < spec.n_outputs
    assert bool((split.y[~split.mask] == 0).all())
    assert 0 < spec.chance < 1 and spec.options["seq_len"] == 40


@pytest.mark.parametrize("name", GENERATED)
def test_streaming_draws_fresh_reproducible_batches(name):
    task = make_task(name, seed=3, sizes=Sizes(stream=True, n_val=8, n_test=8))
    assert task.streaming and task.train is None
    gen = torch.Generator().manual_seed(0)
    first, second = task.batch(16, gen), task.batch(16, gen)
    assert not torch.equal(first.x, second.x)
    again = task.batch(16, torch.Generator().manual_seed(0))
    assert _equal(first, again)
    fixed = make_task(name, seed=3, sizes=Sizes(n_train=30, n_val=8, n_test=8))
    assert _equal(task.test, fixed.test) and _equal(task.val, fixed.val)  # same held-out sets either way


def test_copying_layout():
    split = copying_split(5, torch.Generator().manual_seed(0), seq_len=12, n_copy=3, n_symbols=4)
    x, y, mask = split.x, split.y, split.mask
    assert bool(((x[:, :3] >= 1) & (x[:, :3] <= 4)).all())
    assert bool((x[:, 8] == 5).all())  # marker at seq_len - n_copy - 1
    assert bool((x[:, 3:8] == 0).all()) and bool((x[:, 9:] == 0).all())
    assert torch.equal(y[:, 9:], x[:, :3]) and bool(mask[:, 9:].all()) and not bool(mask[:, :9].any())
    spec = make_task("copying", seq_len=12, n_copy=3, n_symbols=4, sizes=Sizes(n_train=2, n_val=1, n_test=1)).spec
    assert spec.chance == 0.25 and spec.vocab_size == 6


def test_adding_target_is_the_marked_sum():
    split = adding_split(50, torch.Generator().manual_seed(0), seq_len=10)
    markers = split.x[:, 1]
    assert bool((markers.sum(1) == 2).all())
    assert bool((markers[:, :5].sum(1) == 1).all())  # one marker in each half
    torch.testing.assert_close(split.y[:, -1], (split.x[:, 0] * markers).sum(1))
    spec = make_task("adding", seq_len=10, sizes=Sizes(n_train=2, n_val=1, n_test=1)).spec
    assert spec.metric == "tolerance-accuracy" and spec.chance == pytest.approx(1 - 0.9**2)


def test_mqar_answers_are_bound_values():
    split = mqar_split(40, torch.Generator().manual_seed(0), seq_len=30, n_pairs=5, vocab_size=21, n_queries=5)
    x, y, mask = split.x, split.y, split.mask
    for row in range(40):
        keys, values = x[row, 0:10:2].tolist(), x[row, 1:10:2].tolist()
        assert len(set(keys)) == 5 and all(1 <= k <= 10 for k in keys) and all(11 <= v <= 20 for v in values)
        positions = mask[row].nonzero().flatten().tolist()
        assert len(positions) == 5 and min(positions) >= 10
        for p in positions:
            assert y[row, p].item() == values[keys.index(x[row, p].item())]


@pytest.mark.parametrize(
    "name, options, match",
    [
        ("copying", {"seq_len": 8, "n_copy": 4}, "2 \\* n_copy \\+ 1"),
        ("adding", {"seq_len": 1}, "seq_len"),
        ("adding", {"tolerance": 1.5}, "tolerance"),
        ("mqar", {"n_pairs": 20, "vocab_size": 16}, "n_pairs=20"),
        ("mqar", {"seq_len": 8, "n_pairs": 4}, "seq_len"),
        ("mqar", {"n_queries": 9, "n_pairs": 4}, "n_queries"),
    ],
)
def test_bad_sizes(name, options, match):
    with pytest.raises(ValueError, match=match):
        make_task(name, **options)
