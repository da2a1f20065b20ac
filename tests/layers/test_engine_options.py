"""Layer-level engine options: the ``check_finite`` switch and ``torch.compile``."""

from __future__ import annotations

import pytest
import torch

from anyconv.layers import Conv1d, HyenaOperator1d, LongConv1d, SGConv1d


def test_layers_check_finite_by_default_and_can_opt_out():
    torch.manual_seed(0)
    x = torch.randn(2, 4, 32)
    x[0, 1, 5] = float("nan")
    checked = LongConv1d(4, 32, method="fft").eval()
    with pytest.raises(ValueError, match="x contains NaN or inf"):
        checked(x)
    unchecked = LongConv1d(4, 32, method="fft", check_finite=False).eval()
    unchecked.load_state_dict(checked.state_dict())
    with torch.no_grad():
        y = unchecked(x)  # no error; the NaN reaches the outputs of the sample that holds it
    assert bool(torch.isnan(y[0]).any()) and bool(torch.isfinite(y[1]).all())
    assert "check_finite=False" in repr(unchecked) and "check_finite" not in repr(checked)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Conv1d(4, 4, 5, check_finite=False),
        lambda: SGConv1d(4, 32, kernel_dim=4, check_finite=False),
        lambda: HyenaOperator1d(4, 32, filter_width=8, check_finite=False),
    ],
    ids=["conv1d", "sgconv1d", "hyena1d"],
)
def test_every_layer_takes_check_finite(make):
    layer = make()
    assert all(m.check_finite is False for m in layer.modules() if hasattr(m, "check_finite"))


def test_check_finite_must_be_a_bool():
    with pytest.raises(ValueError, match="check_finite must be True or False, got 'no'"):
        LongConv1d(4, 32, check_finite="no")


@pytest.mark.parametrize(
    "make",
    [
        lambda: LongConv1d(4, 64, method="fft", bidirectional=True),
        lambda: SGConv1d(4, 64, kernel_dim=8, method="fft"),
        lambda: HyenaOperator1d(4, 64, filter_width=8, method="fft"),
    ],
    ids=["longconv1d", "sgconv1d", "hyena1d"],
)
def test_long_layers_trace_without_graph_breaks(make):
    """No host sync in the FFT path: dynamo traces the whole layer (``fullgraph=True``)."""
    torch.manual_seed(1)
    layer = make().eval()
    x = torch.randn(2, 4, 64)
    torch._dynamo.reset()
    compiled = torch.compile(layer, fullgraph=True, backend="eager")
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), layer(x), rtol=0, atol=0)


@pytest.mark.slow
def test_compiled_long_layer_equals_eager():
    """The default (inductor) backend on CPU; about a minute of compilation, hence ``slow``."""
    torch.manual_seed(2)
    layer = LongConv1d(4, 256, method="fft").eval()
    x = torch.randn(2, 4, 256)
    torch._dynamo.reset()
    compiled = torch.compile(layer)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), layer(x), rtol=1e-5, atol=1e-6)
