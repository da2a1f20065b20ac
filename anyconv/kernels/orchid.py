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
  ``L`` taps of lags ``0 .. L−1``;
- ``"same"``: the same ``n``; the ``2L`` lags ``−L .. L−1``, two-sided (index ``L`` is lag 0, see
  :mod:`~anyconv.kernels.two_sided`).

``mask`` (``(N, 1, L)``, 1 = may be read) zeroes the input *and* the time-domain features before
any transform, so the kernel is exactly that of the zero-padded prefix: this is how the causal
layer (:class:`~anyconv.layers.orchid.Orchid`) makes block-causal kernels. The short convolutions
are depthwise ``filter_size``-tap convolutions through the engine (direct, cross-correlation like
the reference's ``nn.Conv1d``; causal in ``"causal"`` mode, circular in ``"circular"`` mode).
Spectra are computed in float32 or float64 (autocast off): this module *generates* the kernel;
the layer applies it through the engine.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from anyconv.functional.conv import conv1d
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
        u: ``(N, C, L)``; mask: ``(N, 1, L)`` or None → ``(N, C, 1, K)`` with ``K = L``
        (causal, circular) or ``2L`` (same), the ``flip=True`` weight of ``mode``.
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

    @staticmethod
    def _features(conv: _ShortConv, norm: nn.LayerNorm, u: Tensor, mask: Tensor | None) -> Tensor:
        """``LayerNorm_C(conv(u))`` per time step, zeroed outside ``mask``: ``(N, C, L)``."""
        a = norm(conv(u).transpose(1, 2)).transpose(1, 2)  # (N, C, L) -> (N, L, C) -> (N, C, L)
        return a if mask is None else a * mask

    def spectrum(self, u: Tensor, mask: Tensor | None = None) -> Tensor:
        """The kernel spectrum ``S`` on the ``n // 2 + 1`` bins of an ``n``-point real FFT.

        Shape:
            u: ``(N, C, L)``; mask: ``(N, 1, L)`` → ``(N, C, n // 2 + 1)`` complex
        """
        self._check(u, mask)
        n = fft_size(self.mode, u.shape[-1], self.seq_len)
        if mask is not None:
            u = u * mask  # the masked-out positions are never read
        if self.conditioning == "type1":
            a = self._features(self.time_conv, self.time_norm, u, mask)  # (N, C, L)
            power = torch.fft.rfft(a, n=n).abs().square() / n  # (N, C, n//2+1), shift-blind
            s = self.freq_norm(self.freq_conv(power).transpose(1, 2)).transpose(1, 2)  # (N, 2C, n//2+1)
            return torch.complex(s[:, 0::2], s[:, 1::2])  # (N, C, n//2+1)
        k = torch.fft.rfft(self._features(self.key_conv, self.key_norm, u, mask), n=n)  # (N, C, n//2+1)
        q = torch.fft.rfft(self._features(self.query_conv, self.query_norm, u, mask), n=n)  # (N, C, n//2+1)
        if self.activation != "identity":
            act = torch.tanh if self.activation == "tanh" else torch.sigmoid
            q = torch.complex(act(q.real), act(q.imag))
        return k.conj() * q / n  # (N, C, n//2+1)

    def forward(self, u: Tensor, mask: Tensor | None = None) -> Tensor:
        length = u.shape[-1]
        dtype = u.dtype if u.dtype == torch.float64 else torch.float32
        if u.shape[0] == 0:  # MKL's FFT rejects an empty batch
            self._check(u, mask)
            taps = 2 * length if self.mode == "same" else length
            return u.new_zeros(0, self.channels, 1, taps, dtype=dtype)  # (0, C, 1, K)
        # Generated in float32/64 with autocast off: CPU FFTs reject bf16, and the spectra are small.
        with torch.autocast(u.device.type, enabled=False):
            s = self.spectrum(u.to(dtype), None if mask is None else mask.to(dtype))
            h = torch.fft.irfft(s, n=fft_size(self.mode, length, self.seq_len))  # (N, C, n)
        return engine_layout(h, self.mode, length).unsqueeze(2)  # (N, C, 1, K)

    def _check(self, u: Tensor, mask: Tensor | None) -> None:
        if u.ndim != 3 or u.shape[1] != self.channels or u.shape[-1] < 1:
            raise ValueError(f"OrchidConditioning: expected u of shape (N, {self.channels}, L), got {tuple(u.shape)}")
        if mask is not None and tuple(mask.shape) != (u.shape[0], 1, u.shape[-1]):
            raise ValueError(
                f"OrchidConditioning: expected mask of shape (N, 1, L) = {(u.shape[0], 1, u.shape[-1])}, "
                f"got {tuple(mask.shape)}"
            )

    def extra_repr(self) -> str:
        parts = [f"{self.channels}, seq_len={self.seq_len}, conditioning={self.conditioning!r}, mode={self.mode!r}"]
        if self.filter_size != 3:
            parts.append(f"filter_size={self.filter_size}")
        if self.activation != "identity":
            parts.append(f"activation={self.activation!r}")
        return ", ".join(parts)


def block_masks(length: int, block: int, *, device: torch.device | None = None, dtype: torch.dtype | None = None) -> tuple[Tensor, Tensor]:
    """Prefix masks and block selectors of block-causal conditioning.

    The ``L`` positions are cut into ``nb = ⌈L / block⌉`` blocks; block ``c`` is
    ``[c·block, (c+1)·block)``. ``prefix[c]`` marks the positions before block ``c`` (what its
    kernel may read); ``select[c]`` marks block ``c`` itself.

    Shape:
        returns ``prefix``, ``select``: ``(nb, 1, L)`` each
    """
    n_blocks = -(-length // block)  # ceil
    position = torch.arange(length, device=device)  # (L,)
    start = torch.arange(n_blocks, device=device)[:, None] * block  # (nb, 1)
    prefix = (position[None, :] < start).to(dtype or torch.get_default_dtype())  # (nb, L)
    select = ((position[None, :] >= start) & (position[None, :] < start + block)).to(prefix.dtype)  # (nb, L)
    return prefix[:, None, :], select[:, None, :]  # (nb, 1, L) each


__all__ = ["OrchidConditioning", "block_masks", "engine_layout", "fft_size"]
