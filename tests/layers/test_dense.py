"""The dense baseline layers equal torch's Conv1d/Conv2d and report the engine that ran."""

from __future__ import annotations

import pytest
import torch

import anyconv


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_conv1d_layer_equals_torch(method):
    torch.manual_seed(0)
    ours = anyconv.Conv1d(4, 6, 5, groups=2, mode="same", method=method, dtype=torch.float64)
    ref = torch.nn.Conv1d(4, 6, 5, groups=2, padding="same", dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(ours.kernel.weight)
        ref.bias.copy_(ours.bias)
    x = torch.randn(3, 4, 20, dtype=torch.float64)
    torch.testing.assert_close(ours(x), ref(x))
    assert ours.engine == method


def test_conv2d_layer_equals_torch_and_auto_reports_engine():
    torch.manual_seed(0)
    ours = anyconv.Conv2d(3, 5, (3, 4), mode="valid", dtype=torch.float64)
    ref = torch.nn.Conv2d(3, 5, (3, 4), dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(ours.kernel.weight)
        ref.bias.copy_(ours.bias)
    x = torch.randn(2, 3, 8, 9, dtype=torch.float64)
    assert ours.engine is None
    torch.testing.assert_close(ours(x), ref(x))
    assert ours.engine == "direct"  # a 3x4 kernel is far below the measured 2-D crossover


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
