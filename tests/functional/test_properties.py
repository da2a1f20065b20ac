"""Property-based check: for random shapes, the FFT engine equals the direct one (float64)."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from anyconv.functional import MODES, conv1d
from tests.reference import reference_conv


@settings(max_examples=60, deadline=None)
@given(
    batch=st.integers(1, 3),
    groups=st.integers(1, 3),
    in_per_group=st.integers(1, 2),
    out_per_group=st.integers(1, 2),
    length=st.integers(1, 40),
    k=st.integers(1, 50),
    mode=st.sampled_from(MODES),
    flip=st.booleans(),
    per_sample=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_fft_equals_reference(batch, groups, in_per_group, out_per_group, length, k, mode, flip, per_sample, seed):
    if mode == "valid" and k > length:
        return
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, groups * in_per_group, length, generator=gen, dtype=torch.float64)
    shape = (groups * out_per_group, in_per_group, k)
    w = torch.randn((batch, *shape) if per_sample else shape, generator=gen, dtype=torch.float64)
    got = conv1d(x, w, mode=mode, groups=groups, method="fft", flip=flip)
    want = reference_conv(x, w, None, mode=mode, groups=groups, flip=flip)
    torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    batch=st.integers(1, 2),
    groups=st.integers(1, 2),
    length=st.integers(1, 30),
    k=st.integers(1, 8),
    stride=st.integers(1, 3),
    dilation=st.integers(1, 4),
    padding=st.one_of(st.integers(0, 9), st.sampled_from(["same", "valid"])),
    padding_mode=st.sampled_from(["zeros", "reflect", "replicate", "circular"]),
    flip=st.booleans(),
    per_sample=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_fft_equals_direct_with_stride_dilation_padding(
    batch, groups, length, k, stride, dilation, padding, padding_mode, flip, per_sample, seed
):
    """Independent of any padding table: the two engines agree wherever the arguments are valid."""
    span = dilation * (k - 1) + 1
    pads = {"valid": 0, "same": span - 1}.get(padding, 2 * padding) if isinstance(padding, str) else 2 * padding
    if (padding == "same" and stride > 1) or length + pads < span:
        return
    if padding_mode == "reflect" and ((padding == "same" and span // 2 >= length) or (isinstance(padding, int) and padding >= length)):
        return
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 2 * groups, length, generator=gen, dtype=torch.float64)
    shape = (2 * groups, 2, k)
    w = torch.randn((batch, *shape) if per_sample else shape, generator=gen, dtype=torch.float64)
    args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, padding_mode=padding_mode, flip=flip)
    got = conv1d(x, w, method="fft", **args)
    torch.testing.assert_close(got, conv1d(x, w, method="direct", **args), rtol=1e-9, atol=1e-9)
