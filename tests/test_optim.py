"""param_groups honours per-parameter hints and the usual no-decay rule for 1-D parameters."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import anyconv


class _Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.filter = nn.Parameter(torch.zeros(4, 16))
        self.frozen = nn.Parameter(torch.zeros(3), requires_grad=False)
        anyconv.set_optim_hints(self.filter, lr=1e-4, weight_decay=0.0)


def test_groups_follow_hints():
    model = _Tiny()
    groups = anyconv.param_groups(model, lr=1e-2, weight_decay=0.1)
    by_name = {name: (g["lr"], g["weight_decay"]) for g in groups for name in g["names"]}
    assert by_name == {"proj.weight": (1e-2, 0.1), "proj.bias": (1e-2, 0.0), "filter": (1e-4, 0.0)}
    optimizer = torch.optim.AdamW(groups)  # accepted by a real optimizer, extra keys included
    assert sum(len(g["params"]) for g in optimizer.param_groups) == 3


def test_lr_scale_and_decay_1d():
    model = nn.Linear(2, 2)
    anyconv.set_optim_hints(model.weight, lr_scale=0.5)
    groups = anyconv.param_groups(model, lr=1e-2, weight_decay=0.1, decay_1d=True)
    by_name = {name: (g["lr"], g["weight_decay"]) for g in groups for name in g["names"]}
    assert by_name == {"weight": (5e-3, 0.1), "bias": (1e-2, 0.1)}


def test_bad_hints():
    p = nn.Parameter(torch.zeros(2))
    with pytest.raises(ValueError, match="lr or lr_scale, not both"):
        anyconv.set_optim_hints(p, lr=1.0, lr_scale=1.0)
    with pytest.raises(ValueError, match="weight_decay must be >= 0, got -1"):
        anyconv.set_optim_hints(p, weight_decay=-1)
