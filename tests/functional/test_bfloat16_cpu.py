"""bfloat16 on the CPU: the direct engine must be right where torch 2.13's own ``conv1d`` is not.

torch 2.13's CPU bfloat16 ``F.conv1d`` returns wrong values (relative error ≈ 1) for dense
kernels once ``C_in/groups · K`` reaches about 64; the engine routes 1-D bfloat16 through
``conv2d``. The oracle is float64 on the bfloat16-rounded operands, so only the accumulation
differs; bfloat16 keeps 8 bits of mantissa, hence the 2 % bound.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from anyconv.functional import conv1d


@pytest.mark.parametrize(("c_in", "k", "groups", "stride", "dilation"),
                         [(4, 16, 1, 1, 1), (8, 31, 1, 2, 2), (16, 16, 2, 1, 1), (4, 16, 4, 1, 2), (64, 3, 1, 1, 1)])
def test_direct_bfloat16_conv1d_matches_float64(c_in, k, groups, stride, dilation):
    torch.manual_seed(0)
    x = torch.randn(2, c_in, 90).bfloat16()
    c_out = 6 if groups == 1 else c_in
    w = torch.randn(c_out, c_in // groups, k).bfloat16()
    bias = torch.randn(c_out).bfloat16()
    ref = F.conv1d(x.double(), w.double(), bias.double(), stride=stride, padding=3, dilation=dilation, groups=groups)
    y = conv1d(x, w, bias, stride=stride, padding=3, dilation=dilation, groups=groups, method="direct")
    assert y.dtype == torch.bfloat16 and y.shape == ref.shape
    assert float((y.double() - ref).norm() / ref.norm()) < 0.02


def test_direct_bfloat16_per_sample_and_modes():
    torch.manual_seed(1)
    x = torch.randn(3, 8, 40).bfloat16()
    w = torch.randn(3, 5, 8, 12).bfloat16()  # one dense bank per example: C_in·K = 96
    for mode in ("causal", "same", "full"):
        y = conv1d(x, w, mode=mode, method="direct")
        ref = torch.stack([conv1d(x[b:b + 1].double(), w[b].double(), mode=mode, method="direct")[0] for b in range(3)])
        assert float((y.double() - ref).norm() / ref.norm()) < 0.02, mode
