"""DilatedReparamConv2d: UniRepLKNet's branch table, training/eval/re-parameterized forms vs explicit references."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from anyconv.layers import DilatedReparamConv2d
from anyconv.layers.dilated_reparam import BRANCH_TABLE
from tests.layers._reparam_checks import D64, eval_reference, hand_built_kernel, move_statistics, train_reference


def _layer(kernel_size: int, **kwargs) -> DilatedReparamConv2d:
    torch.manual_seed(kernel_size)
    layer = DilatedReparamConv2d(3, kernel_size, dtype=D64, **kwargs)
    move_statistics(layer, size=12)
    return layer.eval()


def test_branch_table_is_unireplknets():
    # UniRepLKNet's DilatedReparamBlock: kernel_sizes / dilates per large kernel size
    reference = {
        17: ([5, 9, 3, 3, 3], [1, 2, 4, 5, 7]),
        15: ([5, 7, 3, 3, 3], [1, 2, 3, 5, 7]),
        13: ([5, 7, 3, 3, 3], [1, 2, 3, 4, 5]),
        11: ([5, 5, 3, 3, 3], [1, 2, 3, 4, 5]),
        9: ([5, 5, 3, 3], [1, 2, 3, 4]),
        7: ([5, 3, 3], [1, 2, 3]),
        5: ([3, 3], [1, 2]),
    }
    for size, (ks, rs) in reference.items():
        assert BRANCH_TABLE[size] == tuple(zip(ks, rs))
        layer = DilatedReparamConv2d(2, size)
        assert [(b.kernel_size, b.dilation) for b in layer.branches] == [(size, 1), *zip(ks, rs)]
        assert max(b.footprint for b in layer.branches) == size
    assert [(b.kernel_size, b.dilation) for b in DilatedReparamConv2d(2, 3).branches] == [(3, 1)]


@pytest.mark.parametrize(("padding_mode", "stride"), [("zeros", 1), ("zeros", 2), ("reflect", 2), ("replicate", 1), ("circular", 2)])
@pytest.mark.parametrize("kernel_size", [3, 5, 7, 9, 11])
def test_eval_equals_conv2d_on_the_hand_built_kernel(kernel_size, padding_mode, stride):
    layer = _layer(kernel_size, padding_mode=padding_mode, stride=stride)
    x = torch.randn(2, 3, 13, 12, dtype=D64)
    with torch.no_grad():
        got = layer(x)
        torch.testing.assert_close(got, eval_reference(layer, x), rtol=1e-12, atol=1e-12)
    assert got.shape == (2, 3, (13 - 1) // stride + 1, (12 - 1) // stride + 1)


def test_custom_branches_equal_the_hand_built_kernel():
    layer = _layer(9, branches=[(1, 1), (3, 4), (5, 2), (3, 1)], padding_mode="reflect")
    assert [(b.kernel_size, b.dilation) for b in layer.branches] == [(9, 1), (1, 1), (3, 4), (5, 2), (3, 1)]
    x = torch.randn(2, 3, 11, 12, dtype=D64)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), eval_reference(layer, x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel_size", [7, 11])
def test_train_form_is_the_sum_of_dilated_conv_bn_branches(kernel_size):
    layer = _layer(kernel_size, padding_mode="replicate").train()
    x = torch.randn(4, 3, 12, 12, dtype=D64)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), train_reference(layer, x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("padding_mode", "stride"), [("zeros", 1), ("circular", 2)])
def test_reparameterize_and_bake_keep_eval_outputs(padding_mode, stride):
    layer = _layer(11, padding_mode=padding_mode, stride=stride)
    x = torch.randn(2, 3, 12, 13, dtype=D64)
    with torch.no_grad():
        before = layer(x)
        for got, want in zip(layer.fused_kernel(), hand_built_kernel(layer)):
            torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
        baked = layer.bake(12, 13)
        assert type(baked) is nn.Conv2d and baked.kernel_size == (11, 11) and baked.groups == 3
        torch.testing.assert_close(baked(x), before, rtol=1e-12, atol=1e-12)
        layer.reparameterize()
        assert layer.reparameterized and sorted(layer.state_dict()) == ["bias", "weight"]
        torch.testing.assert_close(layer(x), before, rtol=1e-12, atol=1e-12)


def test_gradcheck_train_and_eval():
    torch.manual_seed(0)
    layer = DilatedReparamConv2d(1, 5, dtype=D64)  # branches (3, 1), (3, 2)
    move_statistics(layer, size=6)
    x = torch.randn(2, 1, 5, 6, dtype=D64, requires_grad=True)
    names, params = zip(*layer.named_parameters())

    def run(x, *p):
        return torch.func.functional_call(layer, dict(zip(names, p)), (x,))

    for train in (False, True):
        layer.train(train)
        assert torch.autograd.gradcheck(run, (x, *params))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(kernel_size=6), r"kernel_size must be an odd int >= 1, got 6"),
        (dict(kernel_size=19), r"no default branches for kernel_size=19 .*pass branches="),
        (dict(kernel_size=7, branches=[(3, 4)]), r"branch \(kernel_size=3, dilation=4\) covers 9 pixels, more than kernel_size=7"),
        (dict(kernel_size=7, branches=[(4, 1)]), r"a branch's kernel_size must be an odd int >= 1, got 4"),
        (dict(kernel_size=7, branches=[(3, 0)]), r"a branch's dilation must be an int >= 1, got 0"),
        (dict(kernel_size=7, branches=[3]), r"each branch must be a \(kernel_size, dilation\) pair, got 3"),
        (dict(kernel_size=7, branches="3,1"), r"branches must be a sequence of \(kernel_size, dilation\) pairs"),
        (dict(kernel_size=7, padding_mode="symmetric"), r"padding_mode must be one of"),
    ],
)
def test_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DilatedReparamConv2d(2, **kwargs)
