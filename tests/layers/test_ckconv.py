"""CKConv1d / CKConv2d: the kernel is the kernel network at the documented positions; engines,
irregular == regular, causality, length change, baking, errors, gradcheck."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from anyconv.layers import CKConv1d, CKConv2d, FlexConv1d, create

D64 = torch.float64
LAYERS_1D = [CKConv1d, FlexConv1d]


def _layer(cls, **kwargs):
    torch.manual_seed(0)
    kwargs.setdefault("dtype", D64)
    if cls is FlexConv1d:
        kwargs.setdefault("init_sigma", 0.6)  # wide enough that the crop leaves a long kernel
    return cls(**kwargs)


@pytest.mark.parametrize("mode", ["causal", "same"])
@pytest.mark.parametrize("kernel_size", [None, 5, 6, 40])
def test_regular_path_is_the_network_at_the_documented_positions(mode, kernel_size):
    """Hand-built kernel: tap lags, positions center − lag·step, F.conv1d on a hand-padded input."""
    layer = _layer(CKConv1d, in_channels=3, out_channels=4, kernel_size=kernel_size, mode=mode, groups=1)
    n = 17
    x = torch.randn(2, 3, n, dtype=D64)
    k = kernel_size if kernel_size is not None else (n if mode == "causal" else 2 * n - 1)
    left = k - 1 if mode == "causal" else (k - 1) // 2
    got = layer(x)  # a kernel_size=None layer records n as its reference length
    gain = (1 / (3 * (kernel_size or n))) ** 0.5  # Chang: 1/sqrt(C_in/g · K0)
    positions = torch.linspace(-1, 1, k, dtype=D64)[:, None]  # tap i at −1 + 2i/(K−1)
    weight = layer.kernel_net(positions).t().reshape(4, 3, k) * gain
    want = F.conv1d(F.pad(x, (left, k - 1 - left)), weight, layer.bias)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("cls", LAYERS_1D)
@pytest.mark.parametrize("mode", ["causal", "same"])
@pytest.mark.parametrize("kernel_size", [None, 9])
def test_direct_and_fft_engines_agree(cls, mode, kernel_size):
    layer = _layer(cls, in_channels=4, out_channels=4, kernel_size=kernel_size, mode=mode, groups=2)
    x = torch.randn(2, 4, 33, dtype=D64)
    layer.method = "direct"
    direct = layer(x)
    assert layer.engine == "direct"
    layer.method = "fft"
    torch.testing.assert_close(layer(x), direct, rtol=1e-9, atol=1e-9)
    assert layer.engine == "fft"


@pytest.mark.parametrize("cls", LAYERS_1D)
@pytest.mark.parametrize("mode", ["causal", "same"])
@pytest.mark.parametrize("kernel_size", [None, 7, 8])
def test_irregular_path_on_a_regular_grid_equals_the_regular_path(cls, mode, kernel_size):
    layer = _layer(cls, in_channels=2, out_channels=3, kernel_size=kernel_size, mode=mode)
    x = torch.randn(2, 2, 19, dtype=D64)
    times = torch.arange(19, dtype=D64).expand(2, 19)
    want = layer(x)
    for method in ("grid", "pairwise"):
        layer.irregular_method = method
        torch.testing.assert_close(layer(x, times=times), want, rtol=1e-10, atol=1e-10)
        assert layer.engine == "irregular"
    mask = torch.ones(2, 19, dtype=torch.bool)
    torch.testing.assert_close(layer(x, mask=mask), want, rtol=1e-10, atol=1e-10)  # a mask alone: the grid times


@pytest.mark.parametrize("cls", LAYERS_1D)
def test_causal_regular_and_irregular(cls):
    layer = _layer(cls, in_channels=2, out_channels=2, kernel_size=None, groups=2)
    x = torch.randn(2, 2, 24, dtype=D64)
    changed = x.clone()
    changed[..., 10:] += torch.randn_like(changed[..., 10:])
    torch.testing.assert_close(layer(changed)[..., :10], layer(x)[..., :10], rtol=0, atol=1e-12)
    g = torch.Generator().manual_seed(1)
    times = (torch.rand(2, 24, generator=g, dtype=D64) + 0.2).cumsum(-1)  # non-integer: pairwise path
    y, y2 = layer(x, times=times), layer(changed, times=times)
    torch.testing.assert_close(y2[..., :10], y[..., :10], rtol=0, atol=1e-12)
    assert (y2[..., 10:] - y[..., 10:]).abs().amax() > 1e-6
    same = _layer(cls, in_channels=2, out_channels=2, kernel_size=None, mode="same", groups=2)
    assert (same(changed)[..., :10] - same(x)[..., :10]).abs().amax() > 1e-6  # the check can fail


def test_kernel_size_int_runs_at_twice_the_length_as_a_longer_signal():
    layer = _layer(CKConv1d, in_channels=2, out_channels=2, kernel_size=16)
    x = torch.randn(1, 2, 64, dtype=D64)
    torch.testing.assert_close(layer(x)[..., :32], layer(x[..., :32]), rtol=1e-12, atol=1e-12)


def test_kernel_size_none_runs_at_twice_the_resolution_with_the_sampling_rate_normalisation():
    """A smooth signal sampled at N and at 2N − 1 (the grids nest): with reference_length=N the
    outputs agree at the common times to the Riemann-sum error; unnormalised they are ~2x off."""
    torch.manual_seed(3)
    n = 64
    kwargs = dict(in_channels=1, out_channels=1, kernel_size=None, omega_0=3.0, dtype=D64)
    normalised = CKConv1d(**kwargs, reference_length=n)
    plain = CKConv1d(**kwargs)
    plain.load_state_dict(normalised.state_dict())
    plain._scale = lambda span: 1.0  # the same layer without the sampling-rate normalisation
    recorded = CKConv1d(**kwargs)  # no reference_length: the first input's length is recorded
    recorded.load_state_dict({**normalised.state_dict(), "recorded_length": torch.tensor(0)})

    def signal(m):
        t = torch.linspace(0, 1, m, dtype=D64)
        return (torch.sin(6 * t) + t**2)[None, None]  # (1, 1, m)

    coarse, fine = signal(n), signal(2 * n - 1)
    want = normalised(coarse)
    torch.testing.assert_close(recorded(coarse), want, rtol=0, atol=0)
    assert recorded.reference() == n
    torch.testing.assert_close(recorded(fine), normalised(fine), rtol=0, atol=0)
    got = normalised(fine)[..., ::2]
    error = float((got - want).detach().norm() / want.detach().norm())
    assert error < 0.05
    unnormalised = float((plain(fine)[..., ::2] - want).detach().norm() / want.detach().norm())
    assert unnormalised > 0.5
    assert normalised(signal(2 * n)).shape == (1, 1, 2 * n)  # exactly 2L runs too


def test_siren_init_bounds_hold_inside_the_layer():
    layer = CKConv1d(2, 3, kernel_size=None, omega_0=25.0, hidden=64)  # no chang scale: nothing known about K
    first, *rest = layer.kernel_net.sines
    assert first.weight.detach().abs().max() <= 1.0 and first.weight.detach().abs().max() > 0.9  # fan_in = 1
    for lin in rest:
        bound = (6 / lin.weight.shape[1]) ** 0.5 / 25.0
        assert lin.weight.detach().abs().max() <= bound and lin.weight.detach().abs().max() > 0.9 * bound


def test_chang_gain_scales_the_kernel():
    torch.manual_seed(0)
    p = torch.linspace(-1, 1, 9)[:, None]
    fixed = CKConv1d(8, 8, kernel_size=100, groups=2)
    torch.testing.assert_close(fixed.evaluate(p), fixed.kernel_net(p).t().reshape(8, 4, 9) * (1 / 400) ** 0.5)
    spanning = CKConv1d(8, 8, kernel_size=None, groups=2)
    torch.testing.assert_close(spanning.evaluate(p), spanning.kernel_net(p).t().reshape(8, 4, 9))  # nothing known yet
    spanning(torch.randn(1, 8, 50))
    torch.testing.assert_close(spanning.evaluate(p), spanning.kernel_net(p).t().reshape(8, 4, 9) * (1 / 200) ** 0.5)


def test_2d_kernel_is_the_network_on_the_grid():
    torch.manual_seed(0)
    layer = CKConv2d(3, 4, (3, 4), dtype=D64)
    x = torch.randn(2, 3, 7, 8, dtype=D64)
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, 3, dtype=D64), torch.linspace(-1, 1, 4, dtype=D64), indexing="ij")
    weight = layer.kernel_net(torch.stack([ys.reshape(-1), xs.reshape(-1)], -1)).t().reshape(4, 3, 3, 4) / 36**0.5
    want = F.conv2d(F.pad(x, (1, 2, 1, 1)), weight, layer.bias)  # torch's 'same' for (3, 4): extra pad right
    torch.testing.assert_close(layer(x), want, rtol=1e-10, atol=1e-10)
    layer.method = "fft"
    torch.testing.assert_close(layer(x), want, rtol=1e-9, atol=1e-9)


def test_module_conversions_work():
    layer = CKConv1d(2, 2, kernel_size=4).double()
    assert layer(torch.randn(1, 2, 6, dtype=D64)).dtype == D64


def test_harness_calls_work():
    seq = create("ckconv1d", in_channels=8, out_channels=8, kernel_size=32, groups=8, mode="causal")
    assert seq(torch.randn(2, 8, 32)).shape == (2, 8, 32)
    img = create("ckconv2d", in_channels=3, out_channels=5, kernel_size=3, mode="same")
    assert img(torch.randn(2, 3, 9, 6)).shape == (2, 5, 9, 6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(in_channels=2, out_channels=2, mode="full"), "mode must be one of"),
        (dict(in_channels=2, out_channels=2, kernel_size=0), "kernel_size"),
        (dict(in_channels=2, out_channels=3, groups=2), "groups=2 must divide"),
        (dict(in_channels=2, out_channels=2, kernel_net="unet"), "kernel_net must be one of"),
        (dict(in_channels=2, out_channels=2, reference_length=1), "reference_length"),
        (dict(in_channels=2, out_channels=2, omega_0=-1.0), "omega_0"),
    ],
)
def test_constructor_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CKConv1d(**kwargs)
    with pytest.raises(TypeError):
        CKConv1d(2, 2, kernel_sise=3)


def test_forward_errors():
    layer = CKConv1d(2, 2)
    x = torch.randn(1, 2, 5)
    with pytest.raises(ValueError, match=r"\(B, C_in, N\)"):
        layer(torch.randn(2, 5))
    with pytest.raises(ValueError, match="strictly increasing"):
        layer(x, times=torch.tensor([[0.0, 1.0, 1.0, 2.0, 3.0]]))
    with pytest.raises(ValueError, match="floating-point"):
        layer(x, times=torch.arange(5)[None])
    with pytest.raises(ValueError, match=r"shape \(B, N\)"):
        layer(x, times=torch.arange(4.0)[None])
    with pytest.raises(ValueError, match="bool tensor"):
        layer(x, mask=torch.ones(1, 5))
    with pytest.raises(ValueError, match=r"positions of shape \(N, 1\)"):
        layer.kernel_net(torch.zeros(4, 2))
    with pytest.raises(ValueError, match="2-D: times and mask"):
        CKConv2d(2, 2, 3)(torch.randn(1, 2, 4, 4), times=torch.zeros(1, 4))


def test_gradcheck_tiny():
    layer = _layer(CKConv1d, in_channels=2, out_channels=2, kernel_size=None, hidden=4)
    x = torch.randn(1, 2, 5, dtype=D64, requires_grad=True)
    w = layer.kernel_net.output.weight.detach().clone().requires_grad_()
    times = torch.tensor([[0.0, 0.7, 1.5, 3.0, 3.2]], dtype=D64)

    def f(x, w):
        out = torch.func.functional_call(layer, {"kernel_net.output.weight": w}, (x,))
        irregular = torch.func.functional_call(layer, {"kernel_net.output.weight": w}, (x,), {"times": times})
        return out, irregular

    assert torch.autograd.gradcheck(f, (x, w))


@pytest.mark.parametrize("cls", [*LAYERS_1D])
@pytest.mark.parametrize("kernel_size", [None, 6])
@pytest.mark.parametrize("mode", ["causal", "same"])
def test_baked_equals_live(cls, kernel_size, mode):
    pytest.importorskip("anyconv.layers.baking")
    layer = _layer(cls, in_channels=4, out_channels=4, kernel_size=kernel_size, mode=mode, groups=2)
    x = torch.randn(2, 4, 21, dtype=D64)
    baked = layer.bake(21)
    assert not any(isinstance(m, type(layer)) for m in baked.modules())
    torch.testing.assert_close(baked(x), layer(x), rtol=1e-10, atol=1e-10)


def test_baked_2d_equals_live():
    pytest.importorskip("anyconv.layers.baking")
    torch.manual_seed(0)
    layer = CKConv2d(3, 4, 5, dtype=D64)
    x = torch.randn(2, 3, 8, 9, dtype=D64)
    torch.testing.assert_close(layer.bake(8, 9)(x), layer(x), rtol=1e-10, atol=1e-10)
    with pytest.raises(ValueError, match="bake needs the input length"):
        CKConv1d(2, 2).bake()


def test_whole_model_bake_replaces_every_continuous_layer():
    baking = pytest.importorskip("anyconv.layers.baking")
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        CKConv1d(4, 4, groups=4), torch.nn.ReLU(), FlexConv1d(4, 4, mode="same", init_sigma=0.3), CKConv1d(4, 4, kernel_size=9)
    ).double().eval()
    x = torch.randn(2, 4, 30, dtype=D64)
    baked = baking.bake(model, x)
    assert not any(isinstance(m, (CKConv1d, FlexConv1d)) for m in baked.modules())
    torch.testing.assert_close(baked(x), model(x), rtol=1e-10, atol=1e-10)


def test_cpu_bf16_autocast_stays_close_on_both_paths():
    """torch's CPU bf16 conv1d is wrong once C_in·K reaches ~64: the layers convolve in float32 there."""
    torch.manual_seed(0)
    layer = CKConv1d(4, 6, kernel_size=16).eval()
    x, times = torch.randn(2, 4, 40), torch.arange(40.0).expand(2, 40)
    with torch.no_grad():
        want, want_irregular = layer(x), layer(x, times=times)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            got, got_irregular = layer(x), layer(x, times=times)
    assert float((got.float() - want).norm() / want.norm()) < 0.02
    assert float((got_irregular.float() - want_irregular).norm() / want_irregular.norm()) < 0.02
