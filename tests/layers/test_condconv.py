"""CondConv1d/2d: expert mixing, per-sample path vs loops, one expert == torch conv, causal mode."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from anyconv.kernels.conditional import ExpertKernels, SigmoidRouting, pooled
from anyconv.layers import create
from anyconv.layers.condconv import CondConv1d, CondConv2d
from tests.layers._conditional_checks import (
    D64,
    assert_batch_independent,
    configs,
    gap,
    loop_time_varying,
    mix_by_loop,
    one_thread,  # noqa: F401  (fixture)
    per_example_oracle,
    running_mean,
    shape,
    torch_conv,
)

CLASSES = {1: CondConv1d, 2: CondConv2d}
pytestmark = [
    pytest.mark.usefixtures("one_thread"),
    # torch's own warning in the oracle (nn.Conv1d, padding="same", even kernel): expected
    pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning"),
]


def _layer(ndim: int, kernel_size=3, *, in_channels: int = 4, out_channels: int = 6, **kwargs) -> nn.Module:
    torch.manual_seed(0)
    return CLASSES[ndim](in_channels, out_channels, kernel_size, dtype=D64, **kwargs)


def _routing(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """CondConv's routing by hand: sigmoid(W · GAP(x) + b)."""
    fc = layer.router.fc
    return torch.sigmoid(gap(x) @ fc.weight.detach().T + fc.bias.detach())


def test_mixing_is_the_weighted_sum_of_experts() -> None:
    torch.manual_seed(0)
    kernel = ExpertKernels(4, 6, (3, 2), num_experts=5, groups=2, ndim=2, dtype=D64)
    routing = torch.randn(7, 5, dtype=D64)
    torch.testing.assert_close(kernel(routing), mix_by_loop(routing, kernel.weight.detach()), rtol=1e-13, atol=1e-14)
    torch.testing.assert_close(kernel.mix_bias(routing), mix_by_loop(routing, kernel.bias.detach()), rtol=1e-13, atol=1e-14)
    bank = kernel.bank()  # channel o·K + e is expert e of output channel o
    assert bank.shape == (6 * 5, 2, 3, 2)
    for o, e in ((0, 0), (2, 3), (5, 4)):
        assert torch.equal(bank[o * 5 + e], kernel.weight[e, o])


def test_routing_is_sigmoid_of_linear_of_the_average() -> None:
    torch.manual_seed(1)
    router = SigmoidRouting(4, 3, dtype=D64)
    x = torch.randn(5, 4, 6, 7, dtype=D64)
    torch.testing.assert_close(router(x), torch.sigmoid(router.fc(gap(x))), rtol=1e-13, atol=1e-14)
    causal = SigmoidRouting(4, 3, causal=True, dtype=D64)
    seq = torch.randn(2, 4, 9, dtype=D64)
    torch.testing.assert_close(pooled(seq, causal=True), running_mean(seq), rtol=1e-13, atol=1e-14)
    torch.testing.assert_close(causal(seq), torch.sigmoid(causal.fc(running_mean(seq))).transpose(1, 2))


@pytest.mark.parametrize("ndim", [1, 2])
def test_per_sample_path_equals_a_loop_over_examples(ndim: int) -> None:
    """Built-in routing, torch's stride/padding/dilation/groups/padding modes: == per-example nn.Conv*d."""
    x = torch.randn(*shape(ndim), dtype=D64)
    for kernel_size, kwargs in configs(ndim):
        layer = _layer(ndim, kernel_size, num_experts=3, **kwargs)
        with torch.no_grad():
            got = layer(x)
        want = per_example_oracle(layer, x, _routing(layer, x), kernel_size, **kwargs)
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12, msg=lambda m, kw=kwargs: f"{kw}: {m}")


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("ndim", [1, 2])
def test_modes_and_engines_equal_the_loop(ndim: int, method: str) -> None:
    x = torch.randn(*shape(ndim), dtype=D64)
    layer = _layer(ndim, 3, mode="same", method=method, groups=2)
    with torch.no_grad():
        got = layer(x)
    assert layer.engine == method
    want = per_example_oracle(layer, x, _routing(layer, x), 3, padding="same", groups=2)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-11)


@pytest.mark.parametrize("ndim", [1, 2])
def test_batch_independence(ndim: int) -> None:
    layer = _layer(ndim, 3, stride=2, padding=1)
    assert_batch_independent(layer, torch.randn(*shape(ndim, batch=4), dtype=D64))


@pytest.mark.parametrize("ndim", [1, 2])
def test_one_expert_with_unit_routing_is_torch_conv(ndim: int) -> None:
    x = torch.randn(*shape(ndim), dtype=D64)
    for kernel_size, kwargs in configs(ndim):
        layer = _layer(ndim, kernel_size, num_experts=1, **kwargs)
        bias = None if layer.kernel.bias is None else layer.kernel.bias.detach()[0]
        conv = torch_conv(layer.kernel.weight.detach()[0], bias, ndim, kernel_size, **kwargs)
        with torch.no_grad():
            torch.testing.assert_close(layer(x, routing=torch.ones(x.shape[0], 1, dtype=D64)), conv(x), rtol=1e-12, atol=1e-12)


def test_external_routing_replaces_the_router() -> None:
    layer = _layer(2, 3, padding=1)
    x = torch.randn(3, 4, 5, 5, dtype=D64)
    routing = torch.rand(3, 4, dtype=D64)
    with torch.no_grad():
        got = layer(x, routing=routing)
    torch.testing.assert_close(got, per_example_oracle(layer, x, routing, 3, padding=1), rtol=1e-12, atol=1e-12)
    assert not torch.allclose(got, layer(x))


def test_data_dependent() -> None:
    """Without bias a plain conv is linear; CondConv is not: f(2x) != 2 f(x)."""
    layer = _layer(2, 3, padding=1, bias=False)
    x = torch.randn(2, 4, 6, 6, dtype=D64)
    with torch.no_grad():
        assert (layer(2 * x) - 2 * layer(x)).abs().amax() > 1e-3


def test_gradcheck_tiny() -> None:
    layer = _layer(2, (2, 3), in_channels=2, out_channels=2, num_experts=2, stride=(1, 2), padding=1, dilation=(2, 1))
    x = torch.randn(2, 2, 3, 5, dtype=D64, requires_grad=True)
    params = dict(layer.named_parameters())
    names = list(params)

    def f(x, *values):
        return torch.func.functional_call(layer, dict(zip(names, values)), (x,))

    inputs = (x, *[p.detach().clone().requires_grad_() for p in params.values()])
    assert torch.autograd.gradcheck(f, inputs, fast_mode=True)


def test_causal_mode_is_causal_and_equals_the_time_loop() -> None:
    layer = _layer(1, 4, in_channels=3, out_channels=3, groups=3, mode="causal", dilation=2)
    x = torch.randn(2, 3, 12, dtype=D64)
    with torch.no_grad():
        y = layer(x)
        routing = torch.sigmoid(running_mean(x) @ layer.router.fc.weight.T + layer.router.fc.bias).transpose(1, 2)
        torch.testing.assert_close(y, loop_time_varying(layer, x, routing), rtol=1e-12, atol=1e-12)
        for t in (1, 6, 11):
            changed = x.clone()
            changed[..., t:] += 3 * torch.randn_like(changed[..., t:])
            torch.testing.assert_close(layer(changed)[..., :t], y[..., :t], rtol=0, atol=1e-13)
            assert (layer(changed)[..., t] - y[..., t]).abs().amax() > 1e-6
        # a routing constant in time gives the per-sample kernel
        const = torch.rand(2, 4, dtype=D64)
        torch.testing.assert_close(layer(x, routing=const[..., None].expand(2, 4, 12)), layer(x, routing=const))
        assert_batch_independent(layer, x)
        for method in ("direct", "fft"):  # the expert bank goes through either engine
            layer.method = method
            torch.testing.assert_close(layer(x), y, rtol=1e-10, atol=1e-11)
            assert layer.engine == method


def test_harness_construction() -> None:
    """As the mixer and the image models build conv-kind layers: keywords only, with a mode."""
    torch.manual_seed(0)
    seq = create("condconv1d", in_channels=5, out_channels=5, kernel_size=16, groups=5, mode="causal")
    assert seq(torch.randn(2, 5, 16)).shape == (2, 5, 16)
    assert seq(torch.randn(2, 5, 9)).shape == (2, 5, 9)  # shorter sequences too
    img = create("condconv2d", in_channels=3, out_channels=8, kernel_size=3, mode="same")
    assert img(torch.randn(2, 3, 10, 7)).shape == (2, 8, 10, 7)
    # torch's positional order: stride, padding, dilation, groups, bias, padding_mode
    layer = CondConv2d(4, 6, 3, 2, 1, 2, 2, False, "reflect")
    assert (layer.stride, layer.padding, layer.dilation, layer.groups) == ((2, 2), (1, 1), (2, 2), 2)
    assert layer.kernel.bias is None and layer.padding_mode == "reflect"
    assert layer(torch.randn(1, 4, 9, 9)).shape == nn.Conv2d(4, 6, 3, 2, 1, 2, 2, False, "reflect")(torch.randn(1, 4, 9, 9)).shape


def test_bake_gives_plain_convs_with_identical_outputs() -> None:
    layer = _layer(2, 3, stride=2, padding=1, groups=2)
    x = torch.randn(3, 4, 7, 6, dtype=D64)
    baked = layer.bake(x)
    assert type(layer).data_dependent and len(baked) == 3
    with torch.no_grad():
        y = layer(x)
        for b, module in enumerate(baked):
            assert not any(isinstance(m, ExpertKernels) for m in module.modules())
            torch.testing.assert_close(module(x[b : b + 1]), y[b : b + 1], rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="causal mode"):
        _layer(1, 3, mode="causal").bake(torch.randn(1, 4, 8, dtype=D64))


def test_model_baking_leaves_the_layer_alone() -> None:
    """anyconv.bake replaces fixed-kernel layers only: a CondConv2d stays (its kernel depends on x)."""
    from anyconv.layers.baking import bake

    torch.manual_seed(0)
    model = nn.Sequential(CondConv2d(2, 3, 3, padding=1, dtype=D64), nn.ReLU(), create("conv2d", 3, 2, 3, padding=1, dtype=D64))
    x = torch.randn(2, 2, 5, 5, dtype=D64)
    baked = bake(model, x)
    assert isinstance(baked[0], CondConv2d) and type(baked[2]) is nn.Conv2d
    with torch.no_grad():
        torch.testing.assert_close(baked(x), model(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("ndim", [1, 2])
def test_clear_errors(ndim: int) -> None:
    layer = _layer(ndim, 3, padding=1)
    spatial = "L" if ndim == 1 else "H, W"
    x = torch.randn(*shape(ndim), dtype=D64)
    with pytest.raises(ValueError, match=rf"expected x of shape \(B, 4, {spatial}\), got \(3, 5,"):
        layer(torch.randn(3, 5, *x.shape[2:], dtype=D64))
    with pytest.raises(ValueError, match=r"expected x of shape"):
        layer(x[0])
    with pytest.raises(ValueError, match=r"routing must have shape \(3, 4\) \(batch, num_experts\), got \(3, 5\)"):
        layer(x, routing=torch.rand(3, 5, dtype=D64))
    with pytest.raises(ValueError, match=r"routing must have shape \(3, 4\).*got \(2, 4\)"):
        layer(x, routing=torch.rand(2, 4, dtype=D64))
    with pytest.raises(ValueError, match="routing must be a floating-point tensor"):
        layer(x, routing=torch.ones(3, 4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"routing has dtype torch\.float32 but the experts have torch\.float64"):
        layer(x, routing=torch.rand(3, 4))
    with pytest.raises(ValueError, match="num_experts must be a positive int, got 0"):
        CLASSES[ndim](4, 6, 3, num_experts=0)
    with pytest.raises(ValueError, match="not both"):
        CLASSES[ndim](4, 6, 3, padding=1, mode="same")
    if ndim == 1:
        causal = _layer(1, 3, mode="causal")
        with pytest.raises(ValueError, match=r"\(3, 4\) or \(3, 4, 11\).*got \(3, 4, 10\)"):
            causal(x, routing=torch.rand(3, 4, 10, dtype=D64))
        with pytest.raises(ValueError, match="stride=1"):
            CondConv1d(4, 4, 3, 2, mode="causal")
