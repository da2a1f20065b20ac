"""The kernels a layer actually applies, for any registered layer, ``torch.nn`` conv or ROCKET model.

:func:`layer_kernels` is the generic view, in this order of preference:

1. ``torch.nn.Conv1d/2d`` — its weight;
2. a layer with ``bake(*sizes)`` (and not ``data_dependent``) — the weights of the plain module it
   bakes into at the input's spatial size (what deployment would run); continuous-kernel layers
   that cannot bake here — the kernel they sample for the input (``weight_1d``/``weight_2d``);
3. otherwise one forward pass on an example input with hooks on every kernel module
   (:class:`~anyconv.kernels.base.Kernel`) inside the layer — the weights they returned, per
   example for data-dependent kernels (Orchid, CondConv); then any ``torch.nn`` conv weights inside.

Sequence (long) kernels come with their magnitude spectrum (:func:`spectrum`). Family-specific
views (continuous kernels at two resolutions, FlexConv masks, SMP points, DCLS positions,
densities) live in :mod:`anyconv.explain.family_views`.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from anyconv.explain.gradcam import capture

__all__ = ["KernelView", "find_kernel_layers", "layer_kernels", "spectrum"]

TORCH_CONVS = (nn.Conv1d, nn.Conv2d)


@dataclass
class KernelView:
    """One weight a layer applies.

    ``weight``: ``(C_out, C_in/g, *K)``, or ``(B, C_out, C_in/g, *K)`` when ``per_example``.
    ``source``: ``"torch"`` (an ``nn.Conv`` weight), ``"bake"`` (from the baked module) or
    ``"forward"`` (returned by a kernel module during a forward pass).
    """

    name: str
    weight: Tensor
    source: str
    per_example: bool = False

    @property
    def ndim(self) -> int:
        """Spatial axes of the kernel."""
        return self.weight.ndim - (3 if self.per_example else 2)

    @property
    def is_long(self) -> bool:
        """A 1-D kernel of 16 taps or more: worth a spectrum."""
        return self.ndim == 1 and self.weight.shape[-1] >= 16


def spectrum(weight: Tensor, n_fft: int | None = None) -> Tensor:
    """Magnitude of the real FFT along the last axis (zero-padded to ``n_fft``).

    Shape:
        weight: ``(..., K)`` → ``(..., n_fft // 2 + 1)`` (``n_fft`` defaults to ``K``)
    """
    return torch.fft.rfft(weight.detach().float(), n=n_fft, dim=-1).abs()


def _torch_conv_views(module: nn.Module, prefix: str, min_taps: int = 1) -> list[KernelView]:
    views = []
    for name, sub in module.named_modules():
        if isinstance(sub, TORCH_CONVS) and sub.weight[0, 0].numel() >= min_taps:
            label = ".".join(p for p in (prefix, name, "weight") if p)
            views.append(KernelView(label, sub.weight.detach(), "torch"))
    return views


def layer_kernels(module: nn.Module, x: Tensor | None = None, *, name: str = "") -> list[KernelView]:
    """The kernels ``module`` applies (see the module docstring); ``x`` an example input
    ``(B, C, *S)`` the module accepts (needed unless the layer is a torch conv or bakes without
    sizes). ``name`` prefixes the views' names. The module's training mode is left as found; the
    forward pass runs in eval mode without gradients.

    Raises a ValueError when no kernel can be found.
    """
    if isinstance(module, TORCH_CONVS):
        return [KernelView(f"{name}.weight" if name else "weight", module.weight.detach(), "torch")]
    bake = getattr(module, "bake", None)
    if callable(bake) and not getattr(module, "data_dependent", False):
        sizes = () if x is None else tuple(int(s) for s in x.shape[2:])
        try:
            with torch.no_grad():
                baked = bake(*sizes)
        except (TypeError, ValueError, ImportError, NotImplementedError):  # needs sizes we lack, or cannot bake
            baked = None
        if baked is not None:
            if x is not None:  # the baked module takes the same input: capture its fixed kernels
                views = _kernel_views_from_forward(baked, x, name)
            else:
                views = _kernel_views_without_input(baked, name) + _torch_conv_views(baked, name, min_taps=2)
            views = views or _torch_conv_views(baked, name)  # a pointwise layer bakes into a 1-tap conv
            if views:
                for v in views:
                    v.source = "bake"
                return views
    sampled = _sampled_continuous(module, x, name)
    if sampled:
        return sampled
    if x is not None:
        views = _kernel_views_from_forward(module, x, name)
        if views:
            return views
    views = _kernel_views_without_input(module, name) + _torch_conv_views(module, name, min_taps=2)
    if not views:
        hint = "" if x is not None else "; pass an example input x"
        raise ValueError(f"found no kernel in {type(module).__name__}{hint}")
    return views


def _sampled_continuous(module: Any, x: Tensor | None, prefix: str) -> list[KernelView]:
    """Continuous-kernel layers (``weight_1d(length)`` / ``weight_2d()``): the kernel sampled for ``x``."""
    label = ".".join(p for p in (prefix, "kernel") if p)
    ndim = getattr(module, "ndim", None)
    with torch.no_grad():
        if ndim == 2 and callable(getattr(module, "weight_2d", None)):
            return [KernelView(label, module.weight_2d().detach(), "forward")]
        if ndim == 1 and callable(getattr(module, "weight_1d", None)) and x is not None:
            weight, _mode = module.weight_1d(int(x.shape[-1]))
            return [KernelView(label, weight.detach(), "forward")]
    return []


def _kernel_modules(module: nn.Module) -> list[tuple[str, nn.Module]]:
    """Outermost kernel modules inside ``module``: :class:`~anyconv.kernels.base.Kernel` instances
    and submodules named ``kernel`` (the layer contract; baked layers hold a fixed kernel there)."""
    from anyconv.kernels.base import Kernel

    kept: list[tuple[str, nn.Module]] = []
    for n, m in module.named_modules():
        is_kernel = isinstance(m, Kernel) or n.rsplit(".", 1)[-1] == "kernel"  # baked layers hold a FixedKernel
        if is_kernel and not any(o == "" or n.startswith(o + ".") for o, _ in kept):
            kept.append((n, m))
    return kept


def _kernel_views_from_forward(module: nn.Module, x: Tensor, prefix: str) -> list[KernelView]:
    kernels = _kernel_modules(module)
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad(), ExitStack() as stack:
            records = [(n, stack.enter_context(capture(m))) for n, m in kernels]  # hooks leave with the stack
            module(x)
    finally:
        module.train(was_training)
    views = []
    for n, record in records:
        w = record.output
        if w is None:
            continue
        per_example = w.ndim > x.ndim  # (B, C_out, C_in/g, *K) or (blocks, B, ...): one weight per example (and block)
        if w.ndim > x.ndim + 1:
            w = w.reshape(-1, *w.shape[w.ndim - x.ndim :])  # leading axes flattened: (blocks·B, C_out, C_in/g, *K)
        label = ".".join(p for p in (prefix, n) if p) or "kernel"
        views.append(KernelView(label, w.detach(), "forward", per_example))
    return views + _torch_conv_views(module, prefix, min_taps=2)


def _kernel_views_without_input(module: nn.Module, prefix: str) -> list[KernelView]:
    views = []
    for n, kernel in _kernel_modules(module):
        try:
            with torch.no_grad():
                w = kernel()
        except (TypeError, ValueError):
            continue
        label = ".".join(p for p in (prefix, n) if p) or "kernel"
        views.append(KernelView(label, w.detach(), "forward"))
    return views


def find_kernel_layers(model: nn.Module) -> list[str]:
    """Dotted names of the outermost modules of ``model`` that apply a kernel: torch convs with
    more than one tap and anyconv layers (modules holding a kernel module)."""
    from anyconv.layers.base import KernelConv

    names: list[str] = []
    for n, m in model.named_modules():
        if any(n.startswith(o + ".") for o in names):
            continue
        if isinstance(m, KernelConv) or (isinstance(m, TORCH_CONVS) and m.weight[0, 0].numel() > 1):
            names.append(n)
    return names
