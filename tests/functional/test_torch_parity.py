"""stride / dilation / padding / padding_mode: both engines equal ``torch.nn.Conv*d`` (the
module itself, which pads with ``padding_mode`` as torch does), shared and per-sample weights."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from anyconv.functional import conv1d, conv2d

PADDING_MODES = ["zeros", "reflect", "replicate", "circular"]
TOL = {torch.float32: dict(rtol=1e-4, atol=1e-4), torch.float64: dict(rtol=1e-10, atol=1e-10)}
CHANNELS = [(4, 6, 1), (4, 4, 4), (4, 6, 2)]  # (C_in, C_out, groups): dense, depthwise, grouped


def _torch_conv(ndim, weight, bias, **kwargs):
    """``torch.nn.Conv*d`` holding ``weight`` and ``bias`` (the reference)."""
    c_out, c_in_g, *ks = weight.shape
    groups = kwargs.get("groups", 1)
    module = (torch.nn.Conv1d if ndim == 1 else torch.nn.Conv2d)(
        c_in_g * groups, c_out, tuple(ks), bias=bias is not None, dtype=weight.dtype, **kwargs
    )
    with torch.no_grad():
        module.weight.copy_(weight)
        if bias is not None:
            module.bias.copy_(bias)
    return module


def _grid(ndim):
    """A compact grid: every stride, dilation and padding, with kernels, channels, batch and
    dtype cycling through their values (so each value meets several others)."""
    if ndim == 1:
        strides, dilations = [1, 2, 3], [1, 2, 3]
        paddings = [0, 2, (3,), "same", "valid"]
        kernels = [(3,), (4,)]
    else:
        strides, dilations = [1, (2, 3), 3], [1, (1, 2), (3, 2)]
        paddings = [0, (1, 2), 3, "same", "valid"]
        kernels = [(3, 3), (4, 2), (1, 5)]
    for i, (stride, dilation, padding) in enumerate(itertools.product(strides, dilations, paddings)):
        if padding == "same" and stride != 1:
            continue  # refused, as by torch (test_errors_name_the_bad_value)
        yield dict(
            stride=stride, dilation=dilation, padding=padding, kernel=kernels[i % len(kernels)],
            channels=CHANNELS[i % len(CHANNELS)], batch=(1, 3)[i % 2], dtype=torch.float32 if i % 4 == 1 else torch.float64,
        )


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("padding_mode", PADDING_MODES)
def test_shared_weights_equal_torch_module(ndim, method, padding_mode):
    gen = torch.Generator().manual_seed(0)
    conv = conv1d if ndim == 1 else conv2d
    spatial = (13,) if ndim == 1 else (11, 12)
    checked = 0
    for case in _grid(ndim):
        c_in, c_out, groups = case["channels"]
        dtype = case["dtype"]
        x = torch.randn(case["batch"], c_in, *spatial, generator=gen, dtype=dtype)
        weight = torch.randn(c_out, c_in // groups, *case["kernel"], generator=gen, dtype=dtype)
        bias = torch.randn(c_out, generator=gen, dtype=dtype)
        args = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"], groups=groups)
        with torch.no_grad():
            want = _torch_conv(ndim, weight, bias, padding_mode=padding_mode, **args)(x)
        got = conv(x, weight, bias, padding_mode=padding_mode, method=method, **args)
        assert got.shape == want.shape, case
        torch.testing.assert_close(got, want, **TOL[dtype], msg=lambda m, case=case: f"{case}: {m}")
        checked += 1
    assert checked >= 30


@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("padding_mode", PADDING_MODES)
def test_per_sample_weights_equal_a_loop_over_torch(ndim, method, padding_mode):
    """Per-sample weights ``(B, C_out, C_in/g, *K)`` and bias ``(B, C_out)``: one torch conv per sample."""
    gen = torch.Generator().manual_seed(1)
    conv = conv1d if ndim == 1 else conv2d
    spatial = (12,) if ndim == 1 else (9, 10)
    for i, case in enumerate(_grid(ndim)):
        if i % 3:
            continue  # a third of the grid: still every stride, dilation and padding
        c_in, c_out, groups = case["channels"]
        x = torch.randn(3, c_in, *spatial, generator=gen, dtype=torch.float64)
        weight = torch.randn(3, c_out, c_in // groups, *case["kernel"], generator=gen, dtype=torch.float64)
        bias = torch.randn(3, c_out, generator=gen, dtype=torch.float64)
        args = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"], groups=groups)
        with torch.no_grad():
            want = torch.cat(
                [_torch_conv(ndim, weight[b], bias[b], padding_mode=padding_mode, **args)(x[b : b + 1]) for b in range(3)]
            )
        got = conv(x, weight, bias, padding_mode=padding_mode, method=method, **args)
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10, msg=lambda m, case=case: f"{case}: {m}")


def _hand_padded(x, ndim, pads, fill):
    """Pad the last ``ndim`` axes by ``pads`` = [(left, right), ...] with F.pad (independent of anyconv)."""
    flat = [a for left_right in reversed(pads) for a in left_right]
    return F.pad(x, flat) if fill == "zeros" else F.pad(x, flat, mode=fill)


# (mode, left, right) for a dilated span k, written out again here
MODE_PADS = {
    "valid": lambda k: (0, 0),
    "same": lambda k: ((k - 1) // 2, k - 1 - (k - 1) // 2),
    "causal": lambda k: (k - 1, 0),
    "full": lambda k: (k - 1, k - 1),
}


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("mode", ["valid", "same", "causal", "full", "circular"])
@pytest.mark.parametrize("flip", [False, True])
def test_modes_pad_the_dilated_span_then_subsample(method, mode, flip):
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(2, 4, 14, generator=gen, dtype=torch.float64)
    for i, (stride, dilation) in enumerate(itertools.product([1, 2, 3], [1, 2, 3])):
        k = (3, 4)[i % 2]
        fill = "zeros" if mode == "circular" or i % 3 == 0 else ("reflect", "replicate")[i % 2]  # circular: refused
        w = torch.randn(6, 2, k, generator=gen, dtype=torch.float64)
        span = dilation * (k - 1) + 1
        left, right = MODE_PADS.get(mode, MODE_PADS["same"])(span)
        padded = _hand_padded(x, 1, [(left, right)], "circular" if mode == "circular" else fill)
        want = F.conv1d(padded, w.flip(-1) if flip else w, stride=stride, dilation=dilation, groups=2)
        got = conv1d(x, w, stride=stride, dilation=dilation, groups=2, mode=mode, padding_mode=fill, method=method, flip=flip)
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_mode_circular_wraps_a_dilated_kernel_longer_than_the_input(method):
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(1, 2, 5, generator=gen, dtype=torch.float64)
    w = torch.randn(2, 1, 4, generator=gen, dtype=torch.float64)  # span 3 * 3 + 1 = 10 > 5
    got = conv1d(x, w, dilation=3, groups=2, mode="circular", method=method)
    left, right = 4, 5
    tiled = torch.cat([x] * 5, dim=-1)[..., 10 - left : 10 + 5 + right]  # periodic extension by hand
    torch.testing.assert_close(got, F.conv1d(tiled, w, dilation=3, groups=2))


def test_positional_order_is_torchs():
    gen = torch.Generator().manual_seed(4)
    x, w, b = torch.randn(2, 4, 20, generator=gen), torch.randn(6, 2, 3, generator=gen), torch.randn(6, generator=gen)
    torch.testing.assert_close(conv1d(x, w, b, 2, 1, 3, 2), F.conv1d(x, w, b, 2, 1, 3, 2))
    x2, w2 = torch.randn(1, 4, 9, 8, generator=gen), torch.randn(4, 1, 3, 2, generator=gen)
    torch.testing.assert_close(conv2d(x2, w2, None, (2, 1), (1, 0), (1, 2), 4), F.conv2d(x2, w2, None, (2, 1), (1, 0), (1, 2), 4))


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("padding_mode", PADDING_MODES)
def test_gradcheck_with_stride_dilation_padding(method, padding_mode):
    gen = torch.Generator().manual_seed(5)
    for ndim, per_sample in ((1, False), (1, True), (2, padding_mode in ("zeros", "reflect"))):
        spatial, kernel = ((7,), (2,)) if ndim == 1 else ((4, 5), (2, 2))
        x = torch.randn(2, 2, *spatial, generator=gen, dtype=torch.float64, requires_grad=True)
        shape = (2, 1, *kernel)
        w = torch.randn((2, *shape) if per_sample else shape, generator=gen, dtype=torch.float64, requires_grad=True)
        b = torch.randn(2, generator=gen, dtype=torch.float64, requires_grad=True)
        conv = conv1d if ndim == 1 else conv2d
        torch.autograd.gradcheck(
            lambda a, c, d, conv=conv: conv(
                a, c, d, stride=2, padding=1, dilation=2, groups=2, padding_mode=padding_mode, method=method
            ),
            (x, w, b),
            fast_mode=True,
        )


def _ok():
    return torch.randn(2, 4, 10), torch.randn(4, 4, 3)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(mode="same", padding=1), r"either mode= .* or padding= .*got mode='same' and padding=1"),
        (dict(mode="valid", padding=0), r"not both"),
        (dict(stride=0), r"stride must be a positive int .*got 0"),
        (dict(stride=1.5), r"stride must be a positive int .*got 1.5"),
        (dict(stride=(1, 2)), r"stride must be .*tuple of 1 positive ints, got \(1, 2\)"),
        (dict(stride=True), r"stride must be a positive int.*got True"),
        (dict(dilation=-1), r"dilation must be a positive int .*got -1"),
        (dict(padding=-2), r"padding must be a non-negative int .*got -2"),
        (dict(padding="full"), r"padding must be 'same', 'valid', an int .*got 'full'"),
        (dict(padding="same", stride=2), r"padding='same' is not supported with stride=2"),
        (dict(padding_mode="reflct"), r"padding_mode must be one of .*did you mean 'reflect'"),
        (dict(mode="circular", padding_mode="reflect"), r"mode='circular' .* padding_mode='reflect'"),
        (dict(padding=10, padding_mode="reflect"), r"reflect' needs each padding < the input size.*\(10, 10\)"),
        (dict(padding=0, dilation=5), r"padding=\(0,\) needs kernel sizes \(3,\) \(dilated spans \(11,\)\)"),
    ],
)
def test_errors_name_the_bad_value(kwargs, match):
    for method in ("direct", "fft"):
        with pytest.raises(ValueError, match=match):
            conv1d(*_ok(), method=method, **kwargs)


def test_2d_errors_name_the_axis_count():
    x, w = torch.randn(1, 2, 6, 6), torch.randn(2, 2, 3, 3)
    with pytest.raises(ValueError, match=r"conv2d: dilation must be .*tuple of 2 positive ints, got \(1, 2, 3\)"):
        conv2d(x, w, dilation=(1, 2, 3))
    with pytest.raises(ValueError, match=r"conv2d: padding must be .*got \(1,\)"):
        conv2d(x, w, padding=(1,))


@pytest.mark.parametrize("method", ["direct", "fft", "auto"])
@pytest.mark.parametrize("per_sample", [False, True], ids=["shared", "per-sample"])
def test_empty_batch_has_torchs_output_size(method, per_sample):
    x = torch.randn(0, 4, 11, 9)
    w = torch.randn(*((0,) if per_sample else ()), 6, 2, 3, 2)
    args = dict(stride=(2, 3), padding=(1, 0), dilation=(2, 1), groups=2)
    got = conv2d(x, w, None, padding_mode="reflect", method=method, **args)
    want = F.conv2d(torch.randn(1, 4, 11, 9), torch.randn(6, 2, 3, 2), **args)
    assert got.shape == (0, *want.shape[1:])
