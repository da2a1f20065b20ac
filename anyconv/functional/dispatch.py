"""``method="auto"``: choose the direct or the FFT engine from a crossover measured on CPU.

The crossover table comes from ``benchmarks/fftconv.py --crossover`` (depthwise, B=8, C=64,
2 threads; see ``docs/benchmarks.md``). For a sequence of length ``L`` the FFT engine is used
once the kernel has at least ``threshold(L)`` taps; with autograd the backward pass of the
direct engine is far slower, so the threshold is lower. Between measured lengths the threshold
is interpolated in log-space. 2-D problems compare the kernel *area* with a measured area.
The tables were measured on depthwise kernels (the long-kernel case); 2-D problems with dense
channel mixing have their own, larger areas (measured); 1-D dense problems use the depthwise
table (not separately measured).
"""

from __future__ import annotations

import math

import torch

from anyconv.functional._checks import ConvProblem

# (L, smallest K at which FFT wins) — forward only, and forward + backward. Measured on the
# K = 2^j - 1 grid by `python -m benchmarks.fftconv --crossover --lengths 256 1024 4096 16384`
# (2026-11-25, AMD EPYC, 2 threads); L = 256 forward: direct won up to K = L; L = 65536 is
# extrapolated (the crossover doubles per 4x in L).
CROSSOVER_FORWARD: tuple[tuple[int, int], ...] = ((256, 256), (1024, 127), (4096, 255), (16384, 511), (65536, 1023))
CROSSOVER_TRAINING: tuple[tuple[int, int], ...] = ((256, 15), (1024, 15), (4096, 31), (16384, 63), (65536, 127))
# 2-D: FFT wins from a kernel area of this many taps. Measured with
# `python -m benchmarks.fftconv --crossover-2d 64` (depthwise, B=8, C=64, 64x64 maps, K = 3, 7, 11, ...).
CROSSOVER_AREA_FORWARD = 15 * 15
CROSSOVER_AREA_TRAINING = 7 * 7
# 2-D with dense channel mixing (``C_in / groups >= DENSE_MIXING``): torch's direct conv is a
# GEMM that the FFT engine's per-frequency channel sums cannot beat until much larger kernels.
# Measured 2026-11-28 (B=4, C_in = C_out = 16 and 64, 32x32 maps, 1 thread, thread CPU time):
# training FFT/direct 7.4x at 7x7, 4.4x at 11x11, 0.70-0.94x at 15x15; forward 4.4-6.6x at
# 11x11, 0.8-1.4x at 15x15, 0.4-1.0x at 21x21. (C_in = 4 follows the depthwise tables.)
DENSE_MIXING = 16
CROSSOVER_AREA_FORWARD_DENSE = 21 * 21
CROSSOVER_AREA_TRAINING_DENSE = 15 * 15


def _interpolate(table: tuple[tuple[int, int], ...], length: int) -> float:
    xs = [math.log(n) for n, _ in table]
    ys = [math.log(k) for _, k in table]
    x = math.log(max(length, 1))
    if x <= xs[0]:
        return math.exp(ys[0])
    if x >= xs[-1]:
        return math.exp(ys[-1])
    for (x0, y0), (x1, y1) in zip(zip(xs, ys), zip(xs[1:], ys[1:])):
        if x0 <= x <= x1:
            return math.exp(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    raise AssertionError("unreachable: table is sorted")


def choose_method(problem: ConvProblem, *, needs_grad: bool, dtype: torch.dtype) -> str:
    """Return ``"direct"`` or ``"fft"`` for a validated problem.

    ``dtype`` is accepted for callers that know it; half precision uses the same thresholds
    (the FFT engine computes it in float32, see :mod:`anyconv.functional.fft`). No choice here
    can turn finite data into NaN: the FFT engine rescales against overflow.

    Stride and dilation (not separately measured; a cost model on top of the tables): the
    direct engine does ``L_out · K`` work, so a stride ``s`` divides it by ``s``, and dilation
    costs it nothing; the FFT engine transforms ``L + K_eff - 1`` samples whatever the stride,
    as if the input were ``n = L + K_eff - K`` long. So the FFT is chosen once
    ``K >= s · threshold(n) · n / L`` (1-D) or the area ``>= s_h s_w · area · Π n / Π L`` (2-D):
    exactly the measured tables when ``s = d = 1``.
    """
    del dtype  # same crossover for every dtype (not separately measured for half precision)
    spans = problem.effective_kernel_sizes
    if problem.geometry.padding_mode == "circular" and max(spans) > min(problem.lengths):
        return "fft"  # both work; FFT avoids gathering several periods of the input
    stretch, stride = 1.0, 1  # plain loops: torch.compile traces them (not math.prod over a generator)
    for n, span, k, s in zip(problem.lengths, spans, problem.kernel_sizes, problem.geometry.stride):
        stretch *= (n + span - k) / n
        stride *= s
    if problem.ndim == 1:
        table = CROSSOVER_TRAINING if needs_grad else CROSSOVER_FORWARD
        n = problem.lengths[0] + spans[0] - problem.kernel_sizes[0]
        threshold = round(_interpolate(table, n)) * stride * stretch
        return "fft" if problem.kernel_sizes[0] >= threshold else "direct"
    area = math.prod(problem.kernel_sizes)
    if problem.in_channels // problem.groups >= DENSE_MIXING:
        base = CROSSOVER_AREA_TRAINING_DENSE if needs_grad else CROSSOVER_AREA_FORWARD_DENSE
    else:
        base = CROSSOVER_AREA_TRAINING if needs_grad else CROSSOVER_AREA_FORWARD
    area_threshold = base * stride * stretch
    return "fft" if area >= area_threshold else "direct"
