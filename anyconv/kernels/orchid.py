"""Orchid's conditioning networks: data-dependent long kernels computed from the input (Karami &
Ghodsi 2024, "Orchid: Flexible and Data-Dependent Convolution for Sequence Modeling"; reference
``Karami-m/orchid``, ``orchid_standalone/orchid_utils.py``, ``ConvKernel_Time_Frequency``).

Both networks keep shift equivariance: a (circular) shift of the input leaves the kernel
unchanged, so the convolution with it still commutes with shifts.

**Type I** (reference ``type="absfreq"``)::

    a = LayerNorm_C(short_conv_t(u))               depthwise, over time; LayerNorm over channels
    P = |rfft(a, n)|² / n                          power spectrum: blind to shifts of a
    S = complex(LayerNorm_2C(short_conv_f(P)))     depthwise C → 2C conv along frequency;
                                                   channels 2c, 2c+1 are the real/imag parts

**Type II** (reference ``type="corrTime"``, ``actq="id"``)::

    k = LayerNorm_C(short_conv_k(u)),  q = LayerNorm_C(short_conv_q(u))
    S = conj(rfft(k, n)) ⊙ σ(rfft(q, n)) / n       cross-correlation: the shift phase cancels

and the kernel is ``h = irfft(S, n)``, laid out for the engine (``flip=True``, true convolution):

- ``"circular"``: ``n = L``; ``h`` has ``L`` taps, rolled by ``⌈(L−1)/2⌉`` because the engine's
  circular mode is centred (so ``y[t] = Σ_s h[s] x[(t−s) mod L]``, the reference's boundary);
- ``"causal"``: ``n = 2·max(L, seq_len)`` (linear correlations, no wrap; one size for every
  ``L <= seq_len``, so the kernel of a prefix does not depend on how long the input is); the
  ``L`` taps of lags ``0 .. L−1``. Type II's correlation of ``p`` samples is exact with any
  transform of size ``>= 2p − 1``, so it uses the smallest fast one (the ``1/n`` stays);
- ``"same"``: the same ``n``; the ``2L`` lags ``−L .. L−1``, two-sided (index ``L`` is lag 0, see
  :mod:`~anyconv.kernels.two_sided`).

In ``"causal"`` mode the short convs are causal, so the features of a prefix are a prefix of
the features: the causal layer (:class:`~anyconv.layers.orchid.Orchid`) computes them once and
asks :meth:`OrchidConditioning.block_kernels` for the first ``b + 1`` lags of the kernel of each
prefix ``u[:c·b]`` (exactly those of the zero-padded prefix), its block-causal construction.
For Type II with ``σ`` = identity these come from one batched transform of size ``2b`` per
block instead of one transform per prefix: the lags ``0 .. b`` of the prefix correlation are
a sum over the query's blocks ``j < c``, and block ``j``'s term correlates ``q`` on block ``j``
with ``k`` on blocks ``j−1, j`` (a ``2b``-sample window: exact at size ``2b``)::

    S_j = conj(K_j + (−1)^f K_{j−1}) ⊙ Q_j     K_j, Q_j = rfft(block j of k, q; 2b); (−1)^f: a shift by b
    h_c = irfft(Σ_{j<c} S_j, 2b)[:b+1] / n      a cumulative sum over the blocks

(Type I, and Type II with another ``σ``, which is not linear in the spectrum, compute each
prefix's kernel in turn.) The short convolutions
are depthwise ``filter_size``-tap convolutions through the engine (direct, cross-correlation like
the reference's ``nn.Conv1d``; causal in ``"causal"`` mode, circular in ``"circular"`` mode).
Spectra are computed in float32 or float64 (autocast off): this module *generates* the kernel;
the layer applies it through the engine.

Differences from the reference: its ``causal`` option still computes Type I's spectrum over the
whole sequence and applies the kernel with a circular FFT of size ``L`` (both read the future;
see the layer for our block-causal construction); its short convs are zero-padded even in its
circular global convolution (ours wrap, so circular mode is exactly shift-equivariant); it
scales every transform by ``1/n`` (``rfft(x)/n``, un-normalised inverse), ours keep torch's
``irfft`` normalisation with the ``1/n`` of ``P`` and ``S`` above.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from anyconv.functional.conv import conv1d
from anyconv.functional.fft import fast_length, rfft
from anyconv.kernels._args import choice, positive_int
from anyconv.kernels.base import Kernel

CONDITIONINGS = ("type1", "type2")
MODES = ("causal", "same", "circular")
ACTIVATIONS = ("identity", "tanh", "sigmoid")


def fft_size(mode: str, length: int, seq_len: int) -> int:
    """The transform size of the conditioning network: ``L`` circular, else ``2·max(L, seq_len)``
    (linear: no wrap; fixed for every ``L <= seq_len``, so a prefix gets the kernel it gets inside
    a longer input)."""
    return length if mode == "circular" else 2 * max(length, seq_len)


def engine_layout(h: Tensor, mode: str, length: int) -> Tensor:
    """Lay a kernel ``h = irfft(S, n)`` (index ``j`` is lag ``j``, or ``j − n`` past ``n/2``) out
    as the engine's ``flip=True`` weight for ``mode``.

    Shape:
        h: ``(*, n)`` → ``(*, L)`` (causal, circular) or ``(*, 2L)`` (same, lag 0 at index ``L``)
    """
    if mode == "causal":
        return h[..., :length]  # lags 0 .. L-1
    if mode == "same":
        n = h.shape[-1]
        return torch.cat([h[..., n - length :], h[..., :length]], dim=-1)  # lags -L .. L-1
    return torch.roll(h, math.ceil((length - 1) / 2), dims=-1)  # the engine's circular mode is centred


class _ShortConv(nn.Module):
    """Depthwise short convolution (``channels`` → ``channels · multiplier``) with a bias, run by
    the engine (direct, cross-correlation).

    Shape:
        x: ``(N, C, L)`` → ``(N, C · multiplier, L)``
    """

    def __init__(self, channels: int, size: int, mode: str, *, multiplier: int = 1, **factory: Any) -> None:
        super().__init__()
        self.channels, self.mode = channels, mode
        self.weight = nn.Parameter(torch.empty(channels * multiplier, 1, size, **factory))
        self.bias = nn.Parameter(torch.empty(channels * multiplier, **factory))
        self.reset_parameters()

    def reset_parameters(self) -> None:  # as torch.nn.Conv1d
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        bound = 1 / math.sqrt(self.weight.shape[-1])
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        return conv1d(x, self.weight, self.bias, mode=self.mode, groups=self.channels, method="direct")


class OrchidConditioning(Kernel):
    """Orchid's conditioning network: returns one long kernel per example and channel.

    Args:
        channels: channels ``C`` of the input and of the kernels.
        seq_len: sets the transform size of the linear modes (above).
        conditioning: ``"type1"`` (power spectrum, then a conv along frequency) or ``"type2"``
            (cross-correlation of two short-conv features).
        mode: ``"causal"``, ``"same"`` or ``"circular"`` (transform size and kernel layout, above).
        filter_size: taps of the short convolutions (reference 3).
        activation: σ on the query spectrum of Type II, applied to its real and imaginary parts
            (``"identity"``, the reference default, ``"tanh"``, ``"sigmoid"``).

    Shape:
        u: ``(N, C, L)`` → ``(N, C, 1, K)`` with ``K = L`` (causal, circular) or ``2L`` (same),
        the ``flip=True`` weight of ``mode``.
    """

    def __init__(
        self,
        channels: int,
        seq_len: int,
        *,
        conditioning: str = "type2",
        mode: str = "causal",
        filter_size: int = 3,
        activation: str = "identity",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.channels = positive_int("channels", channels)
        self.seq_len = positive_int("seq_len", seq_len)
        self.conditioning = choice("conditioning", conditioning, CONDITIONINGS)
        self.mode = choice("mode", mode, MODES)
        self.filter_size = positive_int("filter_size", filter_size)
        self.activation = choice("activation", activation, ACTIVATIONS)
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        c, k = self.channels, self.filter_size
        if self.conditioning == "type1":
            self.time_conv = _ShortConv(c, k, mode, **factory)
            self.time_norm = nn.LayerNorm(c, **factory)
            self.freq_conv = _ShortConv(c, k, "same", multiplier=2, **factory)  # frequency axis: zero-padded
            self.freq_norm = nn.LayerNorm(2 * c, **factory)
        else:
            self.key_conv = _ShortConv(c, k, mode, **factory)
            self.key_norm = nn.LayerNorm(c, **factory)
            self.query_conv = _ShortConv(c, k, mode, **factory)
            self.query_norm = nn.LayerNorm(c, **factory)

    def reset_parameters(self) -> None:
        for module in self.children():
            module.reset_parameters()  # type: ignore[operator]  # _ShortConv and LayerNorm define it

    def features(self, u: Tensor) -> Tensor:
        """The time-domain features, ``LayerNorm_C(short_conv(u))`` per time step: Type I ``a``,
        Type II ``k`` and ``q`` stacked. Causal in ``"causal"`` mode, so the features of a prefix
        are the prefix of the features.

        Shape:
            u: ``(N, C, L)`` → ``(N, C, L)`` (Type I) or ``(N, 2C, L)`` (Type II: ``[k; q]``)
        """
        self._check(u)
        with torch.autocast(u.device.type, enabled=False):  # CPU FFTs reject bf16: stay in float32/64
            u = u.to(self._dtype(u))
            if self.conditioning == "type1":
                return self.time_norm(self.time_conv(u).transpose(1, 2)).transpose(1, 2)  # (N, C, L)
            k = self.key_norm(self.key_conv(u).transpose(1, 2))  # (N, L, C)
            q = self.query_norm(self.query_conv(u).transpose(1, 2))  # (N, L, C)
            return torch.cat([k.transpose(1, 2), q.transpose(1, 2)], dim=1)  # (N, 2C, L), contiguous for the FFT

    def kernel_from_features(self, a: Tensor, taps: int | None = None, *, grid: int | None = None) -> Tensor:
        """The kernel of the features ``a`` of an input (or, causal mode, of a prefix of it).

        ``taps`` (causal mode; default: the features' length ``p``) is how many lags to return
        (the first ``taps``): those past the prefix's reach are exact zeros for Type II.
        ``grid`` (default ``max(taps, p)``) is the length of the whole input, which fixes Type I's
        transform size and both types' normalisation, so every prefix of one input is treated alike.

        Shape:
            a: ``(N, F, p)`` → ``(N, C, 1, K)``, ``K = taps`` (causal), ``p`` (circular), ``2p`` (same)
        """
        p = a.shape[-1]
        taps = p if taps is None else taps
        grid = max(taps, p) if grid is None else grid
        if self.mode != "causal" and taps != p:
            raise ValueError(f"OrchidConditioning: taps != input length needs mode='causal', got mode={self.mode!r}")
        if not (1 <= taps <= grid and p <= grid):
            raise ValueError(
                f"OrchidConditioning: need 1 <= taps <= grid and features length <= grid, got taps {taps}, "
                f"length {p}, grid {grid}"
            )
        n = fft_size(self.mode, grid, self.seq_len)
        with torch.autocast(a.device.type, enabled=False):
            if self.conditioning == "type1":
                power = rfft(a, n).abs().square() / n  # (N, C, n//2+1), shift-blind
                s = self.freq_norm(self.freq_conv(power).transpose(1, 2)).transpose(1, 2)  # (N, 2C, n//2+1)
                h = torch.fft.irfft(torch.complex(s[:, 0::2], s[:, 1::2]), n=n)  # (N, C, n)
            else:
                if self.mode == "causal":  # linear correlation of p samples: any size >= 2p - 1 is exact
                    n_fft = fast_length(2 * p)
                    h = self._correlation(a, n_fft)[..., : min(p, taps)]  # (N, C, min(p, taps)): lags 0..
                    return F.pad(h, (0, taps - h.shape[-1])).mul_(1.0 / n).unsqueeze(2)  # (N, C, 1, taps): none past p-1
                h = self._correlation(a, n).mul_(1.0 / n)  # (N, C, n)
        return engine_layout(h, self.mode, taps).unsqueeze(2)  # (N, C, 1, K)

    def block_kernels(self, a: Tensor, block: int, *, grid: int) -> Tensor:
        """Causal mode: for ``c = 1 .. m``, the first ``block + 1`` lags (``0 .. block``: what an
        output of block ``c`` reaches back into blocks ``c − 1`` and ``c``) of the kernel of the
        prefix ``a[..., :c·block]``, i.e. what :meth:`kernel_from_features` gives for that prefix
        with ``taps=block + 1``.

        Shape:
            a: ``(N, F, m·block)`` (the features of the first ``m`` blocks) → ``(N, C, m, block + 1)``
        """
        if self.mode != "causal":
            raise ValueError(f"OrchidConditioning.block_kernels needs mode='causal', got mode={self.mode!r}")
        n_batch, width, length = a.shape
        b = positive_int("block", block)
        if length % b or length + 1 > grid:
            raise ValueError(f"OrchidConditioning.block_kernels: need a whole number of blocks of {b}, shorter than "
                             f"grid {grid}, got features of length {length}")
        m = length // b
        if self.conditioning == "type1" or self.activation != "identity":  # not linear in the spectra: prefix by prefix
            prefixes = [self.kernel_from_features(a[..., : c * b], b + 1, grid=grid) for c in range(1, m + 1)]
            return torch.cat(prefixes, dim=2)  # (N, C, m, b+1)
        n = fft_size(self.mode, grid, self.seq_len)
        c = self.channels
        with torch.autocast(a.device.type, enabled=False):
            spectra = rfft(a.reshape(n_batch, width, m, b), 2 * b)  # (N, 2C, m, b+1): every block at once
            k, q = spectra.split(c, dim=1)  # (N, C, m, b+1) each
            if m > 1:  # (with one block, block 0 has no block before it and there is nothing to sum)
                sign = torch.ones(b + 1, dtype=a.dtype, device=a.device)
                sign[1::2] = -1.0  # (−1)^f: block j−1 sits b samples before block j's window
                k = torch.cat([k[:, :, :1], k[:, :, 1:] + k[:, :, :-1] * sign], dim=2)  # (N, C, m, b+1): window of q_j
            s = k.conj() * q  # (N, C, m, b+1): S_j
            if m > 1:
                s = s.cumsum(dim=2)  # block c-1 holds Σ_{j<c} S_j
            # index τ <= b of the size-2b cyclic correlation is lag τ alone (the window's lags are -b+1 .. 2b-1)
            return torch.fft.irfft(s, n=2 * b)[..., : b + 1].mul(1.0 / n)  # (N, C, m, b+1): lags 0..b

    def _correlation(self, a: Tensor, n: int) -> Tensor:
        """``irfft(conj(rfft(k)) ⊙ σ(rfft(q)), n)``: ``h[τ] = Σ_t k[t] q[t + τ]`` (cyclic, size ``n``).

        Shape:
            a: ``(N, 2C, p)`` → ``(N, C, n)``
        """
        k, q = rfft(a, n).split(self.channels, dim=1)  # one transform of [k; q]: (N, C, n//2+1) each
        if self.activation != "identity":
            act = torch.tanh if self.activation == "tanh" else torch.sigmoid
            q = torch.complex(act(q.real), act(q.imag))
        return torch.fft.irfft(k.conj() * q, n=n)  # (N, C, n)

    def forward(self, u: Tensor) -> Tensor:
        """The kernels of ``u``.

        Shape:
            u: ``(N, C, L)`` → ``(N, C, 1, K)``
        """
        self._check(u)
        if u.shape[0] == 0:  # MKL's FFT rejects an empty batch
            taps = 2 * u.shape[-1] if self.mode == "same" else u.shape[-1]
            return u.new_zeros(0, self.channels, 1, taps, dtype=self._dtype(u))  # (0, C, 1, K)
        return self.kernel_from_features(self.features(u))

    @staticmethod
    def _dtype(u: Tensor) -> torch.dtype:
        return u.dtype if u.dtype == torch.float64 else torch.float32

    def _check(self, u: Tensor) -> None:
        if u.ndim != 3 or u.shape[1] != self.channels or u.shape[-1] < 1:
            raise ValueError(f"OrchidConditioning: expected u of shape (N, {self.channels}, L), got {tuple(u.shape)}")

    def extra_repr(self) -> str:
        parts = [f"{self.channels}, seq_len={self.seq_len}, conditioning={self.conditioning!r}, mode={self.mode!r}"]
        if self.filter_size != 3:
            parts.append(f"filter_size={self.filter_size}")
        if self.activation != "identity":
            parts.append(f"activation={self.activation!r}")
        return ", ".join(parts)


__all__ = ["OrchidConditioning", "engine_layout", "fft_size"]
