"""param_groups honours per-parameter hints and the usual no-decay rule for 1-D parameters."""

from __future__ import annotations

import copy
import io

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


def _summary(groups):
    """Each group as (lr, weight_decay, sorted member names): comparable across model copies."""
    return sorted((g["lr"], g["weight_decay"], tuple(sorted(g["names"]))) for g in groups)


def _layers():
    from anyconv.layers import HyenaOperator1d, LongConv1d, SGConv1d

    return [
        LongConv1d(4, 16, kernel_lr=5e-4),
        SGConv1d(4, 32, kernel_dim=4, kernel_lr=2e-3),
        HyenaOperator1d(4, 16, filter_width=8, filter_lr=3e-4),
    ]


def _hinted(groups):
    return [g for g in groups if g["lr"] != 1e-2]


@pytest.mark.parametrize("index", [0, 1, 2], ids=["longconv1d", "sgconv1d", "hyena1d"])
def test_hints_survive_deepcopy(index):
    layer = _layers()[index]
    want = _summary(anyconv.param_groups(layer, lr=1e-2, weight_decay=0.1))
    assert _hinted(anyconv.param_groups(layer, lr=1e-2, weight_decay=0.1))  # the layer does hint something
    twin = copy.deepcopy(layer)
    assert _summary(anyconv.param_groups(twin, lr=1e-2, weight_decay=0.1)) == want
    # the copy's groups hold the copy's parameters, not the original's
    copied = {id(p) for g in anyconv.param_groups(twin, lr=1e-2) for p in g["params"]}
    assert copied == {id(p) for p in twin.parameters()}


@pytest.mark.parametrize("index", [0, 1, 2], ids=["longconv1d", "sgconv1d", "hyena1d"])
def test_hints_survive_state_dict_and_save_load(index):
    layer = _layers()[index]
    want = _summary(anyconv.param_groups(layer, lr=1e-2, weight_decay=0.1))
    fresh = _layers()[index]
    fresh.load_state_dict(layer.state_dict())
    assert _summary(anyconv.param_groups(fresh, lr=1e-2, weight_decay=0.1)) == want
    buffer = io.BytesIO()
    torch.save(layer, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    assert _summary(anyconv.param_groups(loaded, lr=1e-2, weight_decay=0.1)) == want


def test_get_optim_hints_old_and_new_calls():
    layer = _layers()[0]
    param = layer.kernel.kernel
    assert anyconv.get_optim_hints(param) == {"lr": 5e-4, "weight_decay": 0.0}  # the old call, unchanged
    twin = copy.deepcopy(layer)
    assert anyconv.get_optim_hints(twin.kernel.kernel, twin) == {"lr": 5e-4, "weight_decay": 0.0}
    assert anyconv.get_optim_hints(twin.output_linear.weight, twin) == {}


def test_module_form_keeps_hints_through_deepcopy():
    model = _Tiny()
    anyconv.set_optim_hints(model, "proj.weight", lr_scale=0.1)
    twin = copy.deepcopy(model)
    by_name = {n: (g["lr"], g["weight_decay"]) for g in anyconv.param_groups(twin, lr=1e-2, weight_decay=0.1) for n in g["names"]}
    assert by_name["proj.weight"] == (1e-3, 0.1)


def test_module_form_errors():
    model = _Tiny()
    with pytest.raises(ValueError, match=r"no parameter named 'proj.weights'.*'proj.weight'"):
        anyconv.set_optim_hints(model, "proj.weights", lr=1.0)
    with pytest.raises(ValueError, match="needs the parameter's name"):
        anyconv.set_optim_hints(model, lr=1.0)
    with pytest.raises(ValueError, match="name is only used with a module"):
        anyconv.set_optim_hints(model.filter, "filter", lr=1.0)
