"""Baking: train flexible, deploy plain.

A layer whose kernel is fixed once trained implements ``bake(self, *sizes: int) -> nn.Module``
(``sizes``: the input's spatial size, needed only when the kernel depends on it) and returns a
module with identical outputs: a ``torch.nn.Conv*d`` (behind a torch padding module when the
boundary is asymmetric) where the configuration maps onto one — built by :func:`plain_conv` —
else a fixed-kernel module. :func:`bake` does it for a whole model, learning each layer's input
size from one example forward.
"""

from __future__ import annotations

import copy
import math
from typing import Any, cast

import torch
from torch import Tensor, nn

from anyconv.functional.dispatch import CROSSOVER_AREA_FORWARD, CROSSOVER_FORWARD, _interpolate
from anyconv.functional.geometry import Padding, make_geometry

_PADS: dict[tuple[str, int], Any] = {
    ("zeros", 1): nn.ConstantPad1d, ("zeros", 2): nn.ConstantPad2d,
    ("reflect", 1): nn.ReflectionPad1d, ("reflect", 2): nn.ReflectionPad2d,
    ("replicate", 1): nn.ReplicationPad1d, ("replicate", 2): nn.ReplicationPad2d,
    ("circular", 1): nn.CircularPad1d, ("circular", 2): nn.CircularPad2d,
}


def _fft_is_faster(kernel_sizes: tuple[int, ...], spans: tuple[int, ...], sizes: tuple[int, ...] | None) -> bool:
    """The inference crossover of :mod:`anyconv.functional.dispatch` (no stride discount: a plain
    conv would be strided too). Without ``sizes`` the input is taken as long as the kernel's span."""
    if len(kernel_sizes) == 1:
        length = sizes[0] if sizes else spans[0]
        return kernel_sizes[0] >= round(_interpolate(CROSSOVER_FORWARD, length + spans[0] - kernel_sizes[0]))
    return math.prod(kernel_sizes) >= CROSSOVER_AREA_FORWARD


def plain_conv(
    weight: Tensor,
    bias: Tensor | None,
    *,
    ndim: int,
    mode: str | None = None,
    padding: Padding | None = 0,
    stride: int | tuple[int, ...] = 1,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    flip: bool = False,
    method: str = "auto",
    sizes: tuple[int, ...] | None = None,
) -> nn.Module:
    """The plain module that applies ``weight`` as ``anyconv.functional.conv*d`` with these arguments would.

    - ``torch.nn.Conv*d`` (weights copied; reversed first if ``flip``) when torch's conv takes
      the boundary itself: torch's ``padding`` and ``padding_mode``, or a ``mode`` whose
      extension is symmetric (odd spans of ``same``/``circular``, ``valid``);
    - ``nn.Sequential(<torch padding module>, nn.Conv*d)`` for asymmetric extensions
      (``causal``, ``full`` is symmetric, even-span ``same``/``padding="same"``);
    - a frozen :class:`anyconv.Conv1d`/``Conv2d`` holding the kernel when the FFT engine is the
      faster one (``method="fft"``, or ``"auto"`` past the crossover of
      :mod:`anyconv.functional.dispatch` for inputs of ``sizes``; without ``sizes`` the input
      is taken as long as the kernel's span). ``method="direct"`` always gives torch modules.

    ``padding`` of ``0``, ``None`` or all zeros beside a ``mode`` counts as not given.
    A circular extension longer than the input (a kernel span past the input size with
    ``mode="circular"``) cannot run in torch's padding module: pass ``sizes`` and the fixed-kernel
    layer is returned instead.

    Shape:
        weight: ``(C_out, C_in/groups, *K)``; bias: ``(C_out,)`` or None; the module maps
        ``(B, C_in, *S) → (B, C_out, *S_out)``.
    """
    if weight.ndim != ndim + 2:
        raise ValueError(f"plain_conv: weight must have shape (C_out, C_in/groups, *K) ({ndim + 2}-D), got {tuple(weight.shape)}")
    zero = padding is None or padding == 0 or (isinstance(padding, (tuple, list)) and not any(padding))
    if mode is not None and not zero:
        raise ValueError(f"plain_conv: give either mode= or padding=, not both; got mode={mode!r} and padding={padding!r}")
    geometry = make_geometry(
        ndim=ndim, mode=mode, padding=None if mode is not None else (0 if padding is None else padding),
        stride=stride, dilation=dilation, padding_mode=padding_mode, name="plain_conv",
    )
    kernel_sizes = tuple(int(k) for k in weight.shape[-ndim:])
    spans = geometry.effective_kernel_sizes(kernel_sizes)
    pads = geometry.pads(kernel_sizes)
    wraps_past_input = geometry.padding_mode == "circular" and sizes is not None and any(
        max(left, right) > n for (left, right), n in zip(pads, sizes)
    )
    if method == "fft" or wraps_past_input or (method == "auto" and _fft_is_faster(kernel_sizes, spans, sizes)):
        return _fixed_anyconv(weight, bias, ndim=ndim, geometry_args=dict(
            mode=mode, padding=geometry.padding if mode is None else 0, stride=geometry.stride,
            dilation=geometry.dilation, groups=groups, padding_mode=padding_mode,
        ), flip=flip, method=method)

    if flip:
        weight = weight.flip(tuple(range(-ndim, 0)))
    symmetric = all(left == right for left, right in pads)
    conv_cls: Any = nn.Conv1d if ndim == 1 else nn.Conv2d  # Any: torch types its args per ndim
    conv = conv_cls(
        weight.shape[1] * groups, weight.shape[0], kernel_sizes, stride=geometry.stride,
        padding=tuple(left for left, _ in pads) if symmetric else 0, dilation=geometry.dilation, groups=groups,
        bias=bias is not None, padding_mode=geometry.padding_mode if symmetric else "zeros",
        device=weight.device, dtype=weight.dtype,
    )
    with torch.no_grad():
        conv.weight.copy_(weight)
        if bias is not None:
            assert conv.bias is not None
            conv.bias.copy_(bias)
    if symmetric:
        return conv
    flat = tuple(a for left_right in reversed(pads) for a in left_right)  # torch: last axis first
    pad_cls = _PADS[(geometry.padding_mode, ndim)]
    pad = pad_cls(flat, 0.0) if geometry.padding_mode == "zeros" else pad_cls(flat)
    return nn.Sequential(pad, conv)


def _fixed_anyconv(
    weight: Tensor, bias: Tensor | None, *, ndim: int, geometry_args: dict[str, Any], flip: bool, method: str
) -> nn.Module:
    """A frozen ``anyconv.Conv*d`` holding ``weight`` (for kernels the FFT engine applies faster)."""
    from anyconv.layers.dense import Conv1d, Conv2d  # dense imports this module lazily too

    layer_cls = Conv1d if ndim == 1 else Conv2d
    c_out, c_in_g, *kernel_sizes = weight.shape
    groups = geometry_args["groups"]
    layer = layer_cls(
        c_in_g * groups, c_out, tuple(kernel_sizes), geometry_args["stride"], geometry_args["padding"],  # type: ignore[arg-type]
        geometry_args["dilation"], groups, bias is not None, geometry_args["padding_mode"],
        mode=geometry_args["mode"], method=method, flip=flip, device=weight.device, dtype=weight.dtype,
    )
    with torch.no_grad():
        layer.kernel.weight.copy_(weight)
        if bias is not None and layer.bias is not None:
            layer.bias.copy_(bias)
    return layer.requires_grad_(False)


class FixedKernel(nn.Module):
    """A kernel module that returns one stored weight: what a generated kernel becomes when baked.

    ``length``: the ``length`` argument the weight was generated for (the layer calls
    ``kernel(length)``); another length raises, since the generated kernel may differ there.
    ``None``: the kernel did not depend on the length. Plain attributes and parameter-free
    submodules of the original kernel (``like``) are copied so the layer's ``extra_repr``
    still reads them; they do not take part in ``forward``.

    Shape:
        returns ``weight`` as stored, e.g. ``(C_out, C_in/groups, K)``.
    """

    weight: Tensor

    def __init__(self, weight: Tensor, length: int | None = None, like: nn.Module | None = None) -> None:
        super().__init__()
        if like is not None:
            properties = [n for n in dir(type(like)) if isinstance(getattr(type(like), n, None), property)]
            plain = {**vars(like), **{n: getattr(like, n) for n in properties if not n.startswith("_")}}
            for name, value in plain.items():
                if not name.startswith("_") and name != "training" and isinstance(value, (bool, int, float, str, tuple)):
                    setattr(self, name, value)
            for name, child in like.named_children():
                if next(child.parameters(), None) is None and next(child.buffers(), None) is None:
                    setattr(self, name, copy.deepcopy(child))
        self.register_buffer("weight", weight.detach().clone())
        self.length = length

    def reset_parameters(self) -> None:
        """Nothing to reset: a baked kernel is fixed."""

    def forward(self, length: int | None = None) -> Tensor:
        if length is not None and self.length is not None and length != self.length:
            raise ValueError(
                f"FixedKernel: this kernel was baked for length {self.length}, got a request for length {length}; "
                "bake the layer again at the new input size"
            )
        return self.weight

    def extra_repr(self) -> str:
        return f"weight={tuple(self.weight.shape)}, length={self.length}"


@torch.no_grad()
def with_fixed_kernel(layer: nn.Module, length: int | None, kernel_length: int | None = None) -> nn.Module:
    """A copy of ``layer`` whose ``kernel`` module is replaced by a :class:`FixedKernel` holding
    ``layer.kernel(kernel_length)`` (evaluated in eval mode: no kernel dropout). Used by the
    sequence layers' ``bake``. A copy with ``method="auto"`` gets the engine that the inference
    crossover of :mod:`anyconv.functional.dispatch` picks for inputs of ``length`` (without
    autograd, as deployed): the direct engine traces into ONNX, the FFT one does not.

    Shape:
        the copy maps what ``layer`` maps, for inputs of that length.
    """
    kernel = layer.kernel
    assert isinstance(kernel, nn.Module)
    was_training = kernel.training
    kernel.eval()
    try:
        weight = kernel() if kernel_length is None else kernel(kernel_length)
    finally:
        kernel.train(was_training)
    fixed = FixedKernel(weight, kernel_length, like=kernel)
    memo = {id(kernel): fixed}  # deepcopy everything but the kernel network
    baked = copy.deepcopy(layer, memo)
    if getattr(baked, "method", None) == "auto" and weight.ndim == 3:
        # a deployed layer runs without autograd: fix the engine by the inference crossover
        # (under "auto" an input that requires grad would pick the training one)
        taps = int(weight.shape[-1])
        method = "fft" if _fft_is_faster((taps,), (taps,), None if length is None else (length,)) else "direct"
        baked.method = method  # type: ignore[assignment]  # KernelConv.method (a str), not a submodule
    return baked


def _spatial_size(args: tuple[Any, ...]) -> tuple[int, ...] | None:
    x = args[0] if args else None
    return tuple(int(n) for n in x.shape[2:]) if isinstance(x, Tensor) and x.ndim >= 3 else None


def bakeable(module: nn.Module) -> bool:
    """Has a ``bake`` method and is not marked ``data_dependent`` (its kernel comes from the input)."""
    return callable(getattr(module, "bake", None)) and not getattr(module, "data_dependent", False)


@torch.no_grad()
def bake(model: nn.Module, example_input: Tensor | tuple[Tensor, ...], *, method: str | None = None) -> nn.Module:
    """A copy of ``model`` in which every bakeable layer is replaced by ``layer.bake(*sizes)``.

    ``method``: None keeps each layer's engine choice (very long kernels stay on the FFT engine
    in a frozen ``anyconv`` conv, see :func:`plain_conv`); ``"direct"`` sets it on every baked
    layer (and its sublayers) first, so every convolution becomes torch's own — what ONNX export
    needs (no exporter translates ``torch.fft``), at the direct engine's cost for long kernels.

    One forward of ``example_input`` (under ``torch.no_grad()``, every module in eval mode so
    batch-norm statistics do not move; the copy's train/eval flags are restored) records each
    bakeable layer's input spatial size. The outermost bakeable modules are baked (their
    children are not visited again); layers the example forward never reaches are left as they
    are; data-dependent layers (``data_dependent = True``: Orchid, CondConv, DynamicConv) are
    left alone. ``model`` itself is not changed. A layer called at several input sizes raises.

    Shape:
        ``example_input``: what ``model`` takes (a tensor, or a tuple of positional arguments).
    """
    if method not in (None, "auto", "direct", "fft"):
        raise ValueError(f"bake: method must be None, 'auto', 'direct' or 'fft', got {method!r}")
    baked = copy.deepcopy(model)
    targets: dict[str, nn.Module] = {}
    closed: list[str] = []  # baked or data-dependent subtrees: nothing inside is visited
    for name, module in baked.named_modules():
        if any(prefix == "" or name.startswith(prefix + ".") for prefix in closed):
            continue
        if getattr(module, "data_dependent", False):
            closed.append(name)
        elif bakeable(module):
            targets[name] = module
            closed.append(name)
    sizes: dict[str, set[tuple[int, ...] | None]] = {name: set() for name in targets}

    def recorder(name: str):
        def hook(_module: nn.Module, args: tuple[Any, ...]) -> None:
            sizes[name].add(_spatial_size(args))

        return hook

    handles = [module.register_forward_pre_hook(recorder(name)) for name, module in targets.items()]
    flags = {module: module.training for module in baked.modules()}
    try:
        baked.eval()
        if isinstance(example_input, tuple):
            baked(*example_input)
        else:
            baked(example_input)
    finally:
        for handle in handles:
            handle.remove()
        for module, flag in flags.items():
            module.training = flag

    for name, module in targets.items():
        seen = sizes[name]
        if not seen:
            continue  # not reached by the example forward: left as it is
        if len(seen) > 1:
            raise ValueError(f"bake: layer {name or '<model>'} ({type(module).__name__}) ran at several input sizes {sorted(seen, key=str)}; "
                             "it can only be baked for one")
        (size,) = seen
        if method is not None:
            for sub in module.modules():
                if isinstance(getattr(sub, "method", None), str):
                    sub.method = method  # type: ignore[assignment]  # KernelConv.method, a str
        replacement = cast(Any, module).bake(*(size or ()))
        if name == "":
            return replacement
        parent_name, _, child = name.rpartition(".")
        parent = baked.get_submodule(parent_name)
        setattr(parent, child, replacement)
    return baked
