"""The compiled library fails soft: loader status, ABI check, fallback warning, range checks in C."""

from __future__ import annotations

import ctypes
import ctypes.util
import warnings

import numpy as np
import pytest
import torch

from anyconv.timeseries import MiniRocket, native
from anyconv.timeseries.lightwaves import native as lw_native
from anyconv.timeseries.lightwaves.kernels import LightWaveSKernels
from anyconv.timeseries.minirocket import native as mr_native
from anyconv.timeseries.rocket import native as rk_native
from anyconv.timeseries.rocket.kernels import sample_rocket_kernels

needs_native = pytest.mark.skipif(not native.available(), reason="compiled extension not built")


class _Fn:
    """Stands in for a ctypes function: takes argtypes/restype, returns a fixed value."""

    def __init__(self, value: int = 0) -> None:
        self.value = value

    def __call__(self, *args: object) -> int:
        return self.value


def _fake_library(abi: int = native.ABI_VERSION, missing: str | None = None) -> object:
    lib = type("FakeLibrary", (), {})()
    lib.anyconv_abi_version = _Fn(abi)
    for name in native.SIGNATURES:
        if name != missing:
            setattr(lib, name, _Fn())
    return lib


def _series(n: int = 5, L: int = 30) -> np.ndarray:
    return np.random.RandomState(0).randn(n, 1, L)


def test_missing_extension(without_library: None) -> None:
    st = native.status()
    assert (st.built, st.loaded, st.path, st.abi_version) == (False, False, None, None)
    assert "was not built" in st.reason and "not loaded (not built)" in str(st)
    assert native.available() is False
    with pytest.raises(RuntimeError, match="was not built"):
        native.library()


def test_library_that_fails_to_load(reload_native: pytest.MonkeyPatch) -> None:
    def broken(path: str) -> ctypes.CDLL:
        raise OSError(f"{path}: undefined symbol: __some_glibc_2_99_thing")

    reload_native.setattr(native, "_extension_path", lambda: "/nowhere/_compiled.so")
    reload_native.setattr(native, "_open", broken)
    st = native.status()
    assert st.built and not st.loaded and "fails to load" in st.reason and "undefined symbol" in st.reason
    assert native.available() is False  # never raises


def test_stale_library_without_the_abi_symbol(reload_native: pytest.MonkeyPatch) -> None:
    libm = ctypes.util.find_library("m") or ctypes.util.find_library("c")
    if libm is None:
        pytest.skip("no system C library to stand in for a stale build")
    reload_native.setattr(native, "_extension_path", lambda: "/nowhere/_compiled.so")
    reload_native.setattr(native, "_open", lambda path: ctypes.CDLL(libm))  # a real library, none of our symbols
    st = native.status()
    assert st.built and not st.loaded and "without anyconv_abi_version" in st.reason


def test_library_missing_an_entry_point(reload_native: pytest.MonkeyPatch) -> None:
    reload_native.setattr(native, "_extension_path", lambda: "/nowhere/_compiled.so")
    reload_native.setattr(native, "_open", lambda path: _fake_library(missing="anyconv_pool4"))
    st = native.status()
    assert st.built and not st.loaded and st.abi_version == native.ABI_VERSION
    assert "lacks the symbol anyconv_pool4" in st.reason


def test_wrong_abi_version(reload_native: pytest.MonkeyPatch) -> None:
    reload_native.setattr(native, "_extension_path", lambda: "/nowhere/_compiled.so")
    reload_native.setattr(native, "_open", lambda path: _fake_library(abi=native.ABI_VERSION - 1))
    st = native.status()
    assert not st.loaded and st.abi_version == native.ABI_VERSION - 1
    assert f"ABI version {native.ABI_VERSION - 1}, expected {native.ABI_VERSION}" in st.reason


def test_a_good_library_loads(reload_native: pytest.MonkeyPatch) -> None:
    reload_native.setattr(native, "_extension_path", lambda: "/nowhere/_compiled.so")
    reload_native.setattr(native, "_open", lambda path: _fake_library())
    st = native.status()
    assert st.loaded and st.reason == "" and "loaded (ABI" in str(st)


def test_auto_falls_back_to_torch_with_one_warning(reload_native: pytest.MonkeyPatch) -> None:
    reload_native.setattr(native, "_extension_path", lambda: "/nowhere/_compiled.so")
    reload_native.setattr(native, "_open", lambda path: _fake_library(abi=0))
    X = _series()
    with pytest.warns(UserWarning, match=r"engine='auto' uses the slower torch engine.*ABI version 0") as rec:
        auto = MiniRocket(n_kernels=84, random_state=0).fit_transform(X)
    assert rec[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per process
        again = MiniRocket(n_kernels=84, random_state=0).fit_transform(X)
    torch_out = MiniRocket(n_kernels=84, random_state=0, engine="torch").fit_transform(X)
    np.testing.assert_array_equal(auto, torch_out)
    np.testing.assert_array_equal(again, torch_out)
    with pytest.raises(ValueError, match=r"engine='native' cannot run: .*ABI version 0"):
        MiniRocket(engine="native").fit(X)


@needs_native
def test_real_library_status() -> None:
    st = native.status()
    assert st.loaded and st.abi_version == native.ABI_VERSION and st.path.endswith(".so")
    assert native.library().anyconv_abi_version() == native.ABI_VERSION


# -- every entry point checks its ranges itself (called through ctypes, past the wrappers) --
def _ptr(t: torch.Tensor) -> int:
    return t.data_ptr()


@needs_native
@pytest.mark.parametrize(("lo", "hi"), [(-1, 10), (0, 21), (5, 5), (7, 3)])
def test_pool4_checks_its_pooled_ranges(lo: int, hi: int) -> None:
    K, L, B, nf = 3, 20, 8, 2
    conv, bias = torch.zeros((K, L, B)), torch.zeros((K, nf))
    ranges = torch.tensor([[0, 0, lo], [L, L, hi]], dtype=torch.int64)
    out = torch.zeros((B, 4 * K * nf))
    code = native.library().anyconv_pool4(
        _ptr(conv), K, B, L, L * B, B, 1, _ptr(bias), nf, _ptr(ranges[0]), _ptr(ranges[1]),
        _ptr(out), out.stride(0), out.shape[1], 0, K * nf,
    )
    assert code == -4
    assert torch.all(out == 0)  # nothing written before the checks
    with pytest.raises(ValueError, match=r"pooled range \[lo, hi\) outside the series"):
        mr_native.pool4_into(conv, bias, ranges, out, 0, K * nf)


@needs_native
def test_pool4_checks_sizes() -> None:
    K, L, B, nf = 3, 20, 8, 2
    conv, bias = torch.zeros((K, L, B)), torch.zeros((K, nf))
    ranges = torch.from_numpy(mr_native.pooled_ranges(K, 0, 1, L))
    out = torch.zeros((B, 4 * K * nf))
    with pytest.raises(ValueError, match="size, dilation or padding out of range"):
        mr_native.pool4_into(conv, bias, ranges, out, 1, K * nf)  # the last block runs past the row
    with pytest.raises(ValueError, match="size, dilation or padding out of range"):
        mr_native.pool4_into(conv, bias, ranges, out, 0, K * nf - 1)  # blocks overlap
    mr_native.pool4_into(conv, bias, ranges, out, 0, K * nf)


@needs_native
def test_minirocket_loop_checks_channels_and_combinations() -> None:
    B, L, pad = 8, 30, 4
    x = torch.zeros((2, L + 2 * pad, B))
    dil, nf = torch.tensor([1]), torch.tensor([1])
    biases, out = torch.zeros(84), torch.zeros((B, 84))
    per_comb = torch.ones(84, dtype=torch.int64)

    def call(per_comb: torch.Tensor, channels: torch.Tensor) -> int:
        return native.library().anyconv_minirocket(
            _ptr(x), B, L, pad, (L + 2 * pad) * B, 2, 1, _ptr(dil), _ptr(nf), _ptr(biases),
            _ptr(per_comb), _ptr(channels), 0, None, _ptr(out), out.stride(0),
        )

    assert call(per_comb, torch.zeros(84, dtype=torch.int64)) == 0
    assert call(per_comb, torch.full((84,), 2, dtype=torch.int64)) == -3  # channel 2 of 2
    assert call(per_comb, torch.full((84,), -1, dtype=torch.int64)) == -3
    bad = per_comb.clone()
    bad[5] = 3  # more channels than the series has
    assert call(bad, torch.zeros(86, dtype=torch.int64)) == -2


@needs_native
def test_rocket_loop_checks_channel_counts() -> None:
    bank = sample_rocket_kernels(20, 1, 4, np.random.RandomState(0))
    plan = rk_native.plan_rocket_native(bank)
    x, out = torch.zeros((1, 20 + 2 * plan.pad, 8)), torch.zeros((8, 8))
    k = dict(plan.kernels)
    names = ("lengths", "dilations", "paddings", "biases", "weights", "w_off", "n_ch", "channel_indices", "c_off")

    def call(kernels: dict) -> int:
        return native.library().anyconv_rocket(
            _ptr(x), 8, 20, plan.pad, x.shape[1] * 8, 1, 4, *(_ptr(kernels[n]) for n in names), _ptr(out), 8,
        )

    assert call(k) == 0
    assert call({**k, "n_ch": torch.full((4,), 2, dtype=torch.int64)}) == -2  # 2 channels of 1
    assert call({**k, "c_off": torch.full((4,), -1, dtype=torch.int64)}) == -2
    with pytest.raises(ValueError, match="point outside"):
        rk_native.rocket_into(x, 20, plan.pad, {**k, "w_off": k["w_off"] + 1000}, out)


@needs_native
def test_lightwaves_loop_checks_sizes() -> None:
    plan = lw_native.plan_lightwaves_native(LightWaveSKernels.from_feature_ids(np.arange(8)))
    x, out = torch.zeros((1, 20 + 2 * plan.pad, 8)), torch.zeros((8, 8))
    args = (_ptr(plan.channel), _ptr(plan.dilation), _ptr(plan.weight), _ptr(plan.second), _ptr(out), 8)
    assert native.library().anyconv_lightwaves(_ptr(x), 8, 20, plan.pad, x.shape[1] * 8, 1, 1, *args) == 0
    assert native.library().anyconv_lightwaves(_ptr(x), 8, 0, plan.pad, x.shape[1] * 8, 1, 1, *args) == -2
    assert native.library().anyconv_lightwaves(_ptr(x), 8, 20, -1, x.shape[1] * 8, 1, 1, *args) == -2


def test_check_status_messages() -> None:
    native.check_status(0, "x")
    with pytest.raises(MemoryError, match="anyconv native LightWaveS: could not allocate"):
        native.check_status(-1, "LightWaveS")
    with pytest.raises(ValueError, match="channel id out of range"):
        native.check_status(-3, "Rocket")
    with pytest.raises(ValueError, match=r"unknown error .status -9."):
        native.check_status(-9, "Rocket")
