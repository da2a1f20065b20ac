"""Public engines ``conv1d`` and ``conv2d``: validate once, pick an engine, apply."""

from __future__ import annotations

import torch
from torch import Tensor

from anyconv.functional._checks import ConvProblem, check_conv_args
from anyconv.functional.direct import direct_conv
from anyconv.functional.dispatch import choose_method
from anyconv.functional.fft import fft_conv
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
    mode: str,
    groups: int,
    method: str,
    flip: bool,
    check_finite: bool = True,
) -> tuple[Tensor, str]:
    """Validate, dispatch and apply; returns the output and the engine that ran."""
    problem = check_conv_args(x, weight, bias, ndim=ndim, mode=mode, groups=groups, method=method)
    chosen = resolve_method(x, weight, problem, method)
    if problem.batch == 0 or problem.in_channels == 0 or problem.out_channels == 0:
        return _empty_output(x, weight, bias, problem), chosen
    if chosen == "fft":
        y = fft_conv(x, weight, bias, mode=mode, groups=groups, flip=flip, check_finite=check_finite, name=f"conv{ndim}d")
        return y, chosen
    return direct_conv(x, weight, bias, mode=mode, groups=groups, flip=flip), chosen


def conv1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    *,
    mode: str = "same",
    groups: int = 1,
    method: str = "auto",
    flip: bool = False,
    check_finite: bool = True,
) -> Tensor:
    """1-D convolution with an explicit boundary mode, orientation and engine.

    Args:
        x: input sequences.
        weight: one kernel bank shared over the batch, or one per batch element.
        bias: ``(C_out,)``, or ``(B, C_out)`` with per-sample weights.
        mode: ``"valid"``, ``"same"``, ``"causal"``, ``"full"`` or ``"circular"``
            (see :mod:`anyconv.functional.padding` for the exact alignment).
        groups: as in :func:`torch.nn.functional.conv1d`.
        method: ``"direct"``, ``"fft"`` or ``"auto"`` (measured crossover, see
            :mod:`anyconv.functional.dispatch`).
        flip: ``False`` — cross-correlation exactly like ``torch.nn.functional.conv1d``
            (``y[t] = Σ_k w[k] x[t + k - left]``); ``True`` — true convolution
            ``y[t] = Σ_s w[s] x[t - s + ...]`` (with ``mode="causal"``: ``y[t] = Σ_s w[s] x[t - s]``,
            ``w[0]`` is "now"; the Hyena/LongConv/SGConv convention). With ``mode="same"``
            (and ``"circular"``) ``flip=True`` gives ``y[t] = Σ_s w[s] x[t - s + c]`` with
            ``c = ⌈(K-1)/2⌉`` — torch's rule (``F.conv1d(x, w.flip(-1), padding="same")``); for an
            even ``K`` that is one more than ``scipy.signal.convolve(mode="same")``'s ``⌊(K-1)/2⌋``.
        check_finite: with the FFT engine, first test ``x`` and ``weight`` for NaN/inf and raise
            a ValueError (one reduction and one host sync per call). ``False`` skips the test
            (a NaN or inf then spreads to every output of its channel); it is always skipped
            while ``torch.compile`` traces.

    An empty batch (``B = 0``) gives an empty output; ``C_in = 0`` gives zeros (plus ``bias``).
    The FFT engine rescales by powers of two so it cannot overflow where the direct result is
    finite, and computes ``float16``/``bfloat16`` input in ``float32`` (result cast back to
    ``x.dtype``); under ``torch.autocast`` a float32 weight may meet a half-precision ``x``.

    Shape:
        x: ``(B, C_in, L)``; weight: ``(C_out, C_in/groups, K)`` or ``(B, C_out, C_in/groups, K)``;
        output: ``(B, C_out, L_out)`` with ``L_out = L`` for same/causal/circular,
        ``L + K - 1`` for full and ``L - K + 1`` for valid. ``K`` may exceed ``L``.
    """
    return apply(
        x, weight, bias, ndim=1, mode=mode, groups=groups, method=method, flip=flip, check_finite=check_finite
    )[0]


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    *,
    mode: str = "same",
    groups: int = 1,
    method: str = "auto",
    flip: bool = False,
    check_finite: bool = True,
) -> Tensor:
    """2-D convolution; the boundary ``mode`` applies to both axes (``"causal"`` is rejected).

    See :func:`conv1d` for the arguments. With ``flip=True`` (true convolution) and
    ``mode="same"`` the output is ``y[i, j] = Σ w[a, b] x[i - a + ch, j - b + cw]`` with
    ``ch = ⌈(Kh-1)/2⌉`` and ``cw = ⌈(Kw-1)/2⌉``: torch's rule, i.e. exactly
    ``F.conv2d(x, w.flip(-2, -1), padding="same")``. For an even kernel size this is one
    sample later than ``scipy.signal.convolve2d(mode="same")``, which uses ``⌊(K-1)/2⌋``
    (odd sizes agree).

    Shape:
        x: ``(B, C_in, H, W)``; weight: ``(C_out, C_in/groups, Kh, Kw)`` or
        ``(B, C_out, C_in/groups, Kh, Kw)``; output: ``(B, C_out, H_out, W_out)``.
    """
    return apply(
        x, weight, bias, ndim=2, mode=mode, groups=groups, method=method, flip=flip, check_finite=check_finite
    )[0]
