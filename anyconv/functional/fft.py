"""FFT engine: ``rfft → multiply → irfft``, O(N log N) in the sequence length.

Linear modes (``valid``, ``same``, ``causal``, ``full``) zero-pad every axis to a fast FFT size
``>= L + max(left, right)`` (and ``>= K``): no *kept* output wraps (overlap-save; ``L + K - 1``
for ``full`` and ``causal``, less for smaller paddings); only ``circular`` transforms at size
``L`` (a kernel longer than ``L`` is first folded modulo ``L``). The 1-D ``rfft`` has a cheaper
backward than torch's (:func:`rfft`).

**No overflow inside the transform.** A spectrum sums up to ``N`` inputs, so data near the
floating-point maximum (``1e37`` in float32) overflows to inf inside the FFT and comes back as
NaN even where the true (direct) result is finite. The engine therefore divides ``x`` and the
kernel by powers of two ``2^ex``, ``2^ew`` that bring their largest magnitude into
``[0.5, 1)`` (within the limits of :func:`_pow2_exponent`), transforms, and multiplies the result
by ``2^(ex + ew)``. Powers of two are exact: the result is bit-for-bit what the unscaled
transform gives whenever that one does not overflow, and the scales are computed on the device
(no host sync, ``torch.compile``-friendly). The scales are constants for autograd, so gradients
are exact too, but the backward pass is not rescaled: with data within a factor of about
``N · K`` of the dtype's maximum a gradient can still overflow inside the transform (the direct
engine has no such limit). One ``aminmax`` reduction per operand gives both the scale and the
finiteness test: with ``check_finite=True`` (the default) the two maxima come to the host in one
sync, NaN/inf is refused, and the rescaling is skipped when the bound
``max|x| · max|w| · N · K`` shows that nothing can overflow (the common case: then the engine
costs what the bare transform costs). With ``check_finite=False`` (or under ``torch.compile``)
nothing is synced and the rescaling always runs (one multiplication per operand and output).

**Half precision.** ``float16``/``bfloat16`` inputs (as ``torch.autocast`` produces) are
transformed in ``float32`` and the result is cast back to the dtype of ``x``.
"""

from __future__ import annotations

import math
from types import EllipsisType

import torch
import torch.nn.functional as F
from torch import Tensor

from anyconv.functional.padding import extend_by
from anyconv.functional.per_sample import add_bias


def fast_length(n: int) -> int:
    """Smallest length ``>= n`` for which a real FFT is fast: a 5-smooth number ``2^a 3^b 5^c``.

    Equal to ``scipy.fft.next_fast_len(n, real=True)``; pure Python on ints so that
    ``torch.compile`` folds it into a constant instead of breaking the graph on a SciPy call.
    """
    n = max(int(n), 1)
    best = 1 << (n - 1).bit_length()  # next power of two
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            quotient = -(-n // p35)  # smallest power of two times p35 that reaches n
            best = min(best, p35 * (1 << (quotient - 1).bit_length()))
            p35 *= 3
        p5 *= 5
    return best


def _max_abs(t: Tensor) -> Tensor:
    """``max|t|`` as a 0-d tensor (NaN if ``t`` holds NaN, inf if inf): one reduction, no temporary."""
    low, high = torch.aminmax(t.detach())
    return torch.maximum(high, -low)


def _pow2_exponent(max_abs: Tensor) -> Tensor:
    """Integer ``e`` (0-d tensor) with ``max_abs / 2^e`` in ``[0.5, 1)``, clamped to ``|e| <= E``.

    ``E`` is half the dtype's exponent range less one (63 for float32, 511 for float64), so that
    ``2^-e`` and the product ``2^(e_x + e_w)`` that undoes two scalings are normal numbers: one
    exact multiplication each. (A float32 operand beyond ``2^63`` keeps up to ``2^65``, which
    the transform still holds for ``N² · K < 2^60``.)
    """
    bound = math.frexp(torch.finfo(max_abs.dtype).max)[1] // 2 - 1
    _, exponent = torch.frexp(max_abs)  # max|t| = m · 2^e, m in [0.5, 1); 0 → e = 0
    return exponent.clamp(-bound, bound).to(max_abs.dtype)


def _checked_scales(
    x: Tensor, weight: Tensor, *, check_finite: bool, name: str
) -> tuple[Tensor, Tensor, Tensor] | None:
    """The power-of-two scales of ``x``, ``weight`` and the output, or None when none is needed.

    With ``check_finite`` (and not under ``torch.compile``): one host sync fetches both maxima,
    NaN/inf raises a ValueError, and None is returned when ``max|x| · max|w| · N · K`` (a bound
    on every spectrum, product and output) stays 2^8 below the dtype's maximum.
    """
    mx, mw = _max_abs(x), _max_abs(weight)
    if check_finite and not torch.compiler.is_compiling():
        host_x, host_w = torch.stack([mx, mw]).tolist()  # the one sync
        for what, value in (("x", host_x), ("weight", host_w)):
            if not math.isfinite(value):
                raise ValueError(
                    f"{name}: {what} contains NaN or inf; the FFT engine would spread it to every output "
                    "position. Clean the input, use method='direct', or pass check_finite=False to skip this test"
                )
        terms = math.prod(x.shape[2:]) * math.prod(weight.shape[-(x.ndim - 2):])
        if host_x * host_w * terms < torch.finfo(x.dtype).max * 2.0**-8:
            return None
    ex, ew = _pow2_exponent(mx), _pow2_exponent(mw)
    return torch.exp2(-ex), torch.exp2(-ew), torch.exp2(ex + ew)  # exact powers of two


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


def _rfft(t: Tensor, sizes: tuple[int, ...], scale: Tensor | None) -> Tensor:
    """Real FFT of ``scale · t`` (``t`` if ``scale`` is None) zero-padded to ``sizes``; the scaling
    is done in place on the padded copy (no second temporary of the input's size)."""
    if len(sizes) == 1:  # rfft zero-pads itself; scale first (smaller than the padded copy)
        return rfft(t if scale is None else t * scale, sizes[0])
    pad: list[int] = []  # F.pad wants the last axis first
    for axis, size in zip(range(t.ndim - 1, -1, -1), reversed(sizes)):
        pad += [0, size - t.shape[axis]]
    if scale is None:
        t = F.pad(t, pad) if any(pad) else t
    else:
        t = F.pad(t, pad).mul_(scale) if any(pad) else t * scale
    return torch.fft.rfftn(t, dim=tuple(range(-len(sizes), 0)))


def rfft(t: Tensor, n: int) -> Tensor:
    """``torch.fft.rfft(t, n=n)`` over the last axis, with the cheaper backward of :class:`_Rfft1d`.

    Shape:
        t: ``(*, m)``, ``m <= n`` → ``(*, n // 2 + 1)`` complex
    """
    return _Rfft1d.apply(t, n)


class _Rfft1d(torch.autograd.Function):
    """``torch.fft.rfft(t, n)`` over the last axis with a cheaper backward: torch's backward of a
    one-sided transform zero-fills the full spectrum and runs a complex-to-complex transform;
    the adjoint is also ``n · irfft(g')`` with ``g'`` the gradient with its interior
    frequencies halved (``Re(g_k e^{iθ}) = 2 Re((g_k/2) e^{iθ})``; ``irfft`` reads only the real
    part of the DC and Nyquist terms, which is what the adjoint takes there). Linear in the
    gradient, so double backward is exact too.

    Shape:
        t: ``(*, m)``, ``m <= n`` → ``(*, n // 2 + 1)`` complex
    """

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, t: Tensor, n: int) -> Tensor:
        ctx.length, ctx.n = t.shape[-1], n  # type: ignore[attr-defined]
        return torch.fft.rfft(t, n=n)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: Tensor) -> tuple[Tensor, None]:
        n, length = ctx.n, ctx.length  # type: ignore[attr-defined]
        half = grad * 0.5  # (*, n//2+1): interior frequencies count twice in irfft
        half[..., 0] = grad[..., 0]
        if n % 2 == 0:
            half[..., -1] = grad[..., -1]
        return torch.fft.irfft(half, n=n, norm="forward")[..., :length], None


class _DepthwiseConv1d(torch.autograd.Function):
    """Depthwise 1-D convolution by one cyclic transform of size ``n``, outputs ``start ..
    start + count − 1`` kept: ``irfft(rfft(x) ⊙ rfft(g))`` in one op, with the adjoints written
    out for the backward (``∂x = irfft(G ⊙ conj(rfft g))``, ``∂g = irfft(G ⊙ conj(rfft x))``,
    ``G = rfft`` of the output gradient put back at ``start``; a shared kernel's summed over the
    batch in the frequency domain). Composing torch's ops instead costs a zero-filled copy for
    the crop, a doubling pass in ``irfft``'s backward and a halving pass in each ``rfft``'s.
    Once differentiable (double backward raises).

    Shape:
        x: ``(B, C, L)``; g: ``(C, 1, K)`` or ``(B, C, 1, K)`` (a true-convolution kernel);
        output ``(B, C, count)``
    """

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx, x: Tensor, g: Tensor, n: int, start: int, count: int
    ) -> Tensor:
        xf = torch.fft.rfft(x, n=n)  # (B, C, n//2+1)
        gf = torch.fft.rfft(g.squeeze(-2), n=n)  # (C, n//2+1) or (B, C, n//2+1)
        ctx.save_for_backward(xf, gf)
        ctx.sizes = (x.shape[-1], g.shape[-1], n, start, count, g.ndim)  # type: ignore[attr-defined]
        return torch.fft.irfft(xf * gf, n=n).narrow(-1, start, count).contiguous()  # (B, C, count)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: Tensor) -> tuple[Tensor | None, ...]:
        xf, gf = ctx.saved_tensors  # type: ignore[attr-defined]
        length, taps, n, start, count, weight_ndim = ctx.sizes  # type: ignore[attr-defined]
        spectrum = torch.fft.rfft(F.pad(grad, (start, n - start - count)), n=n)  # (B, C, n//2+1)
        grad_x = grad_g = None
        if ctx.needs_input_grad[0]:  # type: ignore[attr-defined]
            grad_x = torch.fft.irfft(spectrum * gf.conj(), n=n)[..., :length]  # (B, C, L)
        if ctx.needs_input_grad[1]:  # type: ignore[attr-defined]
            product = spectrum.mul_(xf.conj())  # (B, C, n//2+1), in place: the spectrum is not needed again
            if weight_ndim == 3:  # one kernel for the batch
                product = product.sum(0) if product.shape[0] > 1 else product[0]  # (C, n//2+1)
            grad_g = torch.fft.irfft(product, n=n)[..., :taps].unsqueeze(-2)  # (C, 1, K) or (B, C, 1, K)
        return grad_x, grad_g, None, None, None


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
        # squeeze, not kf[:, 0]: its backward is a view, where select's fills a zero tensor and copies
        return xf * (kf.squeeze(2) if per_sample else kf.squeeze(1))
    out_per_group = out_channels // groups
    xg = xf.reshape(batch, groups, in_per_group, *freq)  # (B, g, C_in/g, *F)
    if per_sample:
        kg = kf.reshape(batch, groups, out_per_group, in_per_group, *freq)  # (B, g, C_out/g, C_in/g, *F)
        yg = torch.einsum("bgi...,bgoi...->bgo...", xg, kg)
    else:
        kg = kf.reshape(groups, out_per_group, in_per_group, *freq)  # (g, C_out/g, C_in/g, *F)
        yg = torch.einsum("bgi...,goi...->bgo...", xg, kg)
    return yg.reshape(batch, out_channels, *freq)  # (B, C_out, *F)


def dilate(weight: Tensor, dilation: tuple[int, ...]) -> Tensor:
    """The kernel with ``d - 1`` zeros between neighbouring taps on each axis (differentiable).

    Shape:
        weight: ``(*, K_1, ..., K_d)`` → ``(*, d_1 (K_1 - 1) + 1, ..., d_d (K_d - 1) + 1)``
    """
    if all(d == 1 for d in dilation):
        return weight
    ndim = len(dilation)
    spans = [d * (k - 1) + 1 for d, k in zip(dilation, weight.shape[-ndim:])]
    out = weight.new_zeros(*weight.shape[:-ndim], *spans)  # (*, K_eff...)
    every: tuple[EllipsisType | slice, ...] = (..., *(slice(None, None, d) for d in dilation))
    out[every] = weight
    return out


def fft_conv(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    *,
    pads: tuple[tuple[int, int], ...],
    padding_mode: str,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    groups: int,
    flip: bool,
    check_finite: bool = True,
    name: str = "conv",
) -> Tensor:
    """Apply ``weight`` to ``x`` through the FFT (arguments already validated, non-empty).

    Computes what :func:`anyconv.functional.direct.direct_conv` computes, with the finiteness
    test, the power-of-two rescaling and the half-precision handling described in the module
    docstring (``name`` prefixes the NaN/inf error). Dilation: the kernel is spread out with
    zeros between its taps; stride: the stride-1 output is subsampled (the transform computes
    every output, so a stride saves nothing here). Zero padding up to ``K_eff - 1`` per side
    and a wrap-around boundary with ``left + right = K_eff - 1`` cost nothing extra; other
    paddings (reflect, replicate, larger amounts) extend ``x`` first.

    Shape:
        x: ``(B, C_in, *S)``; weight: ``(C_out, C_in/groups, *K)`` or ``(B, C_out, C_in/groups, *K)``;
        output: ``(B, C_out, *S_out)``.
    """
    out_dtype = x.dtype
    if out_dtype not in (torch.float32, torch.float64) or weight.dtype != out_dtype:
        compute = torch.float64 if torch.float64 in (x.dtype, weight.dtype) else torch.float32
        x, weight = x.to(compute), weight.to(compute)
        bias = None if bias is None else bias.to(compute)
    ndim = x.ndim - 2
    spans = [d * (k - 1) + 1 for d, k in zip(dilation, weight.shape[-ndim:])]
    circular = padding_mode == "circular" and all(left + right == k - 1 for (left, right), k in zip(pads, spans))
    implicit = padding_mode == "zeros" and all(left < k and right < k for (left, right), k in zip(pads, spans))
    if not (circular or implicit):
        x, pads = extend_by(x, pads, padding_mode), tuple((0, 0) for _ in spans)
    with torch.autocast(x.device.type, enabled=False):  # complex products must not be downcast
        scales = _checked_scales(x, weight, check_finite=check_finite, name=name)
        z = _fft_conv(
            x, dilate(weight, dilation), scales, lefts=[left for left, _ in pads], rights=[right for _, right in pads],
            circular=circular, stride=stride, groups=groups, flip=flip,
        )
        y = add_bias(z, bias, ndim)
    return y.to(out_dtype)


def _fft_conv(
    x: Tensor,
    weight: Tensor,
    scales: tuple[Tensor, Tensor, Tensor] | None,
    *,
    lefts: list[int],
    rights: list[int],
    circular: bool,
    stride: tuple[int, ...],
    groups: int,
    flip: bool,
) -> Tensor:
    """The transform without bias: ``x`` and ``weight`` enter multiplied by ``scales[0]`` and
    ``scales[1]``, the result leaves multiplied by ``scales[2]`` (shapes as :func:`fft_conv`);
    ``scales=None``: no scaling. ``weight`` is already dilated; zero padding ``lefts``/``rights``
    (each ``< K``) or, with ``circular``, a wrap-around with ``left + right = K - 1``."""
    x_scale, w_scale, out_scale = scales if scales is not None else (None, None, None)
    ndim = x.ndim - 2
    dims = tuple(range(-ndim, 0))
    lengths = tuple(x.shape[-ndim:])
    kernel_sizes = tuple(weight.shape[-ndim:])
    per_sample = weight.ndim == ndim + 3
    # g is the *convolution* kernel: correlation with w == convolution with reversed w.
    g = weight if flip else weight.flip(dims)
    strided: tuple[EllipsisType | slice, ...] = (..., *(slice(None, None, s) for s in stride))

    if circular:
        for axis, n in zip(dims, lengths):
            g = _fold(g, axis, n)
        z = _irfft(_mix(_rfft(x, lengths, x_scale), _rfft(g, lengths, w_scale), groups, per_sample), lengths)
        # y[t] = z[(t + K - 1 - left) mod L] on every axis
        shifts = tuple(-((k - 1 - left) % n) for k, left, n in zip(kernel_sizes, lefts, lengths))
        z = torch.roll(z, shifts=shifts, dims=dims)[strided]
        return z if out_scale is None else z * out_scale

    # The kept outputs are z[K-1-left .. n+right-1] of the full linear convolution z (n+K-1
    # samples); a cyclic one of size N >= n + max(left, right) (and >= n, K) aliases none of
    # them (overlap-save), so padding less than K - 1 means a shorter transform.
    sizes = tuple(fast_length(max(n + max(left, right), k)) for n, k, left, right in zip(lengths, kernel_sizes, lefts, rights))
    if ndim == 1 and weight.shape[-2] == 1 and weight.shape[-3] == x.shape[1]:  # depthwise 1-D: one fused op
        start, count = kernel_sizes[0] - 1 - lefts[0], lengths[0] + lefts[0] + rights[0] - kernel_sizes[0] + 1
        z = _DepthwiseConv1d.apply(
            x if x_scale is None else x * x_scale, g if w_scale is None else g * w_scale, sizes[0], start, count
        )[strided]  # (B, C, count), strided
        return z if out_scale is None else z * out_scale
    xf, gf = _rfft(x, sizes, x_scale), _rfft(g, sizes, w_scale)
    z = _irfft(_mix(xf, gf, groups, per_sample), sizes)  # the cyclic conv: kept outputs exact
    # y[t] = z[t + K - 1 - left], for the n + left + right - K + 1 outputs of stride 1
    for axis, n, k, left, right in zip(dims, lengths, kernel_sizes, lefts, rights):
        z = z.narrow(axis, k - 1 - left, n + left + right - k + 1)
    z = z[strided]
    return z.contiguous() if out_scale is None else z * out_scale  # only the kept outputs, contiguous
