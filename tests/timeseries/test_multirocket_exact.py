"""MultiRocket's native engine equals aeon's transform bit for bit, ties with a bias included.

ACSF1 (power consumption) has long flat stretches: many convolution outputs there equal a
bias (the biases are quantiles of such outputs), so a last-bit difference in the summation
order flips whole runs of comparisons (the GEMM of the torch engine differed from aeon in
~1 % of the test entries). The native loop sums in aeon's order (``minirocket.c``
``anyconv_minirocket_conv``), the biases are fitted in the order aeon's univariate and
multivariate fits use (``MULTIROCKET_FIT_ORDER``), and MPV sums ``C + b`` in float32
per position as aeon does (``pooling.c``). The orders are those of the numba code of the
installed aeon (its ``fastmath`` reassociates sums; measured with aeon 1.x / numba 0.6x).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from anyconv.timeseries import MultiRocket, native
from anyconv.timeseries.minirocket.engine import shifted_stack
from anyconv.timeseries.minirocket.kernels import KERNEL_WEIGHTS, MiniRocketBank
from anyconv.timeseries.minirocket.native import conv_bank, conv_into

needs_native = pytest.mark.skipif(not native.available(), reason="compiled extension not built")


def _aeon_pair(X: np.ndarray, Xt: np.ndarray, n_kernels: int) -> tuple[np.ndarray, np.ndarray, MultiRocket, object]:
    from aeon.transformations.collection.convolution_based import MultiRocket as AeonMultiRocket

    torch.set_num_threads(1)
    aeon = AeonMultiRocket(n_kernels=n_kernels, random_state=0).fit(X)
    ours = MultiRocket(n_kernels=n_kernels, random_state=0, engine="native").fit(X)
    return ours.transform(Xt), np.asarray(aeon.transform(Xt)), ours, aeon


@needs_native
def test_acsf1_flat_stretches_bit_exact() -> None:
    pytest.importorskip("aeon")
    from anyconv.data import load_ucr

    (X, _), (Xt, _) = load_ucr("ACSF1", "train"), load_ucr("ACSF1", "test")
    X, Xt = X[:20, :, :600], Xt[:8, :, :600]  # (20, 1, 600): flat stretches included
    ours, aeon, est, ref = _aeon_pair(X, Xt, 840)
    np.testing.assert_array_equal(est.bank_.biases, ref.parameter[-1])
    np.testing.assert_array_equal(est.bank_diff_.biases, ref.parameter1[-1])
    assert ours.shape == aeon.shape and np.array_equal(ours, aeon), int((ours != aeon).sum())
    # the data does have ties: the torch engine (a GEMM) differs from aeon in some entries
    est.engine = "torch"
    assert int((est.transform(Xt) != aeon).sum()) > 0


@needs_native
def test_basicmotions_multivariate_bit_exact() -> None:
    pytest.importorskip("aeon")
    from anyconv.data import load_ucr

    (X, _), (Xt, _) = load_ucr("BasicMotions", "train"), load_ucr("BasicMotions", "test")
    ours, aeon, est, ref = _aeon_pair(X[:12], Xt[:9], 420)  # 9 cases: a partial vector block
    np.testing.assert_array_equal(est.bank_.biases, ref.parameter[-1])
    np.testing.assert_array_equal(est.bank_diff_.biases, ref.parameter1[-1])
    assert np.array_equal(ours, aeon), int((ours != aeon).sum())


@needs_native
@pytest.mark.parametrize(("n_channels", "L", "d", "shift"), [(1, 30, 3, 0), (1, 17, 2, 1), (3, 25, 1, 1)])
def test_conv_into_equals_float64_convolution(n_channels: int, L: int, d: int, shift: int) -> None:
    """Integer inputs: every output is exact in float32, so any tap or channel error shows."""
    rng = np.random.RandomState(L)
    B = 11
    x = torch.as_tensor(rng.randint(-4, 5, size=(B, n_channels, L)), dtype=torch.float32)
    per_comb = rng.randint(1, n_channels + 1, size=84)
    ids = np.concatenate([rng.permutation(n_channels)[:m] for m in per_comb])
    bank = MiniRocketBank(np.array([d]), np.array([1]), np.zeros(84, np.float32), per_comb.astype(np.int64),
                          ids.astype(np.int64), shift)
    pc, ch = conv_bank(bank)
    pad = 4 * d + shift + 2  # more padding than needed is fine
    xp = native.cases_innermost(x, pad)
    out = torch.full((84, L, xp.shape[2]), float("nan"))
    conv_into(xp, L, pad, d, pc[0], ch[0], shift, out)
    S = shifted_stack(x.double(), d, shift).view(B, n_channels, 9, L)  # taps, zero padded
    per_channel = torch.einsum("ki,bcil->bkcl", torch.as_tensor(KERNEL_WEIGHTS), S)  # (B, 84, C, L)
    starts = np.concatenate([[0], np.cumsum(per_comb)[:-1]])
    for k in range(84):
        expected = per_channel[:, k, ids[starts[k] : starts[k] + per_comb[k]]].sum(1)  # (B, L)
        np.testing.assert_array_equal(out[k, :, :B].T.double().numpy(), expected.numpy())


@needs_native
def test_conv_into_rejects_bad_input() -> None:
    x = torch.zeros((8, 2, 20))
    bank = MiniRocketBank(np.array([2]), np.array([1]), np.zeros(84, np.float32), np.ones(84, np.int64),
                          np.zeros(84, np.int64), 0)
    pc, ch = conv_bank(bank)
    xp = native.cases_innermost(x, 8)
    out = torch.empty((84, 20, 8))
    with pytest.raises(ValueError, match="out must be contiguous"):
        conv_into(xp, 20, 8, 2, pc[0], ch[0], 0, out[:, :19])
    with pytest.raises(ValueError, match="per_comb must be"):
        conv_into(xp, 20, 8, 2, pc[0][:83], ch[0], 0, out)
    with pytest.raises(ValueError, match="MultiRocket convolution"):  # reach 4 d + shift > pad
        conv_into(xp, 20, 8, 2, pc[0], ch[0], 1, out)
    with pytest.raises(ValueError, match="MultiRocket convolution"):  # channel id 5 of 2
        conv_into(xp, 20, 8, 2, pc[0], torch.full((84,), 5, dtype=torch.int64), 0, out)
