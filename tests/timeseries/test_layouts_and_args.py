"""One cache of engine layouts; shared argument checks; estimator messages (n_kernels, 0 cases)."""

from __future__ import annotations

import gc
import inspect
import warnings

import numpy as np
import pytest

from anyconv.timeseries import (
    HDCMiniRocket,
    LightWaveS,
    LightWaveSClassifier,
    MiniRocket,
    MiniRocketClassifier,
    MultiRocket,
    Rocket,
    _layouts,
)
from anyconv.timeseries._args import int_at_least, optional_int_at_least
from anyconv.timeseries.minirocket import multirocket as multirocket_module


def _series(n: int = 6, L: int = 40, seed: int = 0) -> np.ndarray:
    return np.random.RandomState(seed).randn(n, 1, L)


def test_layout_is_built_once_per_owner_and_key_and_dropped_with_its_owner() -> None:
    class Bank:
        pass

    calls = []
    gc.collect()  # earlier tests' unreachable owners (in reference cycles) go now, not inside the count below
    bank = Bank()
    first = _layouts.layout((bank,), ("k", 1), lambda: calls.append(1) or object())
    assert _layouts.layout((bank,), ("k", 1), lambda: calls.append(1) or object()) is first
    _layouts.layout((bank,), ("k", 2), lambda: calls.append(2) or object())
    assert calls == [1, 2]
    held = _layouts.cached_layouts()
    del bank, first
    gc.collect()
    assert _layouts.cached_layouts() == held - 2


def test_multirocket_builds_its_plans_once(monkeypatch: pytest.MonkeyPatch) -> None:
    X = _series()
    est = MultiRocket(n_kernels=84, random_state=0).fit(X)
    built = []
    real = multirocket_module.make_plan
    monkeypatch.setattr(multirocket_module, "make_plan", lambda *a, **k: built.append(1) or real(*a, **k))
    first = est.transform(X)
    for _ in range(3):
        np.testing.assert_array_equal(est.transform(X), first)
    assert len(built) == 2  # one plan for X's bank, one for diff(X)'s: not one per transform


@pytest.mark.parametrize("make", [
    lambda: Rocket(n_kernels=20, random_state=0), lambda: MiniRocket(n_kernels=84, random_state=0),
    lambda: HDCMiniRocket(n_kernels=84, random_state=0), lambda: MultiRocket(n_kernels=84, random_state=0),
])
def test_transform_leaves_the_estimator_unchanged(make) -> None:
    est = make().fit(_series())
    before = dict(vars(est))
    est.transform(_series(seed=1))
    assert set(vars(est)) - {"_device"} == set(before) - {"_device"}


def test_a_replaced_bank_gets_a_new_layout() -> None:
    X = _series()
    est = Rocket(n_kernels=20, random_state=0, engine="torch").fit(X)
    a = est.transform(X)
    est.set_kernels(Rocket(n_kernels=20, random_state=1).fit(X).kernels_)
    assert not np.array_equal(est.transform(X), a)


@pytest.mark.parametrize("cls", [MiniRocket, MultiRocket, HDCMiniRocket])
def test_n_kernels_below_the_minimum_warns_and_says_what_it_becomes(cls) -> None:
    with pytest.warns(UserWarning, match=rf"{cls.__name__}: n_kernels=50 is below the minimum of 84.*using n_kernels=84") as rec:
        est = cls(n_kernels=50, random_state=0).fit(_series())
    assert rec[0].filename == __file__  # points at the caller's line, not inside the package
    assert est.bank_.n_features == 84
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cls(n_kernels=84, random_state=0).fit(_series())  # at the minimum: silent


def test_zero_cases_are_named() -> None:
    with pytest.raises(ValueError, match="MiniRocketClassifier got 0 cases"):
        MiniRocketClassifier().fit(np.zeros((0, 1, 20)), np.zeros(0))
    with pytest.raises(ValueError, match="needs at least 2 classes, got 1 class"):
        MiniRocketClassifier().fit(_series(4), np.zeros(4))


def test_int_checks_accept_numpy_ints_and_name_the_argument() -> None:
    assert int_at_least("n", np.int64(5), 1) == 5 and type(int_at_least("n", np.int64(5), 1)) is int
    assert optional_int_at_least("n", None, 1) is None
    with pytest.raises(ValueError, match="n must be an int >= 2, got True"):
        int_at_least("n", True, 2)
    with pytest.raises(ValueError, match="batch_size must be None or an int >= 1, got 0"):
        optional_int_at_least("batch_size", 0, 1)
    with pytest.raises(ValueError, match="max_dilations_per_kernel must be an int >= 1, got 0"):
        MiniRocket(max_dilations_per_kernel=0).fit(_series())
    with pytest.raises(ValueError, match=r"batch_size must be None or an int >= 1, got 2.5"):
        Rocket(batch_size=2.5).fit(_series())
    Rocket(n_kernels=np.int64(10), batch_size=np.int32(4), random_state=0).fit(_series())


def test_scale_means_one_thing() -> None:
    assert inspect.signature(HDCMiniRocket).parameters["scale"].default == 1.0
    for cls in (LightWaveS, LightWaveSClassifier):
        params = inspect.signature(cls).parameters
        assert "scale" not in params and params["standardise"].default is True
    X, y = _series(10), np.arange(10) % 2
    with pytest.raises(ValueError, match="standardise must be True or False, got 1"):
        LightWaveS(standardise=1).fit(X, y)
    raw = LightWaveS(n_features=8, standardise=False, random_state=0).fit(X, y)
    np.testing.assert_array_equal(raw.mean_, 0.0)
    np.testing.assert_array_equal(raw.std_, 1.0)


def test_no_private_scikit_learn_imports() -> None:
    import pathlib

    import anyconv.timeseries

    root = pathlib.Path(anyconv.timeseries.__file__).parent
    offenders = [
        str(p.relative_to(root)) for p in root.rglob("*.py")
        if any(line.lstrip().startswith(("from sklearn", "import sklearn")) and "._" in line.split("import")[0]
               for line in p.read_text().splitlines())
    ]
    assert offenders == []
