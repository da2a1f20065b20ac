"""Hydra's compiled loop (``_native/hydra.c``): equal to the numpy loops, the torch engine and aeon; ties; errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from anyconv.timeseries import Hydra, MultiRocketHydra, native
from anyconv.timeseries.hydra import bank_from_aeon, sample_hydra_bank
from anyconv.timeseries.hydra.kernels import HydraBank
from anyconv.timeseries.hydra.native import hydra_into, hydra_transform_native, native_bank, sums_like_torch
from anyconv.timeseries.hydra.reference import reference_hydra

needs_native = pytest.mark.skipif(not native.available(), reason="compiled extension not built")


def _series(n_cases: int, n_channels: int, length: int, seed: int = 0) -> np.ndarray:
    return np.random.RandomState(seed).randn(n_cases, n_channels, length).cumsum(-1).astype(np.float32)


def _native(X: np.ndarray, bank: HydraBank) -> np.ndarray:
    return hydra_transform_native(torch.as_tensor(X, dtype=torch.float32), native_bank(bank), bank.k).numpy()


def _integer_bank(bank: HydraBank, seed: int) -> HydraBank:
    """The same shapes with small integer weights: every response exact in float32, many ties."""
    W = np.random.RandomState(seed).randint(-2, 3, size=bank.weights.shape).astype(np.float32)
    return HydraBank(bank.dilations, W, bank.channels, bank.k, bank.h, bank.divisor, bank.n_channels)


@needs_native
@pytest.mark.parametrize(("n_channels", "length", "k", "g"), [
    (1, 9, 8, 64),  # the shortest series (one dilation)
    (1, 17, 8, 8),  # 8 d = L - 1: the difference's widest kernel reaches past both ends at every t
    (1, 40, 3, 5),  # k != 8 (the generic loop), odd g
    (1, 33, 4, 1),  # g = 1: no difference representation
    (3, 37, 8, 6),  # multivariate, 2 channels per group
    (9, 20, 5, 4),  # multivariate, 4 channels per group, repeats likely
])  # fmt: skip
def test_native_equals_reference_loops(n_channels: int, length: int, k: int, g: int) -> None:
    X = _series(11, n_channels, length, seed=length)  # 11 cases: a padded second block of 8
    bank = sample_hydra_bank(length, n_channels, k, g, 8, np.random.RandomState(g))
    np.testing.assert_allclose(_native(X, bank), reference_hydra(X, bank), rtol=2e-5, atol=2e-5)


@needs_native
def test_dilations_reaching_past_the_series() -> None:
    """An injected bank whose dilations reach far past a 12-point series (zero padding 4 d = 64)."""
    X = _series(5, 2, 12, seed=3)
    base = sample_hydra_bank(40, 2, 8, 4, 8, np.random.RandomState(0))  # 3 dilations
    bank = HydraBank(np.array([1, 4, 16]), base.weights, base.channels, 8, 2, 2, 2)
    np.testing.assert_allclose(_native(X, bank), reference_hydra(X, bank), rtol=2e-5, atol=2e-5)


@needs_native
@pytest.mark.parametrize(("n_channels", "k"), [(1, 8), (1, 3), (4, 8)])
def test_ties_go_to_the_lowest_index_exactly(n_channels: int, k: int) -> None:
    """Integer series and weights: exact responses, frequent ties; float32 native == float64 loops bit for bit."""
    rs = np.random.RandomState(k)
    X = rs.randint(-3, 4, size=(9, n_channels, 30)).astype(np.float32)
    X[0] = 0  # a zero case: every response ties at every step (kernel 0 takes both counts)
    bank = _integer_bank(sample_hydra_bank(30, n_channels, k, 8, 8, np.random.RandomState(1)), seed=k)
    got, want = _native(X, bank), reference_hydra(X, bank)
    np.testing.assert_array_equal(got, want)
    F = got.reshape(9, -1, 2, 4, k)  # (case, dilation x representation, max | min, group, kernel)
    assert np.all(F[0, :, 1, :, 0] > 0) and np.all(F[0, :, :, :, 1:] == 0)


@needs_native
def test_identical_kernels_all_tie() -> None:
    """Two equal kernels in a group: the first wins every max and every min."""
    bank = sample_hydra_bank(25, 1, 2, 2, 8, np.random.RandomState(0))
    W = bank.weights.copy()
    W[:, :, 1] = W[:, :, 0]  # kernel 1 == kernel 0
    bank = HydraBank(bank.dilations, W, bank.channels, 2, 1, 2, 1)
    F = _native(_series(3, 1, 25), bank).reshape(3, len(bank.dilations), 2, 2, 2)  # (n, dil, rep, max|min, k)
    assert np.all(F[..., 1] == 0)
    np.testing.assert_array_equal(F[:, :, 0, 1, 0], 25)  # each step's min: kernel 0
    np.testing.assert_array_equal(F[:, :, 1, 1, 0], 24)  # (the difference has 24 steps)


@needs_native
@pytest.mark.parametrize("n_channels", [1, 5])
def test_native_equals_torch_engine(n_channels: int) -> None:
    X = _series(13, n_channels, 64, seed=n_channels)
    nat = Hydra(random_state=0, engine="native").fit(X)
    tor = Hydra(random_state=0, engine="torch").fit(X)
    np.testing.assert_allclose(nat.transform(X), tor.transform(X), rtol=1e-5, atol=1e-4)


def _sums_like_torch_conv() -> bool:
    """Measured, not declared: whether the loop rounds its sums as torch's conv1d does.

    Probe: one kernel, one group, so the max count is the sum over time of the responses.
    """
    rs = np.random.RandomState(0)
    X = rs.randn(16, 1, 9).astype(np.float32)
    bank = sample_hydra_bank(9, 1, 1, 1, 8, rs)
    z = torch.nn.functional.conv1d(torch.as_tensor(X), torch.as_tensor(bank.weights[0, 0])[:, None], padding=4)
    want = np.zeros(16, dtype=np.float32)
    for t in range(9):  # the loop's order over time
        want += z[:, 0, t].numpy()
    return bool(np.array_equal(_native(X, bank)[:, 0], want))


@needs_native
@pytest.mark.parametrize("n_channels", [1, 4, 12])
def test_native_equals_aeon_on_its_bank(n_channels: int) -> None:
    """Equal to aeon's features; bit for bit where the loop has FMA (torch's conv1d order, torch's channel sum).

    The series has flat stretches: there the k responses differ only by rounding, and which
    kernel wins depends on the order of the sums (12 channels: 6 per group, torch's four
    partial sums with a remainder).
    """
    pytest.importorskip("aeon")
    from aeon.transformations.collection.convolution_based import HydraTransformer

    X = _series(6, n_channels, 50, seed=n_channels)  # 50 = 32 + 18: both parts of torch's channel sum
    aeon = HydraTransformer(output_type="numpy", n_groups=8, random_state=1).fit(X)
    ours = Hydra(n_groups=8, bank=bank_from_aeon(aeon), engine="native").fit(X)
    np.testing.assert_allclose(ours.transform(X), aeon.transform(X), rtol=1e-5, atol=1e-5)
    if sums_like_torch():  # (GCC >= 12 builds on x86-64-v3 CPUs and newer)
        assert _sums_like_torch_conv()
        X[:, :, 10:25] = X[:, :, 10:11] + 0.5  # a plateau (nonzero: zeros would tie exactly everywhere)
        np.testing.assert_array_equal(ours.transform(X), aeon.transform(X))
    # integer weights in aeon's own module, integer series: aeon's ties (torch's max / min) equal ours exactly
    inner = aeon._hydra
    inner.W = torch.as_tensor(np.random.RandomState(0).randint(-2, 3, size=tuple(inner.W.shape)), dtype=torch.float32)
    Xi = np.random.RandomState(2).randint(-3, 4, size=X.shape).astype(np.float32)
    ours = Hydra(n_groups=8, bank=bank_from_aeon(aeon), engine="native").fit(Xi)
    np.testing.assert_array_equal(ours.transform(Xi), aeon.transform(Xi))


@needs_native
def test_engine_choice() -> None:
    X = _series(10, 2, 30)
    auto = Hydra(n_groups=4, random_state=0).fit(X)
    assert auto._engine() == "native"
    F = auto.transform(X)
    np.testing.assert_array_equal(F, _native(X, auto.bank_))
    np.testing.assert_array_equal(Hydra(n_groups=4, random_state=0, engine="native").fit(X).transform(X), F)
    mrh = MultiRocketHydra(n_groups=4, n_multirocket_kernels=84, random_state=0, engine="native").fit(X)
    np.testing.assert_array_equal(mrh.transform(X)[:, : mrh.n_hydra_features_], F)


def test_native_requested_but_not_built(without_library: None) -> None:
    X = _series(6, 1, 30)
    with pytest.raises(ValueError, match=r"engine='native' cannot run: .*was not built"):
        Hydra(engine="native").fit(X)
    with pytest.warns(UserWarning, match="slower torch engine"):
        auto = Hydra(n_groups=4, random_state=0).fit(X)
    assert auto._engine() == "torch"
    np.testing.assert_array_equal(auto.transform(X), Hydra(n_groups=4, random_state=0, engine="torch").fit(X).transform(X))


@needs_native
def test_threaded_batches_equal_one_batch() -> None:
    X = _series(37, 3, 50, seed=4)
    one = Hydra(n_groups=8, random_state=0, engine="native", n_jobs=1).fit(X).transform(X)
    many = Hydra(n_groups=8, random_state=0, engine="native", n_jobs=2, batch_size=8).fit(X).transform(X)
    odd = Hydra(n_groups=8, random_state=0, engine="native", n_jobs=2, batch_size=5).fit(X).transform(X)
    np.testing.assert_array_equal(many, one)
    np.testing.assert_array_equal(odd, one)


@needs_native
def test_wrapper_rejects_bad_layouts() -> None:
    bank = sample_hydra_bank(30, 3, 8, 4, 8, np.random.RandomState(0))  # dilations 1, 2: pad 8
    nb = native_bank(bank)
    x = native.cases_innermost(torch.randn(8, 3, 30), 8)  # (3, 46, 8)
    out = torch.empty(8, bank.n_features)
    hydra_into(x, 30, 8, nb, 8, out)  # the good call
    bad_calls = {
        "B % 8": lambda: hydra_into(torch.zeros(3, 46, 5), 30, 8, nb, 8, torch.empty(5, bank.n_features)),
        "contiguous": lambda: hydra_into(x.transpose(0, 1).contiguous().transpose(0, 1), 30, 8, nb, 8, out),
        "float32": lambda: hydra_into(x.double(), 30, 8, nb, 8, out),
        "padded timepoints": lambda: hydra_into(x, 31, 8, nb, 8, out),
        "pad must be at least": lambda: hydra_into(native.cases_innermost(torch.randn(8, 3, 30), 4), 30, 4, nb, 8, out),
        r"bank\['weights'\]": lambda: hydra_into(x, 30, 8, {**nb, "weights": nb["weights"].double()}, 8, out),
        "channel ids": lambda: hydra_into(x, 30, 8, {**nb, "channels": nb["channels"] + 3}, 8, out),
        "k must divide": lambda: hydra_into(x, 30, 8, nb, 3, out),
        "out must be": lambda: hydra_into(x, 30, 8, nb, 8, torch.empty(8, bank.n_features + 1)),
    }
    for message, call in bad_calls.items():
        with pytest.raises(ValueError, match=message):
            call()


@needs_native
def test_loop_checks_its_ranges() -> None:
    """Past the wrapper (ctypes directly): bad sizes give -2, a channel id out of range -3."""
    bank = native_bank(sample_hydra_bank(30, 3, 8, 4, 8, np.random.RandomState(0)))
    x = native.cases_innermost(torch.randn(8, 3, 30), 8)
    out = torch.empty(8, int(bank["weights"].numel() // 9 * 2))
    W, D, ch = bank["weights"], bank["dilations"], bank["channels"]

    def call(n_cases: int = 8, pad: int = 8, divisor: int = 2, channels: torch.Tensor = ch) -> int:
        return native.library().anyconv_hydra(x.data_ptr(), n_cases, 30, pad, x.shape[1] * 8, 3, 2, D.data_ptr(),
                                              divisor, 2, 8, W.data_ptr(), 2, channels.data_ptr(), out.data_ptr(),
                                              out.shape[1])

    assert call() == 0
    assert call(n_cases=7) == -2  # not whole vector blocks
    assert call(pad=7) == -2  # 4 * dilation 2 > pad
    assert call(divisor=3) == -2
    assert call(channels=ch - 1) == -3  # a negative id (ids are 0..2)
    assert call(channels=torch.full_like(ch, 3)) == -3  # id == n_channels
