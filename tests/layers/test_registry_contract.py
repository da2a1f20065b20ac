"""Every registered layer honours the common contract (parametrized over ``list_layers()``)."""

from __future__ import annotations

import pytest
import torch

from anyconv.layers import KernelConv, create, get_spec, list_layers

D64 = torch.float64
ALL = list_layers()
SEQUENCE = list_layers(kind="sequence")


def _build(name: str, **extra) -> torch.nn.Module:
    spec = get_spec(name)
    return create(name, **spec.example_kwargs, **extra)


def _input(name: str, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(*get_spec(name).example_input_shape, dtype=dtype)


def test_registry_lists_the_long_convolutions():
    assert {"hyena1d", "longconv1d", "sgconv1d", "shortconv1d"} <= set(SEQUENCE)


@pytest.mark.parametrize("name", ALL)
def test_shape_and_finite(name):
    torch.manual_seed(0)
    layer, x = _build(name), _input(name)
    y = layer(x)
    assert y.shape[0] == x.shape[0] and y.ndim == x.ndim
    if get_spec(name).kind == "sequence":
        assert y.shape == x.shape
    assert bool(torch.isfinite(y).all())


@pytest.mark.parametrize("name", ALL)
def test_every_parameter_gets_a_gradient(name):
    torch.manual_seed(1)
    layer = _build(name).train()
    layer(_input(name)).square().mean().backward()
    missing = [n for n, p in layer.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, f"no gradient for {missing}"
    assert all(bool(torch.isfinite(p.grad).all()) for p in layer.parameters() if p.grad is not None)


@pytest.mark.parametrize("name", ALL)
def test_state_dict_round_trip(name):
    torch.manual_seed(2)
    layer = _build(name).eval()
    torch.manual_seed(3)
    fresh = _build(name).eval()
    fresh.load_state_dict(layer.state_dict())
    x = _input(name)
    with torch.no_grad():
        torch.testing.assert_close(fresh(x), layer(x), rtol=0, atol=0)


@pytest.mark.parametrize("name", ALL)
def test_dtype_and_device_honoured(name):
    layer = _build(name, dtype=D64, device="cpu")
    tensors = list(layer.parameters()) + list(layer.buffers())
    assert all(t.dtype == D64 for t in tensors if t.is_floating_point())
    assert all(t.device.type == "cpu" for t in tensors)
    assert layer(_input(name, D64)).dtype == D64


@pytest.mark.parametrize("name", SEQUENCE)
def test_sequence_layers_causal_unless_bidirectional(name):
    torch.manual_seed(4)
    x = _input(name, D64)
    t = x.shape[-1] // 2
    changed = x.clone()
    changed[..., t:] += torch.randn_like(changed[..., t:])
    causal = _build(name, dtype=D64).eval()
    with torch.no_grad():
        torch.testing.assert_close(causal(changed)[..., :t], causal(x)[..., :t], rtol=0, atol=1e-12)
        both = _build(name, dtype=D64, bidirectional=True).eval()
        assert (both(changed)[..., :t] - both(x)[..., :t]).abs().amax() > 1e-9


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match="longconv1d"):
        create("longconv", channels=4, seq_len=8)
    with pytest.raises(ValueError, match="hyena1d"):
        get_spec("hyena")


def test_misspelled_argument_is_rejected():
    with pytest.raises(TypeError):
        create("sgconv1d", 4, 16, kernel_dims=4)


def _force_fft(layer: torch.nn.Module) -> None:
    for module in layer.modules():
        if isinstance(module, KernelConv):
            module.method = "fft"


@pytest.mark.parametrize("force_fft", [False, True], ids=["auto", "fft"])
@pytest.mark.parametrize("name", ALL)
def test_empty_batch_gives_empty_output(name, force_fft):
    torch.manual_seed(5)
    layer = _build(name).eval()
    if force_fft:
        _force_fft(layer)
    x = _input(name)
    with torch.no_grad():
        want = layer(x[:1]).shape[1:]
        y = layer(x[:0])
    assert y.shape == (0, *want)


@pytest.mark.parametrize("name", ALL)
def test_bf16_autocast_close_to_float32(name):
    """Under CPU bf16 autocast every layer runs (FFT engine in float32 inside) and stays close."""
    torch.manual_seed(6)
    layer, x = _build(name).eval(), _input(name)
    with torch.no_grad():
        want = layer(x)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            got = layer(x)
    assert bool(torch.isfinite(got).all())
    assert float((got.float() - want).norm() / want.norm()) < 0.05
