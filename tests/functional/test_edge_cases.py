"""Edge cases of the engines: empty batches and channels, overflow inside the FFT, half
precision, the finiteness check and ``torch.compile``."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from anyconv.functional import MODES, conv1d, conv2d
from anyconv.functional.conv import apply
from tests.reference import reference_conv

METHODS = ["direct", "fft", "auto"]


def _shapes(ndim: int, batch: int, c_in: int, per_sample: bool, groups: int):
    spatial, kernel = ((9,), (4,)) if ndim == 1 else ((6, 7), (3, 4))
    c_out = 2 * groups
    x = torch.randn(batch, c_in, *spatial, dtype=torch.float64)
    shape = (c_out, c_in // groups, *kernel)
    weight = torch.randn((batch, *shape) if per_sample else shape, dtype=torch.float64)
    return x, weight, c_out


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize("per_sample", [False, True], ids=["shared", "per-sample"])
def test_empty_batch_gives_empty_output(method, mode, ndim, per_sample):
    if ndim == 2 and mode == "causal":
        pytest.skip("causal is 1-D only")
    x, weight, c_out = _shapes(ndim, 0, 4, per_sample, groups=2)
    bias = torch.randn((0, c_out) if per_sample else (c_out,), dtype=torch.float64)
    conv = conv1d if ndim == 1 else conv2d
    got = conv(x, weight, bias, mode=mode, groups=2, method=method)
    # the shape torch's own conv gives for an empty batch (on hand-padded input)
    want = reference_conv(x, weight.new_zeros(weight.shape[1:]) if per_sample else weight, None, mode=mode, groups=2, flip=False)
    assert got.shape == (0, c_out, *want.shape[2:]) and got.dtype == x.dtype


def test_empty_batch_examples_from_the_issue():
    got = conv1d(torch.randn(0, 4, 64), torch.randn(4, 1, 64), groups=4, method="fft")
    assert got.shape == (0, 4, 64)
    got = conv1d(torch.randn(0, 4, 64), torch.randn(0, 4, 1, 5), groups=4, method="direct")
    assert got.shape == (0, 4, 64)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize("per_sample", [False, True], ids=["shared", "per-sample"])
def test_no_input_channels_gives_zeros_plus_bias(method, mode, ndim, per_sample):
    x, weight, c_out = _shapes(ndim, 3, 0, per_sample, groups=1)
    bias = torch.randn((3, c_out) if per_sample else (c_out,), dtype=torch.float64)
    conv = conv1d if ndim == 1 else conv2d
    got = conv(x, weight, bias, mode=mode, method=method)
    # the definition: an empty sum over input channels, plus the bias, on the mode's output grid
    grow = {"valid": lambda n, k: n - k + 1, "same": lambda n, k: n, "full": lambda n, k: n + k - 1}[mode]
    out_sizes = [grow(n, k) for n, k in zip(x.shape[2:], weight.shape[-ndim:])]
    expected = bias.reshape(*((3, c_out) if per_sample else (1, c_out)), *([1] * ndim)).expand(3, c_out, *out_sizes)
    torch.testing.assert_close(got, expected, rtol=0, atol=0)


def test_empty_batch_backward_gives_zero_gradients():
    x = torch.randn(0, 4, 64, requires_grad=True)
    w = torch.randn(4, 1, 64, requires_grad=True)
    conv1d(x, w, groups=4, method="fft").sum().backward()
    assert w.grad is not None and bool((w.grad == 0).all()) and x.grad.shape == x.shape


def test_fft_does_not_overflow_where_direct_is_finite():
    x, w = torch.full((1, 1, 64), 1e37), torch.full((1, 1, 3), 1e-3)
    direct = conv1d(x, w, method="direct")
    assert bool(torch.isfinite(direct).all())
    torch.testing.assert_close(conv1d(x, w, method="fft"), direct, rtol=1e-5, atol=0)


@pytest.mark.parametrize("scale_x,scale_w", [(1e37, 1e-3), (1e-3, 1e37), (1e30, 1e-30), (1e-20, 1e-15)])
@pytest.mark.parametrize("flip", [False, True])
def test_fft_with_extreme_magnitudes_matches_float64(scale_x, scale_w, flip):
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(2, 3, 40, generator=gen, dtype=torch.float64) * scale_x
    w = torch.rand(3, 1, 17, generator=gen, dtype=torch.float64) * scale_w
    want = reference_conv(x, w, None, mode="same", groups=3, flip=flip)  # float64: no overflow
    got = conv1d(x.float(), w.float(), mode="same", groups=3, method="fft", flip=flip)
    assert bool(torch.isfinite(got).all())
    torch.testing.assert_close(got.double(), want, rtol=1e-4, atol=0)


def test_auto_picks_a_path_that_gives_the_direct_answer_on_large_data():
    x, w = torch.full((1, 2, 1024), 1e37), torch.full((2, 1, 255), 1e-3)
    y, ran = apply(x, w, None, ndim=1, mode="causal", groups=2, method="auto", flip=True)
    assert ran == "fft"  # a long kernel: the measured crossover picks the FFT
    direct = conv1d(x, w, mode="causal", groups=2, method="direct", flip=True)
    torch.testing.assert_close(y, direct, rtol=1e-4, atol=0)


def test_rescaling_is_exact_for_ordinary_data():
    """Powers of two commute with rounding: scaling x by 2^20 scales the FFT output exactly."""
    gen = torch.Generator().manual_seed(1)
    x, w = torch.randn(2, 3, 50, generator=gen), torch.randn(3, 1, 50, generator=gen)
    y = conv1d(x, w, mode="causal", groups=3, method="fft")
    assert torch.equal(conv1d(x * 2.0**20, w * 2.0**-7, mode="causal", groups=3, method="fft"), y * 2.0**13)


@pytest.mark.parametrize("half", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("ndim", [1, 2])
def test_fft_accepts_half_precision_and_returns_its_dtype(half, ndim):
    gen = torch.Generator().manual_seed(2)
    shape_x, shape_w = ((2, 3, 64), (3, 1, 31)) if ndim == 1 else ((2, 3, 12, 13), (3, 1, 5, 6))
    x = torch.randn(*shape_x, generator=gen).to(half)
    w = (torch.randn(*shape_w, generator=gen) / 8).to(half)
    conv = conv1d if ndim == 1 else conv2d
    got = conv(x, w, groups=3, method="fft")
    assert got.dtype == half
    want = conv(x.float(), w.float(), groups=3, method="direct")  # the same rounded inputs, float32
    torch.testing.assert_close(got.float(), want, rtol=1.6e-2, atol=1e-2)


def test_fft_under_bf16_autocast_takes_a_float32_weight():
    gen = torch.Generator().manual_seed(3)
    x, w = torch.randn(2, 4, 128, generator=gen), torch.randn(4, 1, 128, generator=gen) / 16
    with torch.autocast("cpu", dtype=torch.bfloat16):
        x_half = torch.nn.functional.linear(x.transpose(1, 2), torch.eye(4)).transpose(1, 2)  # bf16 under autocast
        assert x_half.dtype == torch.bfloat16
        got = conv1d(x_half, w, mode="causal", groups=4, method="fft", flip=True)
    assert got.dtype == torch.bfloat16
    want = conv1d(x_half.float(), w, mode="causal", groups=4, method="direct", flip=True)
    torch.testing.assert_close(got.float(), want, rtol=1.6e-2, atol=1e-2)


def test_check_finite_can_be_switched_off():
    x, w = torch.randn(1, 2, 16), torch.randn(2, 1, 5)
    x[0, 0, 3] = float("nan")
    with pytest.raises(ValueError, match="check_finite=False"):
        conv1d(x, w, groups=2, method="fft")
    y = conv1d(x, w, groups=2, method="fft", check_finite=False)
    assert bool(torch.isnan(y[0, 0]).all()) and bool(torch.isfinite(y[0, 1]).all())  # NaN stays in its channel


def test_fft_traces_into_one_graph_under_torch_compile():
    """No host sync or SciPy call in the FFT path: ``fullgraph=True`` tracing succeeds."""
    gen = torch.Generator().manual_seed(4)
    x, w = torch.randn(2, 3, 40, generator=gen), torch.randn(3, 1, 40, generator=gen)

    def run(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return conv1d(a, b, mode="causal", groups=3, method="fft", flip=True)

    torch._dynamo.reset()
    compiled = torch.compile(run, fullgraph=True, backend="eager")
    torch.testing.assert_close(compiled(x, w), run(x, w), rtol=0, atol=0)


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel lengths")
@pytest.mark.parametrize("k", [(3, 3), (4, 4), (4, 5), (2, 6)])
def test_2d_flip_same_offset_is_torch_rule_not_scipy(k):
    signal = pytest.importorskip("scipy.signal")
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(1, 1, 9, 10, generator=gen, dtype=torch.float64)
    w = torch.randn(1, 1, *k, generator=gen, dtype=torch.float64)
    for method in ("direct", "fft"):
        got = conv2d(x, w, mode="same", method=method, flip=True)
        torch.testing.assert_close(got, F.conv2d(x, w.flip(-2, -1), padding="same"))
    scipy_same = torch.from_numpy(signal.convolve2d(x[0, 0].numpy(), w[0, 0].numpy(), mode="same"))
    full = torch.from_numpy(signal.convolve2d(x[0, 0].numpy(), w[0, 0].numpy(), mode="full"))
    ch, cw = -(-(k[0] - 1) // 2), -(-(k[1] - 1) // 2)  # ⌈(K-1)/2⌉ per axis
    torch.testing.assert_close(got[0, 0], full[ch : ch + 9, cw : cw + 10])
    if k[0] % 2 and k[1] % 2:
        torch.testing.assert_close(got[0, 0], scipy_same)
    else:  # scipy uses ⌊(K-1)/2⌋: one sample earlier on each even axis
        assert not torch.allclose(got[0, 0], scipy_same)
        fh, fw = (k[0] - 1) // 2, (k[1] - 1) // 2
        torch.testing.assert_close(scipy_same, full[fh : fh + 9, fw : fw + 10])


@pytest.mark.parametrize("scale", [1.0, 1e-30, 1e30])
def test_skipping_the_rescale_when_nothing_can_overflow_is_bit_identical(scale):
    """check_finite=True skips the rescale when the bound shows it is not needed; check_finite=False
    always rescales: powers of two are exact, so both give the same bits."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, 4, 300, generator=gen) * scale
    w = torch.randn(4, 1, 77, generator=gen)
    checked = conv1d(x, w, groups=4, mode="causal", flip=True, method="fft")
    rescaled = conv1d(x, w, groups=4, mode="causal", flip=True, method="fft", check_finite=False)
    assert torch.equal(checked, rescaled)
