"""Baking: ``plain_conv``, the layers' ``bake`` and ``anyconv.bake(model, x)`` give plain modules
with the live outputs (float64, tight), and leave no kernel network behind."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

import anyconv
from anyconv.functional import conv1d, conv2d
from anyconv.layers import HyenaOperator1d, LongConv1d, SGConv1d, ShortConv1d
from anyconv.layers.baking import FixedKernel, bake, plain_conv
from anyconv.layers.base import KernelConv
from anyconv.models import build_model
from tests.models._helpers import denoise_spec, image_spec, tokens_spec

TIGHT = dict(rtol=1e-12, atol=1e-12)


def only_torch_modules(module: nn.Module) -> bool:
    return all(type(m).__module__.startswith("torch.nn") for m in module.modules())


def _plain_cases(ndim):
    """(boundary args, stride, dilation, flip, kernel) cycling over every mode and padding."""
    boundaries = [dict(mode=m) for m in ("valid", "same", "full", "circular")] + [
        dict(padding=1), dict(padding="same"), dict(padding=2, padding_mode="reflect"),
        dict(padding="same", padding_mode="replicate"), dict(mode="same", padding_mode="reflect"),
    ]
    if ndim == 1:
        boundaries.append(dict(mode="causal"))
        kernels = [(3,), (4,)]
    else:
        kernels = [(3, 3), (2, 3)]
    for i, (boundary, stride, dilation) in enumerate(itertools.product(boundaries, [1, 2], [1, 2])):
        if boundary.get("padding") == "same" and stride > 1:
            continue
        yield boundary, stride, dilation, bool(i % 3), kernels[(i // 2) % 2]  # even kernels meet dilation 1


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("ndim", [1, 2])
def test_plain_conv_is_torch_only_and_equals_the_engine(ndim):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 4, *((15,) if ndim == 1 else (9, 10)), generator=gen, dtype=torch.float64)
    conv = conv1d if ndim == 1 else conv2d
    sequential = 0
    for boundary, stride, dilation, flip, kernel in _plain_cases(ndim):
        w = torch.randn(6, 2, *kernel, generator=gen, dtype=torch.float64)
        b = torch.randn(6, generator=gen, dtype=torch.float64)
        module = plain_conv(w, b, ndim=ndim, stride=stride, dilation=dilation, groups=2, flip=flip, **boundary)
        assert only_torch_modules(module), module
        sequential += isinstance(module, nn.Sequential)
        want = conv(x, w, b, stride=stride, dilation=dilation, groups=2, flip=flip, method="direct", **boundary)
        with torch.no_grad():
            torch.testing.assert_close(module(x), want, **TIGHT, msg=lambda m, a=(boundary, stride, dilation, flip, kernel): f"{a}: {m}")
    assert sequential > 0  # the asymmetric cases went through a torch padding module


def test_plain_conv_keeps_long_kernels_on_the_fft_engine():
    gen = torch.Generator().manual_seed(1)
    w = torch.randn(4, 1, 1023, generator=gen, dtype=torch.float64)
    x = torch.randn(1, 4, 4096, generator=gen, dtype=torch.float64)
    module = plain_conv(w, None, ndim=1, mode="causal", groups=4, flip=True, sizes=(4096,))
    assert isinstance(module, anyconv.Conv1d) and not any(p.requires_grad for p in module.parameters())
    with torch.no_grad():
        torch.testing.assert_close(module(x), conv1d(x, w, mode="causal", groups=4, flip=True, method="direct"))
    assert module.engine == "fft"
    assert only_torch_modules(plain_conv(w, None, ndim=1, mode="causal", groups=4, flip=True, method="direct"))
    short = plain_conv(w[..., :7], None, ndim=1, mode="causal", groups=4, sizes=(4096,))
    assert only_torch_modules(short)


def test_plain_conv_errors():
    w = torch.randn(2, 2, 3)
    with pytest.raises(ValueError, match="either mode= or padding=, not both"):
        plain_conv(w, None, ndim=1, mode="same", padding=1)
    with pytest.raises(ValueError, match=r"weight must have shape \(C_out, C_in/groups, \*K\) \(4-D\)"):
        plain_conv(w, None, ndim=2)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
def test_dense_layers_bake_to_torch_convs():
    torch.manual_seed(2)
    x1, x2 = torch.randn(2, 4, 17, dtype=torch.float64), torch.randn(2, 4, 9, 8, dtype=torch.float64)
    layers = [
        (anyconv.Conv1d(4, 6, 3, 2, 1, 2, 2, True, "reflect", dtype=torch.float64), x1),
        (anyconv.Conv1d(4, 6, 4, mode="causal", flip=True, dtype=torch.float64), x1),
        (anyconv.Conv1d(4, 4, 4, mode="same", groups=4, bias=False, dtype=torch.float64), x1),
        (anyconv.Conv2d(4, 6, (3, 2), (1, 2), "valid", 1, 2, dtype=torch.float64), x2),
        (anyconv.Conv2d(4, 6, 4, mode="circular", dtype=torch.float64), x2),
    ]
    for layer, x in layers:
        baked = layer.bake(*x.shape[2:])
        assert only_torch_modules(baked), baked
        assert sum(p.numel() for p in baked.parameters()) == sum(p.numel() for p in layer.parameters())
        with torch.no_grad():
            torch.testing.assert_close(baked(x), layer(x), **TIGHT)


@pytest.mark.parametrize(
    "make",
    [
        lambda: LongConv1d(4, 24, bidirectional=True),
        lambda: SGConv1d(4, 24, kernel_dim=4),
        lambda: ShortConv1d(4, 24, heads=2),
        lambda: HyenaOperator1d(4, 24, filter_width=8, order=3),
    ],
    ids=["longconv1d", "sgconv1d", "shortconv1d", "hyena1d"],
)
def test_sequence_layers_bake_their_kernels(make):
    torch.manual_seed(3)
    layer = make().double()
    layer.train()  # kernel dropout active in training: baking must use the eval-mode kernel
    x = torch.randn(2, 4, 24, dtype=torch.float64)
    baked = layer.bake(24).eval()
    assert isinstance(baked.kernel, FixedKernel) and not list(baked.kernel.parameters())
    assert baked is not layer and isinstance(layer.kernel, nn.Module) and not isinstance(layer.kernel, FixedKernel)
    with torch.no_grad():
        torch.testing.assert_close(baked(x), layer.eval()(x), **TIGHT)
    assert sum(p.numel() for p in baked.parameters()) < sum(p.numel() for p in layer.parameters()) or isinstance(layer, ShortConv1d)
    if isinstance(layer, HyenaOperator1d):
        assert only_torch_modules(baked.short_filter)
    if not isinstance(layer, ShortConv1d):
        with pytest.raises(ValueError, match="baked for length 24, got a request for length 12"):
            baked(x[..., :12])
    repr(baked)  # the layer's extra_repr still reads its kernel's settings


@pytest.mark.parametrize(
    "spec,layer,options",
    [
        (image_spec(channels=1, size=8), "conv2d", {}),
        (denoise_spec(channels=1, size=8), "conv2d", {}),
        (tokens_spec(seq_len=16), "conv1d", {}),
        (tokens_spec(seq_len=16), "hyena1d", {}),
    ],
    ids=["classifier-conv2d", "dncnn-conv2d", "mixer-conv1d", "sequence-hyena1d"],
)
def test_bake_a_whole_model(spec, layer, options):
    torch.manual_seed(4)
    model = build_model(spec, layer, dtype=torch.float64, **options)
    gen = torch.Generator().manual_seed(5)
    x = (torch.randint(spec.vocab_size, (3, *spec.input_shape), generator=gen) if spec.input_kind == "tokens"
         else torch.randn(3, *spec.input_shape, generator=gen, dtype=torch.float64))
    model.train()
    norms = {n: b.clone() for n, b in model.named_buffers()}
    baked = bake(model, x)
    for name, buffer in model.named_buffers():  # the example forward ran in eval mode on a copy
        assert torch.equal(buffer, norms[name]), name
    assert baked.training and all(m.training for m in model.modules())
    assert any(isinstance(m, KernelConv) for m in model.modules())  # the live model is untouched
    model.eval()
    baked.eval()
    with torch.no_grad():
        torch.testing.assert_close(baked(x), model(x), **TIGHT)
    if layer in ("conv2d", "conv1d"):
        assert not any(type(m).__module__.startswith("anyconv.layers") for m in baked.modules()), baked
    else:  # the implicit filter network is gone
        assert not any(isinstance(m, anyconv.HyenaFilter) for m in baked.modules())
        assert all(isinstance(m.kernel, FixedKernel) for m in baked.modules() if isinstance(m, HyenaOperator1d))


class _DataDependent(nn.Module):
    data_dependent = True

    def __init__(self) -> None:
        super().__init__()
        self.conv = anyconv.Conv1d(2, 2, 3, mode="same")

    def forward(self, x):
        return self.conv(x)

    def bake(self, x):  # analysis-only, as CondConv/DynamicConv/Orchid
        raise AssertionError("anyconv.bake must not call a data-dependent layer's bake")


class _WithUnused(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(_DataDependent(), anyconv.Conv1d(2, 2, 3, mode="same"))
        self.unused = anyconv.Conv1d(2, 2, 3)

    def forward(self, x):
        return self.body(x)


def test_bake_leaves_data_dependent_layers_and_unreached_layers_alone():
    model = _WithUnused()
    baked = bake(model, torch.randn(1, 2, 8))
    assert isinstance(baked.body[0], _DataDependent) and isinstance(baked.body[0].conv, anyconv.Conv1d)  # not entered
    assert isinstance(baked.body[1], nn.Conv1d) and isinstance(baked.unused, anyconv.Conv1d)  # unreached: as it was


def test_a_layer_used_at_two_sizes_cannot_be_baked():
    conv = anyconv.Conv1d(2, 2, 3, mode="same")

    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = conv

        def forward(self, x):
            return self.conv(x) + self.conv(x[..., ::2]).repeat_interleave(2, dim=-1)

    with pytest.raises(ValueError, match=r"layer conv \(Conv1d\) ran at several input sizes"):
        bake(Twice(), torch.randn(1, 2, 8))
