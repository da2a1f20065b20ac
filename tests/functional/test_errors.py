"""Bad input gets a clear error that says what was expected and what was got."""

from __future__ import annotations

import pytest
import torch

from anyconv.functional import conv1d, conv2d


def _ok():
    return torch.randn(2, 4, 10), torch.randn(4, 4, 3)


@pytest.mark.parametrize(
    "make,error,match",
    [
        (lambda: conv1d(torch.randn(4, 10), torch.randn(4, 4, 3)), ValueError, r"\(B, C_in, L\).*got shape \(4, 10\)"),
        (lambda: conv1d(torch.randn(2, 4, 10), torch.randn(4, 3)), ValueError, r"weight must have shape"),
        (lambda: conv1d(torch.randn(2, 4, 10), torch.randn(4, 3, 3)), ValueError, r"C_in/groups=3 .* C_in=4"),
        (lambda: conv1d(torch.randn(2, 4, 10), torch.randn(5, 2, 3), groups=2), ValueError, r"C_out=5 .* groups=2"),
        (lambda: conv1d(torch.randn(2, 5, 10), torch.randn(4, 2, 3), groups=2), ValueError, r"C_in=5 is not divisible"),
        (lambda: conv1d(torch.randn(2, 4, 10), torch.randn(3, 4, 1, 3), groups=4), ValueError, r"per-sample weight has batch 3 but x has batch 2"),
        (lambda: conv1d(*_ok(), mode="casual"), ValueError, r"did you mean 'causal'"),
        (lambda: conv1d(*_ok(), method="fast"), ValueError, r"method must be one of"),
        (lambda: conv1d(*_ok(), groups=0), ValueError, r"groups must be a positive int"),
        (lambda: conv1d(torch.randn(2, 4, 3), torch.randn(4, 4, 5), mode="valid"), ValueError, r"valid.*kernel sizes"),
        (lambda: conv1d(torch.randn(2, 4, 10), torch.randn(4, 4, 3, dtype=torch.float64)), TypeError, r"dtype torch.float64 differs"),
        (lambda: conv1d(torch.ones(2, 4, 10, dtype=torch.int64), torch.ones(4, 4, 3, dtype=torch.int64)), TypeError, r"floating-point"),
        (lambda: conv1d([[1.0]], torch.randn(4, 4, 3)), TypeError, r"must be a torch.Tensor, got list"),
        (lambda: conv1d(torch.randn(2, 4, 10), torch.randn(4, 4, 3), torch.randn(5)), ValueError, r"bias must have shape \(4,\)"),
        (lambda: conv2d(torch.randn(2, 4, 8, 8), torch.randn(4, 4, 3, 3), mode="causal"), ValueError, r"only defined for 1-D"),
        (lambda: conv2d(torch.randn(2, 4, 8), torch.randn(4, 4, 3, 3)), ValueError, r"\(B, C_in, H, W\)"),
    ],
)
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_fft_rejects_non_finite_input(bad):
    x, w = _ok()
    x[0, 0, 3] = bad
    with pytest.raises(ValueError, match="NaN or inf"):
        conv1d(x, w, method="fft")
    w2 = w.clone()
    w2[0, 0, 0] = bad
    with pytest.raises(ValueError, match="weight contains NaN or inf"):
        conv1d(_ok()[0], w2, method="fft")


def test_direct_keeps_non_finite_values_local():
    """The direct engine propagates a NaN only to the outputs that read it, like torch."""
    x, w = _ok()
    x[0, 0, 0] = float("nan")
    y = conv1d(x, w, mode="causal", method="direct")
    assert torch.isnan(y[0, :, :3]).all() and torch.isfinite(y[0, :, 3:]).all() and torch.isfinite(y[1]).all()


def test_mixed_dtypes_outside_autocast_are_rejected():
    x, w = torch.randn(1, 2, 8, dtype=torch.bfloat16), torch.randn(2, 2, 3)
    with pytest.raises(TypeError, match=r"weight dtype torch\.float32 differs from x dtype torch\.bfloat16"):
        conv1d(x, w, method="fft")
