"""Public engines ``conv1d`` and ``conv2d``: validate once, pick an engine, apply."""

from __future__ import annotations

import torch
from torch import Tensor

from anyconv.functional._checks import ConvProblem, check_conv_args
from anyconv.functional.direct import direct_conv
from anyconv.functional.dispatch import choose_method
from anyconv.functional.fft import fft_conv
from anyconv.functional.geometry import Geometry, Padding
from anyconv.functional.per_sample import add_bias


def resolve_method(x: Tensor, weight: Tensor, problem: ConvProblem, method: str) -> str:
    """The engine that ``method`` means for this call (``"auto"`` → direct or fft)."""
    if method != "auto":
        return method
    needs_grad = torch.is_grad_enabled() and (x.requires_grad or weight.requires_grad)
    return choose_method(problem, needs_grad=needs_grad, dtype=x.dtype)


def _empty_output(x: Tensor, weight: Tensor, bias: Tensor | None, problem: ConvProblem) -> Tensor:
    """The output of a problem with no batch, no input or no output channels: zeros (plus bias).

    Kept in the autograd graph (a zero multiple of the empty or unused inputs), so backward gives
    zero gradients as torch's conv does.

    Shape:
        ``(B, C_out, *S_out)``
    """
    y = x.new_zeros((problem.batch, problem.out_channels, *problem.output_lengths))  # (B, C_out, *S_out)
    if x.requires_grad or weight.requires_grad:
        y = y + (x.sum() + weight.sum()) * 0  # sums of empty tensors, or an empty y: never NaN in a value
    return add_bias(y, bias, problem.ndim)


def apply(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    *,
    ndim: int,
    mode: str | None = None,
    padding: Padding | None = None,
    stride: int | tuple[int, ...] = 1,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    method: str = "auto",
    flip: bool = False,
    check_finite: bool = True,
    geometry: Geometry | None = None,
) -> tuple[Tensor, str]:
    """Validate, dispatch and apply; returns the output and the engine that ran.

    ``geometry``: the :class:`~anyconv.functional.geometry.Geometry` already made from ``mode``,
    ``padding``, ``stride``, ``dilation`` and ``padding_mode`` (a layer's, to skip validating
    them on every call); those arguments are then ignored.
    """
    problem = check_conv_args(
        x, weight, bias, ndim=ndim, mode=mode, groups=groups, method=method, padding=padding, stride=stride,
        dilation=dilation, padding_mode=padding_mode, geometry=geometry,
    )
    chosen = resolve_method(x, weight, problem, method)
    if problem.batch == 0 or problem.in_channels == 0 or problem.out_channels == 0:
        return _empty_output(x, weight, bias, problem), chosen
    geometry = problem.geometry
    args = dict(
        pads=problem.pads, padding_mode=geometry.padding_mode, stride=geometry.stride, dilation=geometry.dilation,
        groups=groups, flip=flip,
    )
    if chosen == "fft":
        return fft_conv(x, weight, bias, check_finite=check_finite, name=f"conv{ndim}d", **args), chosen  # type: ignore[arg-type]
    return direct_conv(x, weight, bias, **args), chosen  # type: ignore[arg-type]


_ARGS_DOC = """
    Args:
        x: input.
        weight: one kernel bank shared over the batch, or one per batch element.
        bias: ``(C_out,)``, or ``(B, C_out)`` with per-sample weights.
        stride, dilation: as in torch (an int or one per axis); both engines support them (the
            FFT engine spreads the kernel with zeros and subsamples its output).
        padding: torch's padding (an int or one per axis on both sides, ``"same"``, ``"valid"``);
            give ``padding`` *or* ``mode``, not both.
        groups: as in torch.
        mode: ``"valid"``, ``"same"``, ``"causal"``, ``"full"`` or ``"circular"`` (see
            :mod:`anyconv.functional.padding`), applied to the dilated kernel span
            ``d (K - 1) + 1``; with a stride the stride-1 output is subsampled. Neither ``mode``
            nor ``padding`` → ``mode="same"``.
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``: what the
            extension (from ``padding`` or from ``mode``) holds, as ``torch.nn.Conv*d``'s argument.
            ``mode="circular"`` is ``mode="same"`` with ``padding_mode="circular"``.
        method: ``"direct"``, ``"fft"`` or ``"auto"`` (measured crossover, see
            :mod:`anyconv.functional.dispatch`).
        check_finite: with the FFT engine, first test ``x`` and ``weight`` for NaN/inf and raise
            a ValueError (one reduction and one host sync per call). ``False`` skips the test
            (a NaN or inf then spreads to every output of its channel); it is always skipped
            while ``torch.compile`` traces.
"""


def conv1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int] = 1,
    padding: Padding | None = None,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
    *,
    mode: str | None = None,
    padding_mode: str = "zeros",
    method: str = "auto",
    flip: bool = False,
    check_finite: bool = True,
) -> Tensor:
    """1-D convolution with torch's arguments, an explicit boundary mode, orientation and engine.

    The positional order is :func:`torch.nn.functional.conv1d`'s; with ``padding`` given (and
    ``flip=False``) the result is exactly ``F.conv1d(F.pad(x, ..., padding_mode), weight, ...)``.
    See the module :mod:`anyconv.functional.geometry` for how ``mode`` and ``padding`` relate.

    ``flip``: ``False`` — cross-correlation exactly like ``torch.nn.functional.conv1d``
    (``y[t] = Σ_k w[k] x[t + k - left]``); ``True`` — true convolution
    ``y[t] = Σ_s w[s] x[t - s + ...]`` (with ``mode="causal"``: ``y[t] = Σ_s w[s] x[t - s]``,
    ``w[0]`` is "now"; the Hyena/LongConv/SGConv convention). With ``mode="same"``
    (and ``"circular"``) ``flip=True`` gives ``y[t] = Σ_s w[s] x[t - s + c]`` with
    ``c = ⌈(K-1)/2⌉`` — torch's rule (``F.conv1d(x, w.flip(-1), padding="same")``); for an
    even ``K`` that is one more than ``scipy.signal.convolve(mode="same")``'s ``⌊(K-1)/2⌋``.
    {args}
    An empty batch (``B = 0``) gives an empty output; ``C_in = 0`` gives zeros (plus ``bias``).
    The FFT engine rescales by powers of two so it cannot overflow where the direct result is
    finite, and computes ``float16``/``bfloat16`` input in ``float32`` (result cast back to
    ``x.dtype``); under ``torch.autocast`` a float32 weight may meet a half-precision ``x``.
    Its depthwise path (``groups = C_in = C_out``, the long-convolution layers') is once
    differentiable: a second derivative raises; ``method="direct"`` gives second derivatives.

    Shape:
        x: ``(B, C_in, L)``; weight: ``(C_out, C_in/groups, K)`` or ``(B, C_out, C_in/groups, K)``;
        output: ``(B, C_out, L_out)``, ``L_out = ⌊(L + left + right - d (K-1) - 1) / stride⌋ + 1``:
        with stride 1 and dilation 1, ``L`` for same/causal/circular, ``L + K - 1`` for full and
        ``L - K + 1`` for valid. ``K`` may exceed ``L``.
    """
    return apply(
        x, weight, bias, ndim=1, mode=mode, padding=padding, stride=stride, dilation=dilation, groups=groups,
        padding_mode=padding_mode, method=method, flip=flip, check_finite=check_finite,
    )[0]


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: Padding | None = None,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    *,
    mode: str | None = None,
    padding_mode: str = "zeros",
    method: str = "auto",
    flip: bool = False,
    check_finite: bool = True,
) -> Tensor:
    """2-D convolution; a boundary ``mode`` applies to both axes (``"causal"`` is rejected).

    See :func:`conv1d` for the arguments. With ``flip=True`` (true convolution) and
    ``mode="same"`` the output is ``y[i, j] = Σ w[a, b] x[i - a + ch, j - b + cw]`` with
    ``ch = ⌈(Kh-1)/2⌉`` and ``cw = ⌈(Kw-1)/2⌉``: torch's rule, i.e. exactly
    ``F.conv2d(x, w.flip(-2, -1), padding="same")``. For an even kernel size this is one
    sample later than ``scipy.signal.convolve2d(mode="same")``, which uses ``⌊(K-1)/2⌋``
    (odd sizes agree).
    {args}
    Shape:
        x: ``(B, C_in, H, W)``; weight: ``(C_out, C_in/groups, Kh, Kw)`` or
        ``(B, C_out, C_in/groups, Kh, Kw)``; output: ``(B, C_out, H_out, W_out)`` (the 1-D rule per axis).
    """
    return apply(
        x, weight, bias, ndim=2, mode=mode, padding=padding, stride=stride, dilation=dilation, groups=groups,
        padding_mode=padding_mode, method=method, flip=flip, check_finite=check_finite,
    )[0]


conv1d.__doc__ = (conv1d.__doc__ or "").replace("{args}", _ARGS_DOC)
conv2d.__doc__ = (conv2d.__doc__ or "").replace("{args}", _ARGS_DOC)
