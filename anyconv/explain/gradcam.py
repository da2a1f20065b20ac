"""Grad-CAM and Grad-CAM++: class-discriminative maps from one layer's activations and gradients.

``grad_cam(model, x, layer=..., target=...)`` weights the channels of the layer's output ``A``
(``(B, C, *S)``) by their spatially averaged gradients ``w_c = mean_S ∂y_t/∂A_c`` (Grad-CAM,
Selvaraju et al. 2017) or by the Grad-CAM++ weights (Chattopadhay et al. 2018), sums
``relu(Σ_c w_c A_c)`` over channels and upsamples the map to the input's spatial size. The
model is used as it is (call ``model.eval()`` first for BatchNorm/dropout models); hooks live
only inside :func:`capture` and are removed on every exit path.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["Captured", "capture", "grad_cam", "grad_cam_pp", "resolve_layer", "upsample", "target_scores"]

UPSAMPLE_MODES = ("linear", "nearest")


def resolve_layer(model: nn.Module, layer: nn.Module | str) -> nn.Module:
    """The submodule ``layer`` of ``model``: the module itself or its dotted name.

    An unknown name raises a ValueError listing close matches.
    """
    if isinstance(layer, nn.Module):
        if not any(m is layer for m in model.modules()):
            raise ValueError(f"layer {type(layer).__name__} is not a submodule of {type(model).__name__}")
        return layer
    if not isinstance(layer, str):
        raise ValueError(f"layer must be an nn.Module or a dotted module name, got {type(layer).__name__}")
    names = [name for name, _ in model.named_modules() if name]
    if layer not in names:
        close = difflib.get_close_matches(layer, names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"model has no layer {layer!r}{hint} (layers: {', '.join(names[:12])}{', ...' if len(names) > 12 else ''})")
    return model.get_submodule(layer)


@dataclass
class Captured:
    """What :func:`capture` records: the layer's last output (a tensor in the autograd graph)."""

    output: Tensor | None = None
    calls: int = 0
    handles: list[torch.utils.hooks.RemovableHandle] = field(default_factory=list)


@contextmanager
def capture(layer: nn.Module) -> Iterator[Captured]:
    """Record ``layer``'s output on every forward while the block runs; the hook is always removed.

    A tuple output keeps its first tensor.
    """
    record = Captured()

    def hook(_module: nn.Module, _inputs: tuple[object, ...], output: object) -> None:
        out = output[0] if isinstance(output, (tuple, list)) else output
        if not isinstance(out, Tensor):
            raise ValueError(f"layer {type(layer).__name__} returned {type(out).__name__}, expected a tensor")
        record.output = out
        record.calls += 1

    record.handles.append(layer.register_forward_hook(hook))
    try:
        yield record
    finally:
        for handle in record.handles:
            handle.remove()


def target_scores(logits: Tensor, target: int | Tensor | None) -> tuple[Tensor, Tensor]:
    """The per-example scores ``(B,)`` to explain and the class ids ``(B,)`` they belong to.

    ``logits``: ``(B, n_classes)``; ``target`` an int, an int tensor ``(B,)`` or None (argmax).
    """
    if logits.ndim != 2:
        raise ValueError(f"the model must return logits of shape (B, n_classes), got {tuple(logits.shape)}")
    b, n = logits.shape
    if target is None:
        classes = logits.detach().argmax(dim=1)
    elif isinstance(target, Tensor):
        if target.shape != (b,) or target.dtype.is_floating_point:
            raise ValueError(f"target tensor must hold {b} integer class ids, got {target.dtype} {tuple(target.shape)}")
        classes = target.to(logits.device, torch.long)
    elif isinstance(target, int) and not isinstance(target, bool):
        classes = torch.full((b,), target, dtype=torch.long, device=logits.device)
    else:
        raise ValueError(f"target must be an int, a (B,) tensor of class ids or None, got {type(target).__name__}")
    if b and (classes.min() < 0 or classes.max() >= n):
        raise ValueError(f"target class ids must lie in [0, {n}), got {classes.tolist()}")
    return logits.gather(1, classes[:, None])[:, 0], classes


def upsample(cam: Tensor, size: tuple[int, ...], mode: str = "linear") -> Tensor:
    """Resize maps ``(B, *S)`` to ``(B, *size)``: (bi)linear (``align_corners=False``) or nearest.

    Shape:
        cam: ``(B, *S)`` with 1 or 2 spatial axes → ``(B, *size)``
    """
    if mode not in UPSAMPLE_MODES:
        raise ValueError(f"upsample mode must be one of {UPSAMPLE_MODES}, got {mode!r}")
    if tuple(cam.shape[1:]) == tuple(size):
        return cam
    torch_mode = "nearest" if mode == "nearest" else ("linear" if len(size) == 1 else "bilinear")
    kwargs = {} if torch_mode == "nearest" else {"align_corners": False}
    return F.interpolate(cam[:, None], size=size, mode=torch_mode, **kwargs)[:, 0]  # (B, 1, *S) -> (B, *size)


def _activations_and_grads(
    model: nn.Module, x: Tensor, layer: nn.Module | str, target: int | Tensor | None
) -> tuple[Tensor, Tensor, Tensor]:
    module = resolve_layer(model, layer)
    if x.ndim < 3:
        raise ValueError(f"x must be (B, C, L) or (B, C, H, W), got shape {tuple(x.shape)}")
    x = x.detach().clone().requires_grad_(x.is_floating_point())  # so the layer's output is in a graph
    with torch.enable_grad(), capture(module) as record:
        logits = model(x)
    if record.output is None:
        raise ValueError(f"layer {type(module).__name__} was not called by the model's forward")
    act = record.output
    if act.ndim != x.ndim:
        raise ValueError(
            f"Grad-CAM needs a layer output (B, C, *spatial) with the input's {x.ndim - 2} spatial axes, "
            f"got {tuple(act.shape)} (pick a convolutional layer)"
        )
    score, _ = target_scores(logits, target)
    (grad,) = torch.autograd.grad(score.sum(), act)  # examples are independent: d(sum)/dA_b = dy_b/dA_b
    return act.detach(), grad.detach(), x


def grad_cam(
    model: nn.Module, x: Tensor, *, layer: nn.Module | str, target: int | Tensor | None = None,
    upsample_mode: str = "linear",
) -> Tensor:
    """Grad-CAM maps of ``target`` (class id, per-example ids, or the predicted class) at ``layer``.

    ``relu(Σ_c mean_S(∂y/∂A_c) · A_c)`` at the layer's resolution, upsampled (``upsample_mode``)
    to the input's spatial size. Needs a model returning ``(B, n_classes)`` logits and a layer
    whose output is channels-first with the input's number of spatial axes.

    Shape:
        x: ``(B, C, L)`` or ``(B, C, H, W)`` → ``(B, L)`` or ``(B, H, W)``, non-negative
    """
    act, grad, x = _activations_and_grads(model, x, layer, target)
    spatial = tuple(range(2, act.ndim))
    weights = grad.mean(dim=spatial, keepdim=True)  # (B, C, 1, ...)
    cam = torch.relu((weights * act).sum(dim=1))  # (B, *S_layer)
    return upsample(cam, tuple(x.shape[2:]), upsample_mode)


def grad_cam_pp(
    model: nn.Module, x: Tensor, *, layer: nn.Module | str, target: int | Tensor | None = None,
    upsample_mode: str = "linear",
) -> Tensor:
    """Grad-CAM++ maps: channel weights ``Σ_S α · relu(∂y/∂A)`` with
    ``α = g² / (2g² + Σ_S A · g³)`` (the closed form for an exponential of the score).

    Shape:
        x: ``(B, C, L)`` or ``(B, C, H, W)`` → ``(B, L)`` or ``(B, H, W)``, non-negative
    """
    act, grad, x = _activations_and_grads(model, x, layer, target)
    spatial = tuple(range(2, act.ndim))
    g2, g3 = grad.pow(2), grad.pow(3)
    denom = 2 * g2 + (act * g3).sum(dim=spatial, keepdim=True)  # (B, C, *S)
    alpha = g2 / torch.where(denom != 0, denom, torch.ones_like(denom))
    weights = (alpha * torch.relu(grad)).sum(dim=spatial, keepdim=True)  # (B, C, 1, ...)
    cam = torch.relu((weights * act).sum(dim=1))  # (B, *S_layer)
    return upsample(cam, tuple(x.shape[2:]), upsample_mode)
