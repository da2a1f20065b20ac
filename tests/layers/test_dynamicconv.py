"""DynamicConv1d/2d: softmax attention with a temperature, its annealing hook, per-sample path vs loops."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from anyconv.kernels.conditional import SoftmaxAttention
from anyconv.layers import create
from anyconv.layers.dynamicconv import DynamicConv1d, DynamicConv2d, anneal_temperature, temperature_at
from tests.layers._conditional_checks import (
    D64,
    assert_batch_independent,
    configs,
    gap,
    loop_time_varying,
    one_thread,  # noqa: F401  (fixture)
    per_example_oracle,
    running_mean,
    shape,
    torch_conv,
)

CLASSES = {1: DynamicConv1d, 2: DynamicConv2d}
pytestmark = [
    pytest.mark.usefixtures("one_thread"),
    # torch's own warning in the oracle (nn.Conv1d, padding="same", even kernel): expected
    pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning"),
]


def _layer(ndim: int, kernel_size=3, *, in_channels: int = 4, out_channels: int = 6, **kwargs) -> nn.Module:
    torch.manual_seed(0)
    return CLASSES[ndim](in_channels, out_channels, kernel_size, dtype=D64, **kwargs)


def _attention(layer: nn.Module, pooled: torch.Tensor, tau: float) -> torch.Tensor:
    """The paper's attention by hand: softmax(W2 relu(W1 p) + b2) / τ) over the experts (last axis)."""
    a = layer.router
    z = torch.relu(pooled @ a.fc1.weight.detach().T) @ a.fc2.weight.detach().T + a.fc2.bias.detach()
    return torch.softmax(z / tau, dim=-1)


@pytest.mark.parametrize("ndim", [1, 2])
def test_per_sample_path_equals_a_loop_over_examples(ndim: int) -> None:
    x = torch.randn(*shape(ndim), dtype=D64)
    for kernel_size, kwargs in configs(ndim):
        layer = _layer(ndim, kernel_size, num_experts=3, temperature=1.0, **kwargs)
        with torch.no_grad():
            got = layer(x)
        want = per_example_oracle(layer, x, _attention(layer, gap(x), 1.0), kernel_size, **kwargs)
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12, msg=lambda m, kw=kwargs: f"{kw}: {m}")


@pytest.mark.parametrize("ndim", [1, 2])
def test_batch_independence(ndim: int) -> None:
    layer = _layer(ndim, 3, padding=1, dilation=2, temperature=2.0)
    assert_batch_independent(layer, torch.randn(*shape(ndim, batch=4), dtype=D64))


@pytest.mark.parametrize("ndim", [1, 2])
def test_one_expert_is_torch_conv(ndim: int) -> None:
    """With one expert the attention is exactly 1 whatever the input: the layer is nn.Conv*d."""
    x = torch.randn(*shape(ndim), dtype=D64)
    for kernel_size, kwargs in configs(ndim):
        layer = _layer(ndim, kernel_size, num_experts=1, **kwargs)
        bias = None if layer.kernel.bias is None else layer.kernel.bias.detach()[0]
        conv = torch_conv(layer.kernel.weight.detach()[0], bias, ndim, kernel_size, **kwargs)
        with torch.no_grad():
            torch.testing.assert_close(layer(x), conv(x), rtol=1e-12, atol=1e-12)


def test_temperature_scales_the_logits() -> None:
    """π = softmax(z / τ): τ = 1 is the plain softmax, large τ → uniform, small τ → one-hot."""
    layer = _layer(2, 3, padding=1, num_experts=4)
    x = torch.randn(5, 4, 6, 6, dtype=D64)
    with torch.no_grad():
        logits = layer.router.logits(x)
        assert logits.abs().amax() > 0.05  # otherwise every temperature gives the same attention
        for tau in (0.05, 1.0, 30.0):
            layer.set_temperature(tau)
            assert layer.temperature == tau
            torch.testing.assert_close(layer.router(x), _attention(layer, gap(x), tau), rtol=1e-13, atol=1e-14)
            torch.testing.assert_close(layer.router(x), torch.softmax(logits / tau, dim=1), rtol=1e-13, atol=1e-14)
        layer.set_temperature(1e4)
        assert (layer.router(x) - 0.25).abs().amax() < 1e-3
        layer.set_temperature(1e-4)
        assert torch.equal(layer.router(x).argmax(1), logits.argmax(1))
        assert layer.router(x).amax(1).min() > 0.999
        # the output follows: a different temperature, a different layer output
        y_cold = layer(x)
        layer.set_temperature(30.0)
        assert (layer(x) - y_cold).abs().amax() > 1e-3


def test_data_dependent() -> None:
    """Without bias a plain conv is linear; DynamicConv is not: f(2x) != 2 f(x)."""
    layer = _layer(2, 3, padding=1, bias=False, temperature=0.1)
    x = torch.randn(2, 4, 6, 6, dtype=D64)
    with torch.no_grad():
        assert (layer(2 * x) - 2 * layer(x)).abs().amax() > 1e-3


def test_forward_never_changes_the_temperature() -> None:
    layer = _layer(1, 3, padding=1, temperature=7.0).train()
    for _ in range(3):
        layer(torch.randn(2, 4, 8, dtype=D64)).sum().backward()
    assert layer.temperature == 7.0


def test_annealing_schedule_and_hook() -> None:
    assert temperature_at(0, anneal_steps=10) == 30.0
    assert temperature_at(5, anneal_steps=10) == pytest.approx(15.5)
    assert temperature_at(10, anneal_steps=10) == temperature_at(99, anneal_steps=10) == 1.0
    assert temperature_at(3, anneal_steps=0) == 1.0
    assert temperature_at(1, anneal_steps=4, start=5.0, end=1.0) == 4.0
    model = nn.Sequential(
        DynamicConv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Sequential(DynamicConv2d(4, 4, 3, padding=1)), nn.Conv2d(4, 2, 1)
    )
    assert anneal_temperature(model, 5, anneal_steps=10) == pytest.approx(15.5)
    assert [m.temperature for m in model.modules() if isinstance(m, DynamicConv2d)] == [pytest.approx(15.5)] * 2
    with pytest.raises(ValueError, match="anneal_steps must be an int >= 0, got -1"):
        anneal_temperature(model, 5, anneal_steps=-1)
    with pytest.raises(ValueError, match="step must be an int >= 0"):
        temperature_at(-1, anneal_steps=3)
    with pytest.raises(ValueError, match="temperature must be a float > 0, got 0"):
        model[0].set_temperature(0)


def test_set_temperature_between_forward_and_backward() -> None:
    layer = _layer(1, 3, padding=1, temperature=2.0)
    loss = layer(torch.randn(2, 4, 8, dtype=D64)).square().sum()
    layer.set_temperature(1.0)
    loss.backward()  # the old τ was replaced, not overwritten: the saved graph is intact
    assert layer.kernel.weight.grad is not None


def test_temperature_travels_with_the_state_dict() -> None:
    layer = _layer(2, 3, padding=1, temperature=3.5)
    fresh = _layer(2, 3, padding=1)
    fresh.load_state_dict(layer.state_dict())
    assert fresh.temperature == 3.5
    x = torch.randn(2, 4, 5, 5, dtype=D64)
    with torch.no_grad():
        assert torch.equal(fresh(x), layer(x))


def test_attention_defaults_follow_the_paper() -> None:
    attention = SoftmaxAttention(64, 4)
    assert attention.fc1.out_features == 64 // 4 + 1 and attention.fc1.bias is None
    assert SoftmaxAttention(3, 5).fc1.out_features == 5  # an RGB input: K hidden units
    assert attention.temperature == 30.0
    assert DynamicConv2d(8, 8, 3).num_experts == 4


def test_gradcheck_tiny() -> None:
    layer = _layer(1, 3, in_channels=2, out_channels=2, num_experts=2, stride=2, padding=1, temperature=0.5)
    x = torch.randn(2, 2, 7, dtype=D64, requires_grad=True)
    names = [n for n, _ in layer.named_parameters()]

    def f(x, *values):
        return torch.func.functional_call(layer, dict(zip(names, values)), (x,))

    inputs = (x, *[p.detach().clone().requires_grad_() for p in layer.parameters()])
    assert torch.autograd.gradcheck(f, inputs, fast_mode=True)


def test_causal_mode_is_causal_and_equals_the_time_loop() -> None:
    layer = _layer(1, 5, in_channels=3, out_channels=3, groups=3, mode="causal", temperature=0.5)
    x = torch.randn(2, 3, 10, dtype=D64)
    with torch.no_grad():
        y = layer(x)
        attention = _attention(layer, running_mean(x), 0.5).transpose(1, 2)  # (B, K, L)
        torch.testing.assert_close(y, loop_time_varying(layer, x, attention), rtol=1e-12, atol=1e-12)
        for t in (1, 5, 9):
            changed = x.clone()
            changed[..., t:] += 3 * torch.randn_like(changed[..., t:])
            torch.testing.assert_close(layer(changed)[..., :t], y[..., :t], rtol=0, atol=1e-13)
            assert (layer(changed)[..., t] - y[..., t]).abs().amax() > 1e-6


def test_harness_construction_and_bake() -> None:
    torch.manual_seed(0)
    seq = create("dynamicconv1d", in_channels=5, out_channels=5, kernel_size=16, groups=5, mode="same")
    x = torch.randn(2, 5, 16)
    assert seq(x).shape == (2, 5, 16)
    baked = seq.bake(x)
    with torch.no_grad():
        for b in range(2):
            torch.testing.assert_close(baked[b](x[b : b + 1]), seq(x)[b : b + 1], rtol=1e-5, atol=1e-6)
    img = create("dynamicconv2d", in_channels=3, out_channels=8, kernel_size=3, mode="same")
    assert img(torch.randn(2, 3, 10, 7)).shape == (2, 8, 10, 7)


@pytest.mark.parametrize("ndim", [1, 2])
def test_clear_errors(ndim: int) -> None:
    layer = _layer(ndim, 3, padding=1)
    x = torch.randn(*shape(ndim), dtype=D64)
    with pytest.raises(ValueError, match=r"expected x of shape \(B, 4, "):
        layer(torch.randn(3, 2, *x.shape[2:], dtype=D64))
    with pytest.raises(ValueError, match=r"routing must have shape \(3, 4\).*got \(3, 3\)"):
        layer(x, routing=torch.rand(3, 3, dtype=D64))
    with pytest.raises(ValueError, match="temperature must be a float > 0"):
        CLASSES[ndim](4, 6, 3, temperature=-1.0)
    with pytest.raises(ValueError, match="hidden_channels must be a positive int"):
        CLASSES[ndim](4, 6, 3, hidden_channels=0)


def test_the_training_loop_calls_the_annealing_hook(tmp_path) -> None:
    """anyconv's trainer anneals τ over the first 10 % of the steps; the checkpoint keeps τ."""
    from anyconv.bench import load_run
    from anyconv.bench.config import RunConfig
    from anyconv.bench.train import train

    seen: list[float] = []
    config = RunConfig(layer="dynamicconv1d", task="adding", task_options={"seq_len": 8}, steps=20, batch_size=4,
                       n_val=4, n_test=4, model={"d_model": 4, "n_layers": 1}, eval_every=20)
    handle = nn.modules.module.register_module_forward_pre_hook(
        lambda m, args: seen.append(m.temperature) if isinstance(m, DynamicConv1d) else None
    )
    try:
        train(config, tmp_path / "run", progress="off")
    finally:
        handle.remove()
    assert seen[0] == 30.0 and 15.5 in seen and seen[-1] == 1.0
    model, _, _ = load_run(tmp_path / "run")
    assert {m.temperature for m in model.modules() if isinstance(m, DynamicConv1d)} == {1.0}
