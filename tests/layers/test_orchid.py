"""Orchid: a slow reference of the causal block, causality with the data-dependent kernel on,
circular shift equivariance, batch independence, data dependence, gradcheck and errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from anyconv.layers import Orchid, create
from tests.kernels.test_orchid_conditioning import _ref_type2_causal
from tests.layers._sequence_checks import engines_agree

D64 = torch.float64


def _layer(mode: str = "causal", conditioning: str = "type2", channels: int = 3, seq_len: int = 16, **kw) -> Orchid:
    torch.manual_seed(0)
    layer = Orchid(channels, seq_len, mode=mode, conditioning=conditioning, filter_width=8, dtype=D64, **kw).eval()
    with torch.no_grad():  # non-trivial LayerNorm affines in the conditioning network
        if layer.kernel is not None:
            for p in layer.kernel.parameters():
                p.add_(0.3 * torch.randn_like(p))
    return layer


def _reference_causal_type2(layer: Orchid, x: torch.Tensor) -> torch.Tensor:
    """The causal block written out: torch convs for the projections and the short conv, a
    Python loop for the global convolution, and the kernel of output ``t`` in block ``c``: the
    static kernel plus the first ``b + 1`` lags of the kernel computed from the *truncated* input
    ``u[..., :c·b]`` (no masks) by the correlation oracle."""
    c, length = layer.channels, x.shape[-1]
    u = F.conv1d(x, layer.in_proj.weight, layer.in_proj.bias)  # (B, 3C, L)
    k = layer.short_filter_size
    s = F.conv1d(F.pad(u, (k - 1, 0)), layer.short_filter.kernel.weight, layer.short_filter.bias, groups=3 * c)
    x0, x1, v = s.split(c, dim=1)
    z = x1 * v  # (B, C, L)
    static = torch.zeros(c, length, dtype=x.dtype)
    n = min(length, layer.seq_len)
    static[:, :n] = layer.static.filter(n).t()  # (C, L): lags 0..L-1
    out = torch.zeros_like(z)
    kernels: dict[int, torch.Tensor] = {0: static.expand(x.shape[0], c, length)}  # block start → (B, C, L)
    for t in range(length):
        start = (t // layer.block_size) * layer.block_size
        if start not in kernels:
            dynamic = _ref_type2_causal(layer.kernel, u[:, 2 * c :, :start], length)  # (B, C, L): every lag
            dynamic[..., layer.block_size + 1 :] = 0  # the construction keeps lags 0 .. b
            kernels[start] = static + dynamic
        h = kernels[start]
        out[..., t] = sum(h[..., s_] * z[..., t - s_] for s_ in range(t + 1))
    out = out + z * layer.D[:, None]
    return F.conv1d(x0 * out, layer.out_proj.weight, layer.out_proj.bias)


@pytest.mark.parametrize(("num_blocks", "length"), [(4, 11), (2, 11), (2, 16), (4, 20)])
def test_causal_type2_matches_slow_reference(num_blocks, length):
    # blocks of 4 or 8; the last one partial (11), whole (16: the window is the whole input), or
    # an input longer than seq_len (20: more blocks than num_blocks, the static kernel cut at 16 lags)
    layer = _layer(seq_len=16, num_blocks=num_blocks)
    x = torch.randn(2, 3, length, dtype=D64)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), _reference_causal_type2(layer, x), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("conditioning", ["type1", "type2"])
def test_causal_mode_is_causal_with_the_dynamic_kernel_on(conditioning):
    layer = _layer(conditioning=conditioning, seq_len=16, num_blocks=4)  # blocks of 4: boundaries 4, 8, 12
    x = torch.randn(2, 3, 16, dtype=D64)
    with torch.no_grad():
        y = layer(x)
        for t in (1, 3, 4, 5, 8, 12, 15):
            changed = x.clone()
            changed[..., t:] = 5 * torch.randn(2, 3, 16 - t, dtype=D64)
            y2 = layer(changed)
            torch.testing.assert_close(y2[..., :t], y[..., :t], rtol=0, atol=1e-12)
            assert (y2[..., t] - y[..., t]).abs().amax() > 1e-9
        # the dynamic part is on: an input change in block 0 changes the kernels of the later blocks
        early = x.clone()
        early[..., :2] += 1.0
        w, w2 = layer.global_weights(layer.in_proj(x)[:, 6:]), layer.global_weights(layer.in_proj(early)[:, 6:])
        assert len(w) == 4 and [k.shape[-1] for k in w] == [4, 8, 12, 16]
        assert all((b - a).abs().amax() > 1e-6 for a, b in zip(w[1:], w2[1:], strict=True))


def test_default_two_blocks_are_causal_and_the_second_half_kernel_reads_the_first():
    layer = _layer(seq_len=16)  # num_blocks=2: blocks of 8, the second half's kernel from the first half
    assert layer.num_blocks == 2 and layer.block_size == 8
    x = torch.randn(2, 3, 16, dtype=D64)
    with torch.no_grad():
        y = layer(x)
        for t in (1, 7, 8, 9, 15):
            changed = x.clone()
            changed[..., t:] = 5 * torch.randn(2, 3, 16 - t, dtype=D64)
            torch.testing.assert_close(layer(changed)[..., :t], y[..., :t], rtol=0, atol=1e-12)
        early = x.clone()
        early[..., :2] += 1.0  # changes the second half's kernel: y[8:] moves beyond what the static part would
        static = _layer(seq_len=16, conditioning="none")
        static.load_state_dict({k: v for k, v in layer.state_dict().items() if not k.startswith("kernel.")})
        dynamic_part = (layer(early) - static(early)) - (layer(x) - static(x))
        assert dynamic_part[..., :8].abs().amax() == 0 and dynamic_part[..., 8:].abs().amax() > 1e-6


def test_prefix_gives_the_same_outputs_as_inside_a_longer_input():
    layer = _layer(conditioning="type1", seq_len=16, num_blocks=4)
    x = torch.randn(2, 3, 16, dtype=D64)
    with torch.no_grad():
        torch.testing.assert_close(layer(x[..., :10]), layer(x)[..., :10], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("conditioning", ["type1", "type2"])
def test_circular_mode_commutes_with_circular_shifts(conditioning):
    layer = _layer(mode="circular", conditioning=conditioning, seq_len=12)
    x = torch.randn(2, 3, 12, dtype=D64)
    with torch.no_grad():
        y = layer(x)
        for shift in (1, 4, 11):
            torch.testing.assert_close(layer(torch.roll(x, shift, -1)), torch.roll(y, shift, -1), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("mode", ["causal", "same", "circular"])
def test_batched_equals_each_example_alone(mode):
    layer = _layer(mode=mode, seq_len=12)
    x = torch.randn(3, 3, 12, dtype=D64)
    with torch.no_grad():
        batched = layer(x)
        for i in range(3):
            torch.testing.assert_close(batched[i : i + 1], layer(x[i : i + 1]), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["causal", "same", "circular"])
def test_direct_and_fft_engines_agree(mode):
    engines_agree(_layer(mode=mode, seq_len=12), torch.randn(2, 3, 12, dtype=D64))


def _zero_biases(layer: Orchid) -> None:
    with torch.no_grad():
        for name, p in layer.named_parameters():
            if name.endswith("bias"):
                p.zero_()


@pytest.mark.parametrize("mode", ["causal", "same", "circular"])
def test_genuinely_data_dependent(mode):
    layer = _layer(mode=mode, seq_len=12)
    _zero_biases(layer)
    x, other = torch.randn(2, 3, 12, dtype=D64), torch.randn(2, 3, 12, dtype=D64)
    with torch.no_grad():
        assert (layer(2 * x) - 2 * layer(x)).abs().amax() > 1e-3
        baked = layer.bake(x)  # kernels frozen at x's
        torch.testing.assert_close(baked(x), layer(x), rtol=0, atol=0)
        # on another input the frozen kernels give another output: the kernel is computed from the input
        assert (baked(other) - layer(other)).abs().amax() > 1e-4
        static = _layer(mode=mode, seq_len=12, conditioning="none")
        _zero_biases(static)
        assert (static.bake(x)(other) - static(other)).abs().amax() == 0  # the ablation is not


def test_gradcheck_tiny():
    for mode, conditioning in (("causal", "type2"), ("causal", "type1"), ("circular", "type2")):
        layer = _layer(mode=mode, conditioning=conditioning, channels=2, seq_len=5, num_blocks=2)
        x = torch.randn(1, 2, 5, dtype=D64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda inp, layer=layer: layer(inp), (x,), fast_mode=True)


def test_bidirectional_means_same_and_registry_builds_it():
    assert Orchid(4, 8, bidirectional=True).mode == "same"
    layer = create("orchid", 4, 8, bidirectional=True)
    assert layer.mode == "same" and layer.bidirectional
    assert Orchid(4, 8, mode="circular").bidirectional is False and Orchid.data_dependent


def test_errors_name_what_was_expected():
    layer = Orchid(4, 8)
    with pytest.raises(ValueError, match=r"\(B, 4, L\)"):
        layer(torch.randn(2, 3, 8))
    with pytest.raises(ValueError, match=r"\(B, 4, L\)"):
        layer(torch.randn(4, 8))
    with pytest.raises(ValueError, match="bidirectional=True means mode='same'"):
        Orchid(4, 8, mode="circular", bidirectional=True)
    with pytest.raises(ValueError, match="mode must be one of"):
        Orchid(4, 8, mode="full")
    with pytest.raises(ValueError, match="conditioning must be one of"):
        Orchid(4, 8, conditioning="type3")
    with pytest.raises(ValueError, match="num_blocks"):
        Orchid(4, 8, num_blocks=1)
    baked = layer.bake(torch.randn(2, 4, 8))
    with pytest.raises(ValueError, match="frozen for batch 2"):
        baked(torch.randn(3, 4, 8))
