"""The dense baseline layers equal torch's Conv1d/Conv2d (same arguments, same order, same
weights) and report the engine that ran."""

from __future__ import annotations

import itertools

import pytest
import torch

import anyconv


def _copy_into(ours, ref):
    with torch.no_grad():
        ref.weight.copy_(ours.kernel.weight)
        if ref.bias is not None:
            ref.bias.copy_(ours.bias)


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_conv1d_layer_equals_torch(method):
    torch.manual_seed(0)
    ours = anyconv.Conv1d(4, 6, 5, groups=2, mode="same", method=method, dtype=torch.float64)
    ref = torch.nn.Conv1d(4, 6, 5, groups=2, padding="same", dtype=torch.float64)
    _copy_into(ours, ref)
    x = torch.randn(3, 4, 20, dtype=torch.float64)
    torch.testing.assert_close(ours(x), ref(x))
    assert ours.engine == method


def test_conv2d_layer_equals_torch_and_auto_reports_engine():
    torch.manual_seed(0)
    ours = anyconv.Conv2d(3, 5, (3, 4), mode="valid", dtype=torch.float64)
    ref = torch.nn.Conv2d(3, 5, (3, 4), dtype=torch.float64)
    _copy_into(ours, ref)
    x = torch.randn(2, 3, 8, 9, dtype=torch.float64)
    assert ours.engine is None
    torch.testing.assert_close(ours(x), ref(x))
    assert ours.engine == "direct"  # a 3x4 kernel is far below the measured 2-D crossover


def _torch_grid(ndim):
    """(positional args after the channels, keyword args) of torch's constructor, cycling values."""
    if ndim == 1:
        kernels, strides, paddings, dilations = [3, 4], [1, 2, 3], [0, 1, (2,), "same", "valid"], [1, 2]
    else:
        kernels, strides, paddings, dilations = [3, (2, 4)], [1, (2, 1)], [0, (1, 2), "same"], [1, (2, 1)]
    modes = ["zeros", "reflect", "replicate", "circular"]
    for i, (stride, padding, dilation) in enumerate(itertools.product(strides, paddings, dilations)):
        if padding == "same" and stride != 1:
            continue
        groups = (1, 2)[i % 2]
        yield (kernels[i % len(kernels)], stride, padding, dilation, groups, bool(i % 3), modes[i % 4])


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize("method", ["direct", "fft"])
def test_same_positional_arguments_same_outputs_and_parameters_as_torch(ndim, method):
    """``anyconv.Conv*d(*args)`` with torch's positional arguments == ``torch.nn.Conv*d(*args)``."""
    ours_cls, ref_cls = (anyconv.Conv1d, torch.nn.Conv1d) if ndim == 1 else (anyconv.Conv2d, torch.nn.Conv2d)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 4, *((13,) if ndim == 1 else (9, 10)), generator=gen, dtype=torch.float64)
    for args in _torch_grid(ndim):
        ours = ours_cls(4, 6, *args, method=method, dtype=torch.float64)
        ref = ref_cls(4, 6, *args, dtype=torch.float64)
        assert ours.kernel.weight.shape == ref.weight.shape and (ref.bias is None) == (ours.bias is None)
        _copy_into(ours, ref)
        assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in ref.parameters())
        torch.testing.assert_close(ours(x), ref(x), rtol=1e-10, atol=1e-10, msg=lambda m, a=args: f"{a}: {m}")
        assert ours.stride == ref.stride and ours.dilation == ref.dilation and ours.padding == ref.padding


def test_fourth_positional_argument_is_the_stride_not_bias():
    layer = anyconv.Conv1d(4, 8, 3, 2)
    assert layer.stride == (2,) and layer.bias is not None
    assert layer(torch.randn(1, 4, 11)).shape == (1, 8, 5)  # torch: ⌊(11 - 3) / 2⌋ + 1
    assert torch.nn.Conv1d(4, 8, 3, 2)(torch.randn(1, 4, 11)).shape == (1, 8, 5)
    with pytest.raises(ValueError, match="bias must be True or False, got 2"):
        anyconv.Conv1d(4, 8, 3, bias=2)


def test_default_is_torchs_valid_and_mode_is_keyword_only():
    x = torch.randn(1, 2, 10)
    assert anyconv.Conv1d(2, 2, 3)(x).shape == (1, 2, 8)  # padding=0, as torch
    assert anyconv.Conv1d(2, 2, 3, mode="same")(x).shape == (1, 2, 10)
    assert anyconv.Conv1d(2, 2, 3, padding=0, mode="causal")(x).shape == (1, 2, 10)  # torch's default padding may stay


def test_mode_with_stride_and_dilation_pads_the_span_then_subsamples():
    torch.manual_seed(2)
    ours = anyconv.Conv1d(2, 3, 4, stride=2, dilation=3, mode="causal", dtype=torch.float64)
    x = torch.randn(2, 2, 15, dtype=torch.float64)
    padded = torch.nn.functional.pad(x, (9, 0))  # causal: the whole span d (K - 1) = 9 on the left
    want = torch.nn.functional.conv1d(padded, ours.kernel.weight, ours.bias, stride=2, dilation=3)
    torch.testing.assert_close(ours(x), want)


def test_repr_shows_non_defaults_like_torch():
    assert "stride=(1,)" in repr(anyconv.Conv1d(2, 2, 3))
    text = repr(anyconv.Conv2d(2, 4, 3, 2, 1, 2, 2, False, "reflect"))
    for part in ("stride=(2, 2)", "padding=(1, 1)", "dilation=(2, 2)", "groups=2", "padding_mode='reflect'", "bias=False"):
        assert part in text, text
    assert "mode='same'" in repr(anyconv.Conv1d(2, 2, 3, mode="same")) and "padding" not in repr(anyconv.Conv1d(2, 2, 3, mode="same"))


def test_constructor_errors():
    with pytest.raises(ValueError, match="did you mean 'causal'"):
        anyconv.Conv1d(2, 2, 3, mode="casual")
    with pytest.raises(ValueError, match="kernel_size must be a positive int"):
        anyconv.Conv1d(2, 2, 0)
    with pytest.raises(ValueError, match="divisible by groups=3"):
        anyconv.Conv1d(4, 6, 3, groups=3)
    with pytest.raises(ValueError, match="only defined for 1-D"):
        anyconv.Conv2d(2, 2, 3, mode="causal")
    with pytest.raises(ValueError, match=r"unknown layer 'conv1'.*did you mean 'conv1d'"):
        anyconv.create("conv1")
    with pytest.raises(ValueError, match=r"Conv1d: give either mode= .* not both; got mode='same' and padding=1"):
        anyconv.Conv1d(2, 2, 3, padding=1, mode="same")
    with pytest.raises(ValueError, match=r"Conv2d: stride must be a positive int or a tuple of 2 .*got \(1, 0\)"):
        anyconv.Conv2d(2, 2, 3, stride=(1, 0))
    with pytest.raises(ValueError, match=r"Conv1d: padding_mode must be one of .*did you mean 'replicate'"):
        anyconv.Conv1d(2, 2, 3, padding_mode="replicat")
    with pytest.raises(ValueError, match=r"padding='same' is not supported with stride=2"):
        anyconv.Conv1d(2, 2, 3, 2, "same")


def test_reassigned_attributes_take_effect():
    """A layer caches its validated geometry; reassigning an attribute is seen at the next call."""
    layer = anyconv.Conv1d(2, 2, 3, padding=1)
    x = torch.randn(1, 2, 10)
    assert layer(x).shape == (1, 2, 10)
    layer.stride = (2,)
    assert layer(x).shape == (1, 2, 5)
    layer.padding, layer.mode = None, "full"
    assert layer(x).shape == (1, 2, 6)  # ⌊(10 + 4 - 3) / 2⌋ + 1
    layer.dilation = (0,)
    with pytest.raises(ValueError, match=r"Conv1d: dilation must be a positive int .*got \(0,\)"):
        layer(x)
