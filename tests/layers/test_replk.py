"""RepLKConv2d: training form, eval form and re-parameterized form against explicit references."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from anyconv.layers import RepLKConv2d, create
from tests.layers._reparam_checks import D64, eval_reference, hand_built_kernel, move_statistics, train_reference

MODES = ["zeros", "reflect", "replicate", "circular"]


def _layer(kernel_size: int, **kwargs) -> RepLKConv2d:
    torch.manual_seed(kernel_size)
    layer = RepLKConv2d(3, kernel_size, dtype=D64, **kwargs)
    move_statistics(layer, size=12)
    return layer.eval()


@pytest.mark.parametrize(("padding_mode", "stride"), [("zeros", 1), ("zeros", 2), ("reflect", 2), ("replicate", 1), ("circular", 2)])
@pytest.mark.parametrize(("kernel_size", "small_kernel"), [(3, None), (5, 1), (7, None), (9, 3), (11, None)])
def test_eval_equals_conv2d_on_the_hand_built_kernel(kernel_size, small_kernel, padding_mode, stride):
    layer = _layer(kernel_size, small_kernel=small_kernel, padding_mode=padding_mode, stride=stride)
    x = torch.randn(2, 3, 13, 12, dtype=D64)
    with torch.no_grad():
        got = layer(x)
        torch.testing.assert_close(got, eval_reference(layer, x), rtol=1e-12, atol=1e-12)
    assert got.shape == (2, 3, (13 - 1) // stride + 1, (12 - 1) // stride + 1)


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect"])
@pytest.mark.parametrize("kernel_size", [3, 7, 11])
def test_train_form_is_the_sum_of_conv_bn_branches(kernel_size, padding_mode):
    layer = _layer(kernel_size, padding_mode=padding_mode).train()
    x = torch.randn(4, 3, 12, 12, dtype=D64)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), train_reference(layer, x), rtol=1e-12, atol=1e-12)


def test_default_small_kernel_and_branch_layout():
    assert RepLKConv2d(2, 31).small_kernel == 5 and RepLKConv2d(2, 7).small_kernel == 5
    assert RepLKConv2d(2, 5).small_kernel == 3 and RepLKConv2d(2, 3).small_kernel == 1
    layer = RepLKConv2d(2, 9, small_kernel=3)
    assert [(b.kernel_size, b.dilation) for b in layer.branches] == [(9, 1), (3, 1)]
    assert sum(p.numel() for p in layer.parameters()) == 2 * (81 + 9) + 2 * 2 * 2  # kernels + BN affine


@pytest.mark.parametrize(("padding_mode", "stride"), [("zeros", 1), ("reflect", 2), ("circular", 1)])
def test_reparameterize_keeps_eval_outputs_and_drops_branches(padding_mode, stride):
    layer = _layer(7, padding_mode=padding_mode, stride=stride)
    x = torch.randn(2, 3, 11, 10, dtype=D64)
    with torch.no_grad():
        before = layer(x)
        for got, want in zip(layer.fused_kernel(), hand_built_kernel(layer)):
            torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    layer.reparameterize()
    assert layer.reparameterized and len(layer.branches) == 0
    assert sorted(layer.state_dict()) == ["bias", "weight"] and layer.weight.shape == (3, 1, 7, 7)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), before, rtol=1e-12, atol=1e-12)
    layer.reparameterize()  # idempotent
    with torch.no_grad():
        torch.testing.assert_close(layer(x), before, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("padding_mode", MODES)
def test_bake_gives_an_equal_plain_conv2d(padding_mode):
    layer = _layer(9, padding_mode=padding_mode, stride=2)
    baked = layer.bake(11, 10)
    assert type(baked) is nn.Conv2d and baked.groups == 3 and baked.kernel_size == (9, 9)
    x = torch.randn(2, 3, 11, 10, dtype=D64)
    with torch.no_grad():
        torch.testing.assert_close(baked(x), layer(x), rtol=1e-12, atol=1e-12)
    assert not layer.reparameterized  # bake leaves the layer as it was


def test_gradcheck_train_and_eval():
    torch.manual_seed(0)
    layer = RepLKConv2d(1, 5, small_kernel=3, padding_mode="reflect", dtype=D64)
    move_statistics(layer, size=6)
    x = torch.randn(2, 1, 5, 4, dtype=D64, requires_grad=True)
    names, params = zip(*layer.named_parameters())

    def run(x, *p):
        return torch.func.functional_call(layer, dict(zip(names, p)), (x,))

    layer.eval()
    assert torch.autograd.gradcheck(run, (x, *params))
    layer.train()
    assert torch.autograd.gradcheck(run, (x, *params))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(channels=2, kernel_size=8), r"kernel_size must be an odd int >= 3, got 8"),
        (dict(channels=2, kernel_size=1), r"kernel_size must be an odd int >= 3, got 1"),
        (dict(channels=2, kernel_size=7, small_kernel=7), r"small_kernel must be smaller than kernel_size, got small_kernel=7 >= kernel_size=7"),
        (dict(channels=2, kernel_size=7, small_kernel=9), r"small_kernel=9 >= kernel_size=7"),
        (dict(channels=2, kernel_size=7, small_kernel=4), r"small_kernel must be an odd int >= 1, got 4"),
        (dict(channels=0, kernel_size=7), r"channels must be an int >= 1, got 0"),
        (dict(channels=2, kernel_size=7, stride=0), r"stride must be an int >= 1, got 0"),
        (dict(channels=2, kernel_size=7, padding_mode="same"), r"padding_mode must be one of .*, got 'same'"),
    ],
)
def test_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RepLKConv2d(**kwargs)


def test_wrong_input_is_named():
    with pytest.raises(ValueError, match=r"expected x of shape \(B, 4, H, W\), got \(2, 3, 8, 8\)"):
        create("replkconv2d", channels=4, kernel_size=7)(torch.randn(2, 3, 8, 8))


def test_train_cli_on_digits(tmp_path):
    from anyconv.cli import main

    code = main(["train", "--layer", "replkconv2d", "--task", "digits", "--steps", "3", "--n-val", "16",
                 "--n-test", "16", "--n-train", "32", "--model-option", "width=8", "--model-option", "kernel_size=5",
                 "--no-progress", "--run-dir", str(tmp_path / "run"), "--out", str(tmp_path / "r.json")])
    assert code == 0 and (tmp_path / "r.json").exists()


def test_baked_classifier_exports_to_onnx_and_torchscript():
    onnxruntime = pytest.importorskip("onnxruntime", reason="the test extra installs onnxruntime")
    pytest.importorskip("onnx", reason="the test extra installs onnx")
    import io
    import warnings

    from anyconv.layers.baking import bake
    from anyconv.models import build_model
    from tests.models._helpers import image_spec

    torch.manual_seed(0)
    model = build_model(image_spec(1, 8), "replkconv2d", width=8, kernel_size=5).eval()
    x = torch.randn(2, 1, 8, 8)
    baked = bake(model, x).eval()
    with torch.no_grad():
        live = model(x)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(baked, (x,), buffer, input_names=["x"], output_names=["y"], dynamo=False)
    session = onnxruntime.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"x": x.numpy()})
    torch.testing.assert_close(torch.from_numpy(got), live, rtol=1e-4, atol=1e-5)
    with torch.no_grad():
        traced = torch.jit.trace(baked, (x,))
        torch.testing.assert_close(traced(x), live, rtol=1e-5, atol=1e-6)
    layer = _layer(7)  # the baked layer alone is torch's own module: torch.jit.script compiles it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit.script's deprecation notice
        scripted = torch.jit.script(layer.bake(9, 9))
    x64 = torch.randn(2, 3, 9, 9, dtype=D64)
    with torch.no_grad():
        torch.testing.assert_close(scripted(x64), layer(x64), rtol=1e-12, atol=1e-12)


def test_learns_digits_and_the_baked_model_predicts_the_same():
    """150 Adam steps on 8x8 digits (this loop measured 0.81, 0.87, 0.89, 0.97 test accuracy for
    seeds 0-3; chance 0.1), then ``anyconv.bake``: the deployed model gives the same predictions."""
    from anyconv.data.tasks import Sizes, make_task
    from anyconv.layers.baking import bake
    from anyconv.models import build_model

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        task = make_task("digits", sizes=Sizes(n_val=100), seed=0)
        torch.manual_seed(0)
        model = build_model(task.spec, "replkconv2d", width=8, kernel_size=5)
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
        gen = torch.Generator().manual_seed(0)
        for _ in range(150):
            index = torch.randint(len(task.train), (32,), generator=gen)
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(task.train.x[index]), task.train.y[index]).backward()
            optimizer.step()
        model.eval()
        baked = bake(model, task.test.x[:2])
        with torch.no_grad():
            live, deployed = model(task.test.x), baked(task.test.x)
    finally:
        torch.set_num_threads(threads)
    accuracy = float((live.argmax(1) == task.test.y).float().mean())
    assert accuracy >= 0.7, f"test accuracy {accuracy:.3f}"
    assert not any(isinstance(m, RepLKConv2d) for m in baked.modules())
    torch.testing.assert_close(deployed, live, rtol=1e-4, atol=1e-4)
    assert torch.equal(deployed.argmax(1), live.argmax(1))
