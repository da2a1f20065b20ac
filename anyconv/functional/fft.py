"""FFT engine: ``rfft → multiply → irfft``, O(N log N) in the sequence length.

Linear modes (``valid``, ``same``, ``causal``, ``full``) zero-pad every axis to a fast FFT size
``>= L + K - 1`` so that nothing wraps; only ``circular`` transforms at size ``L`` (a kernel
longer than ``L`` is first folded modulo ``L``).
"""

from __future__ import annotations

import torch
from scipy.fft import next_fast_len
from torch import Tensor

from anyconv.functional.padding import output_length, pad_amounts
from anyconv.functional.per_sample import add_bias


def fast_length(n: int) -> int:
    """Smallest length ``>= n`` for which a real FFT is fast (only small prime factors)."""
    return int(next_fast_len(int(n), real=True))


def _fold(kernel: Tensor, axis: int, length: int) -> Tensor:
    """Wrap a kernel axis longer than ``length`` onto ``length`` taps: tap ``s`` adds into ``s mod length``."""
    axis = axis % kernel.ndim
    size = kernel.shape[axis]
    if size <= length:
        return kernel
    reps = -(-size // length)
    moved = torch.nn.functional.pad(kernel.movedim(axis, -1), (0, reps * length - size))  # (..., reps*length)
    folded = moved.reshape(*moved.shape[:-1], reps, length).sum(dim=-2)  # (..., length)
    return folded.movedim(-1, axis)


def _rfft(t: Tensor, sizes: tuple[int, ...]) -> Tensor:
    if len(sizes) == 1:  # the 1-D transform is measurably cheaper than rfftn over one axis
        return torch.fft.rfft(t, n=sizes[0])
    return torch.fft.rfftn(t, s=sizes, dim=tuple(range(-len(sizes), 0)))


def _irfft(t: Tensor, sizes: tuple[int, ...]) -> Tensor:
    if len(sizes) == 1:
        return torch.fft.irfft(t, n=sizes[0])
    return torch.fft.irfftn(t, s=sizes, dim=tuple(range(-len(sizes), 0)))


def _mix(xf: Tensor, kf: Tensor, groups: int, per_sample: bool) -> Tensor:
    """Channel mixing in the frequency domain: ``Y[b,o] = Σ_i X[b,i] · K[o,i]`` within each group.

    Shape:
        xf: ``(B, C_in, *F)``; kf: ``(C_out, C_in/g, *F)`` or ``(B, C_out, C_in/g, *F)`` → ``(B, C_out, *F)``
    """
    batch, in_channels = xf.shape[:2]
    out_channels, in_per_group = kf.shape[-xf.ndim : -xf.ndim + 2]
    freq = xf.shape[2:]
    if in_per_group == 1 and out_channels == in_channels:  # depthwise: a plain product
        return xf * (kf[:, :, 0] if per_sample else kf[:, 0])
    out_per_group = out_channels // groups
    xg = xf.reshape(batch, groups, in_per_group, *freq)  # (B, g, C_in/g, *F)
    if per_sample:
        kg = kf.reshape(batch, groups, out_per_group, in_per_group, *freq)  # (B, g, C_out/g, C_in/g, *F)
        yg = torch.einsum("bgi...,bgoi...->bgo...", xg, kg)
    else:
        kg = kf.reshape(groups, out_per_group, in_per_group, *freq)  # (g, C_out/g, C_in/g, *F)
        yg = torch.einsum("bgi...,goi...->bgo...", xg, kg)
    return yg.reshape(batch, out_channels, *freq)  # (B, C_out, *F)


def fft_conv(x: Tensor, weight: Tensor, bias: Tensor | None, *, mode: str, groups: int, flip: bool) -> Tensor:
    """Apply ``weight`` to ``x`` through the FFT (arguments already validated; float32/float64).

    Computes exactly what :func:`anyconv.functional.direct.direct_conv` computes.

    Shape:
        x: ``(B, C_in, *S)``; weight: ``(C_out, C_in/groups, *K)`` or ``(B, C_out, C_in/groups, *K)``;
        output: ``(B, C_out, *S_out)``.
    """
    ndim = x.ndim - 2
    dims = tuple(range(-ndim, 0))
    lengths = tuple(x.shape[-ndim:])
    kernel_sizes = tuple(weight.shape[-ndim:])
    per_sample = weight.ndim == ndim + 3
    # g is the *convolution* kernel: correlation with w == convolution with reversed w.
    g = weight if flip else weight.flip(dims)
    lefts = [pad_amounts(mode, k)[0] for k in kernel_sizes]

    if mode == "circular":
        for axis, n in zip(dims, lengths):
            g = _fold(g, axis, n)
        z = _irfft(_mix(_rfft(x, lengths), _rfft(g, lengths), groups, per_sample), lengths)
        # y[t] = z[(t + K - 1 - left) mod L] on every axis
        shifts = tuple(-((k - 1 - left) % n) for k, left, n in zip(kernel_sizes, lefts, lengths))
        return add_bias(torch.roll(z, shifts=shifts, dims=dims), bias, ndim)

    sizes = tuple(fast_length(n + k - 1) for n, k in zip(lengths, kernel_sizes))
    z = _irfft(_mix(_rfft(x, sizes), _rfft(g, sizes), groups, per_sample), sizes)  # full linear conv (+ zeros)
    # y[t] = z[t + K - 1 - left]
    for axis, n, k, left in zip(dims, lengths, kernel_sizes, lefts):
        start = k - 1 - left
        z = z.narrow(axis, start, output_length(mode, n, k))
    return add_bias(z, bias, ndim)
