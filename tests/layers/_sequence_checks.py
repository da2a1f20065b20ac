"""Checks shared by the sequence-layer tests: engine agreement, causality, bidirectionality."""

from __future__ import annotations

import torch
from torch import nn


def engines_agree(layer: nn.Module, x: torch.Tensor) -> None:
    """``method="direct"`` and ``method="fft"`` give the same output (float64, eval mode)."""
    layer.eval()
    outputs = {}
    for method in ("direct", "fft"):
        layer.method = method
        outputs[method] = layer(x)
        assert layer.engine == method
    torch.testing.assert_close(outputs["direct"], outputs["fft"], rtol=1e-9, atol=1e-10)


def perturb_future(layer: nn.Module, x: torch.Tensor, t: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Outputs before ``t`` for ``x`` and for ``x`` with ``x[..., t:]`` replaced by noise."""
    layer.eval()
    changed = x.clone()
    changed[..., t:] = torch.randn_like(changed[..., t:]) * 3
    return layer(x)[..., :t], layer(changed)[..., :t]


def assert_causal(layer: nn.Module, x: torch.Tensor) -> None:
    for t in (1, x.shape[-1] // 2, x.shape[-1] - 1):
        before, after = perturb_future(layer, x, t)
        torch.testing.assert_close(before, after, rtol=0, atol=1e-12)


def assert_uses_future(layer: nn.Module, x: torch.Tensor) -> None:
    """Changing the future changes the past outputs, and not only next to the border."""
    t = x.shape[-1] // 2
    before, after = perturb_future(layer, x, t)
    assert (before - after).abs().amax() > 1e-6
    # the first output must also see the perturbed half: a long two-sided kernel reaches it
    assert (before[..., 0] - after[..., 0]).abs().amax() > 1e-9
