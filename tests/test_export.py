"""Baked models export: ONNX (run with onnxruntime) and TorchScript give the live outputs."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
import torch

from anyconv.layers.baking import bake
from anyconv.models import build_model
from tests.models._helpers import denoise_spec, image_spec, tokens_spec

onnxruntime = pytest.importorskip("onnxruntime", reason="the test extra installs onnxruntime")
pytest.importorskip("onnx", reason="the test extra installs onnx")

pytestmark = [
    pytest.mark.filterwarnings("ignore:`torch.jit.*is deprecated:DeprecationWarning"),  # torch >= 2.10 says so
    # shape checks in the engine's validation become constants of the trace: the trace is per input size
    pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning"),
]

CASES = [
    (image_spec(channels=1, size=8), "conv2d"),
    (denoise_spec(channels=1, size=8), "conv2d"),
    (tokens_spec(seq_len=16), "conv1d"),
    (tokens_spec(seq_len=16), "hyena1d"),
]
IDS = ["classifier-conv2d", "dncnn-conv2d", "mixer-conv1d", "sequence-hyena1d"]


class _XOnly(torch.nn.Module):
    """Calls the model with ``x`` alone: the TorchScript-based exporter would pass the sequence
    model's keyword-only ``times``/``mask`` positionally."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def _baked(spec, layer):
    torch.manual_seed(0)
    model = build_model(spec, layer).eval()
    gen = torch.Generator().manual_seed(1)
    x = (torch.randint(spec.vocab_size, (2, *spec.input_shape), generator=gen) if spec.input_kind == "tokens"
         else torch.randn(2, *spec.input_shape, generator=gen))
    baked = _XOnly(bake(model, x)).eval()
    with torch.no_grad():
        live = model(x)
    return baked, x, live


@pytest.mark.parametrize("spec,layer", CASES, ids=IDS)
def test_onnx_export_runs_in_onnxruntime_and_matches(spec, layer):
    baked, x, live = _baked(spec, layer)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript-based exporter's deprecation notice
        # dynamo=False: the TorchScript-based exporter (the dynamo one takes seconds per model)
        torch.onnx.export(baked, (x,), buffer, input_names=["x"], output_names=["y"], dynamo=False)
    session = onnxruntime.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    (got,) = session.run(["y"], {"x": x.numpy()})
    np.testing.assert_allclose(got, live.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("spec,layer", CASES, ids=IDS)
def test_torchscript_trace_matches(spec, layer):
    baked, x, live = _baked(spec, layer)
    with torch.no_grad():
        traced = torch.jit.trace(baked, (x,))
        torch.testing.assert_close(traced(x), live, rtol=1e-5, atol=1e-6)
        buffer = io.BytesIO()
        torch.jit.save(traced, buffer)
        buffer.seek(0)
        torch.testing.assert_close(torch.jit.load(buffer)(x), live, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("spec,layer", CASES[::3], ids=IDS[::3])
def test_torch_export_matches(spec, layer):
    """``torch.export`` (TorchScript's successor) captures a baked model too."""
    baked, x, live = _baked(spec, layer)
    exported = torch.export.export(baked, (x,))
    with torch.no_grad():
        torch.testing.assert_close(exported.module()(x), live, rtol=1e-5, atol=1e-6)


def test_a_baked_dense_conv_scripts():
    """``torch.jit.script`` (not only trace) compiles a baked layer: it is torch's own modules."""
    import anyconv

    layer = anyconv.Conv1d(3, 4, 4, mode="causal", flip=True)
    baked = layer.bake(20)
    scripted = torch.jit.script(baked)
    x = torch.randn(2, 3, 20)
    with torch.no_grad():
        torch.testing.assert_close(scripted(x), layer(x))


def test_long_kernels_export_after_baking_with_the_direct_method():
    """A kernel past the FFT crossover bakes into a frozen anyconv conv (FFT: not exportable);
    ``bake(..., method="direct")`` makes it torch's conv, which ONNX takes."""
    import anyconv

    torch.manual_seed(2)
    model = torch.nn.Sequential(anyconv.Conv1d(2, 2, 255, groups=2, mode="causal", flip=True)).eval()
    x = torch.randn(1, 2, 1024)
    assert isinstance(bake(model, x)[0], anyconv.Conv1d)
    baked = bake(model, x, method="direct")
    assert all(type(m).__module__.startswith("torch.nn") for m in baked.modules())
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(baked, (x,), buffer, input_names=["x"], output_names=["y"], dynamo=False)
    session = onnxruntime.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        np.testing.assert_allclose(session.run(["y"], {"x": x.numpy()})[0], model(x).numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="method must be None, 'auto', 'direct' or 'fft', got 'torch'"):
        bake(model, x, method="torch")
