"""Grad-CAM: a closed form on a tiny model, captum's LayerGradCam, shapes, planted features, hooks."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from anyconv.explain.gradcam import grad_cam, grad_cam_pp, resolve_layer


class Tiny(nn.Module):
    """conv → relu (``features``) → global average pool → linear; ``dims`` spatial axes."""

    def __init__(self, dims: int = 2, c_in: int = 2, c: int = 3, n_classes: int = 4) -> None:
        super().__init__()
        conv = nn.Conv2d if dims == 2 else nn.Conv1d
        self.conv = conv(c_in, c, 3, padding=1, dtype=torch.float64)
        self.features = nn.ReLU()
        self.head = nn.Linear(c, n_classes, dtype=torch.float64)
        self.fail = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.features(self.conv(x))
        if self.fail:
            raise RuntimeError("boom inside the model")
        return self.head(a.flatten(2).mean(-1))


def _hand_cam(model: Tiny, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """For GAP + linear, dy_t/dA_c = W[t, c] / |S| everywhere: cam = relu(Σ_c W[t,c]/|S| · A_c)."""
    conv = F.conv2d if x.ndim == 4 else F.conv1d
    a = torch.relu(conv(x, model.conv.weight, model.conv.bias, padding=1))  # (B, C, *S)
    n = a[0, 0].numel()
    w = model.head.weight[target] / n  # (B, C)
    return torch.relu((w.reshape(*w.shape, *([1] * (x.ndim - 2))) * a).sum(1)).detach()


@pytest.mark.parametrize("dims", [1, 2])
def test_equals_the_closed_form_on_a_tiny_model(dims):
    torch.manual_seed(0)
    model = Tiny(dims)
    x = torch.randn(5, 2, *((7, 6) if dims == 2 else (11,)), dtype=torch.float64)
    target = torch.tensor([0, 1, 2, 3, 1])
    cam = grad_cam(model, x, layer="features", target=target)
    assert cam.shape == (5, *x.shape[2:])
    torch.testing.assert_close(cam, _hand_cam(model, x, target), rtol=1e-12, atol=1e-12)
    predicted = model(x).argmax(1)
    torch.testing.assert_close(grad_cam(model, x, layer=model.features), _hand_cam(model, x, predicted))
    torch.testing.assert_close(grad_cam(model, x, layer="features", target=2), _hand_cam(model, x, torch.full((5,), 2)))


class Strided(nn.Module):
    def __init__(self, dims: int) -> None:
        super().__init__()
        conv = nn.Conv2d if dims == 2 else nn.Conv1d
        pool = nn.MaxPool2d if dims == 2 else nn.MaxPool1d
        self.body = nn.Sequential(conv(3, 8, 3, padding=1), nn.ReLU(), pool(2), conv(8, 6, 3, padding=1), nn.Tanh())
        self.head = nn.Sequential(nn.Flatten(), nn.LazyLinear(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


@pytest.mark.parametrize("dims", [1, 2])
@pytest.mark.parametrize("mode", ["linear", "nearest"])
def test_equals_captum_layer_grad_cam_upsampled_alike(dims, mode):
    captum_attr = pytest.importorskip("captum.attr")
    torch.manual_seed(1)
    model = Strided(dims)
    x = torch.randn(4, 3, *((10, 12) if dims == 2 else (20,)))
    model(x)  # materialise the lazy layer
    target = torch.tensor([0, 4, 2, 2])
    ours = grad_cam(model, x, layer="body.4", target=target, upsample_mode=mode)
    layer_cam = captum_attr.LayerGradCam(model, model.body[4]).attribute(x, target=target, relu_attributions=True)
    torch_mode = "nearest" if mode == "nearest" else ("bilinear" if dims == 2 else "linear")
    theirs = captum_attr.LayerAttribution.interpolate(layer_cam, tuple(x.shape[2:]), interpolate_mode=torch_mode)[:, 0]
    assert theirs.abs().max() > 0
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("method", [grad_cam, grad_cam_pp])
def test_maps_are_non_negative_of_input_size_and_peak_on_a_planted_feature(method):
    """Class 1's score is the pooled response of a plus-shaped detector: the map peaks where the plus was planted."""
    model = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1, bias=False), nn.ReLU(), nn.AvgPool2d(2),
                          nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(1, 2))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[0.0, 1, 0], [1, 1, 1], [0, 1, 0]]).view(1, 1, 3, 3) - 5 / 9)
        model[5].weight.copy_(torch.tensor([[-1.0], [1.0]]))
        model[5].bias.zero_()
    x = torch.zeros(3, 1, 16, 16)
    for b, (i, j) in enumerate([(3, 4), (10, 12), (12, 2)]):
        x[b, 0, i, j - 1 : j + 2] = 1
        x[b, 0, i - 1 : i + 2, j] = 1
    cam = method(model, x, layer="2", target=1)
    assert cam.shape == (3, 16, 16) and (cam >= 0).all() and cam.amax((1, 2)).min() > 0
    for b, (i, j) in enumerate([(3, 4), (10, 12), (12, 2)]):
        peak = divmod(int(cam[b].argmax()), 16)
        assert abs(peak[0] - i) <= 1 and abs(peak[1] - j) <= 1, (b, peak, (i, j))


def test_grad_cam_pp_reduces_to_grad_cam_direction_for_one_channel():
    """With one channel both methods weight the same map by a positive factor: equal after normalising."""
    torch.manual_seed(2)
    model = Tiny(2, c=1, n_classes=2)
    with torch.no_grad():
        model.head.weight.fill_(1.0)
    x = torch.randn(2, 2, 6, 6, dtype=torch.float64)
    a, b = grad_cam(model, x, layer="features", target=0), grad_cam_pp(model, x, layer="features", target=0)
    torch.testing.assert_close(a / a.amax((1, 2), keepdim=True), b / b.amax((1, 2), keepdim=True))


def _hook_count(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._backward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def test_hooks_are_removed_afterwards_also_after_an_exception():
    model = Tiny(2)
    x = torch.randn(2, 2, 5, 5, dtype=torch.float64)
    grad_cam(model, x, layer="features")
    grad_cam_pp(model, x, layer="features")
    assert _hook_count(model) == 0
    model.fail = True
    with pytest.raises(RuntimeError, match="boom"):
        grad_cam(model, x, layer="features")
    assert _hook_count(model) == 0


def test_bad_arguments_raise_clear_errors():
    model = Tiny(2)
    x = torch.randn(2, 2, 5, 5, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"no layer 'featurs'.*did you mean 'features'"):
        grad_cam(model, x, layer="featurs")
    with pytest.raises(ValueError, match=r"class ids must lie in \[0, 4\)"):
        grad_cam(model, x, layer="features", target=4)
    with pytest.raises(ValueError, match="2 integer class ids"):
        grad_cam(model, x, layer="features", target=torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="spatial axes"):
        grad_cam(model, x, layer="head")
    with pytest.raises(ValueError, match="not a submodule"):
        resolve_layer(model, nn.ReLU())


class _Head(nn.Module):
    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.linear = nn.LazyLinear(n_classes)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.linear(h.flatten(2).mean(-1))  # (B, C, *S) -> (B, C) -> (B, n_classes)


@pytest.mark.parametrize("name", __import__("anyconv").list_layers())
def test_grad_cam_runs_on_every_registered_layer(name):
    from anyconv.layers.registry import get_spec

    spec = get_spec(name)
    torch.manual_seed(0)
    model = nn.Sequential(spec.cls(**spec.example_kwargs), _Head(3))
    x = torch.randn(*spec.example_input_shape)
    model(x)  # materialise the lazy head
    model.eval()
    cams = grad_cam(model, x, layer="0", target=torch.tensor([0, 2])[: len(x)])
    assert cams.shape == (len(x), *x.shape[2:]) and (cams >= 0).all() and torch.isfinite(cams).all()
    assert _hook_count(model) == 0
