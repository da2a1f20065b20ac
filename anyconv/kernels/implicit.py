"""``HyenaFilter``: an implicit long kernel (Poli et al. 2023, "Hyena Hierarchy"; reference
HazyResearch/safari ``src/models/sequence/hyena.py``).

The kernel is a function of position, evaluated on the grid of the sequence::

    z(t)  = [t, cos(f_b ω_t), −sin(f_b ω_t)]_b,    t = linspace(0, 1, L), ω_t = 2π·(0..L−1)/L,
            f = linspace(1e-4, B − 1, B), B = (emb_dim − 1) // 2 bands
    h(t)  = Linear(Sin(Linear(… Sin(Linear(z(t))))))      (FFN of width ``width``, Sin(x) = sin(a ⊙ x)
            with one learned frequency vector ``a`` (init ``w``) shared by every activation)
    k(t)  = h(t) · (exp(−t·|δ_c|) + shift),   δ_c = linspace(ln(target)/slow_decay_pct,
            ln(target)/fast_decay_pct, channels)   (fixed, one decay rate per channel)
    k(t)  ← k(t) / Σ_c |k_c(t)|                   (only with ``normalized=True``)

The MLP parameters (Sin frequencies included) carry the reference's optimizer hints
(``lr=1e-3``, ``weight_decay=0``). The positional features are fixed buffers (the reference's
``lr_pos_emb=0`` setting used for its synthetic tasks).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from anyconv.kernels._args import check_length, non_negative, optional_rate, positive_int
from anyconv.kernels.base import Kernel
from anyconv.kernels.two_sided import two_sided
from anyconv.optim import set_optim_hints


class Sine(nn.Module):
    """``sin(freq ⊙ x)`` with a learned frequency per feature (initialised to ``w``).

    Shape:
        x: ``(*, dim)`` → ``(*, dim)``
    """

    def __init__(
        self, dim: int, w: float = 1.0, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None
    ) -> None:
        super().__init__()
        self.w = float(w)
        self.freq = nn.Parameter(torch.empty(1, dim, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.constant_(self.freq, self.w)

    def forward(self, x: Tensor) -> Tensor:
        return torch.sin(self.freq * x)

    def extra_repr(self) -> str:
        return f"{self.freq.shape[1]}, w={self.w}"


def positional_features(seq_len: int, emb_dim: int, *, dtype: torch.dtype | None = None) -> tuple[Tensor, Tensor]:
    """Hyena's positional embedding ``z`` and the normalised time ``t``.

    Shape:
        returns ``z``: ``(seq_len, emb_dim)`` and ``t``: ``(seq_len, 1)``
    """
    dtype = dtype or torch.get_default_dtype()
    t = torch.linspace(0, 1, seq_len, dtype=torch.float64)[:, None]  # (L, 1)
    bands = (emb_dim - 1) // 2
    omega = 2 * math.pi * torch.arange(seq_len, dtype=torch.float64)[:, None] / seq_len  # (L, 1)
    f = torch.linspace(1e-4, bands - 1, bands, dtype=torch.float64)[None, :]  # (1, B)
    z = torch.cat([t, torch.cos(f * omega), -torch.sin(f * omega)], dim=-1)  # (L, 1 + 2B)
    return z.to(dtype), t.to(dtype)


class HyenaFilter(Kernel):
    """Implicit depthwise long kernel: positional features → Sine MLP → exponential decay window.

    Args:
        channels: number of kernels produced (one per channel of the convolved signal).
        seq_len: grid length; ``t`` runs from 0 to 1 over it.
        emb_dim: size of the positional features (odd, >= 3; reference default 3).
        width: hidden width of the MLP (reference ``filter_order``, default 64).
        num_inner_mlps: hidden ``Linear + Sin`` layers after the first (reference 2).
        w: initial frequency of the Sine activations (reference default 1).
        fast_decay_pct, slow_decay_pct, target: the decay window reaches ``target`` at
            ``t = fast_decay_pct`` for the fastest channel and ``t = slow_decay_pct`` for the slowest.
        shift: added to the window (reference 0).
        modulate: apply the decay window (reference True).
        normalized: after the window, divide ``k(t)`` by its L1 norm over the kernels at each
            time step, so ``filter().abs().sum(-1) == 1`` for every ``t`` (as the reference's
            ``h / torch.norm(h, dim=-1, p=1)`` on its ``(1, L, channels)`` filter; default False).
        bidirectional: produce a second, anti-causal set of kernels and return two-sided weights.
        lr, weight_decay: optimizer hints on the MLP parameters (reference 1e-3 and 0).

    Shape:
        ``forward(length=None)`` → ``(channels, 1, K)`` with ``K = length`` (causal) or
        ``2 * length`` (bidirectional, lag 0 at index ``length``; see :mod:`~anyconv.kernels.two_sided`).
    """

    def __init__(
        self,
        channels: int,
        seq_len: int,
        *,
        emb_dim: int = 3,
        width: int = 64,
        num_inner_mlps: int = 2,
        w: float = 1.0,
        fast_decay_pct: float = 0.3,
        slow_decay_pct: float = 1.5,
        target: float = 1e-2,
        shift: float = 0.0,
        modulate: bool = True,
        normalized: bool = False,
        bidirectional: bool = False,
        lr: float | None = 1e-3,
        weight_decay: float = 0.0,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.channels = positive_int("channels", channels)
        self.seq_len = positive_int("seq_len", seq_len)
        if isinstance(emb_dim, bool) or not isinstance(emb_dim, int) or emb_dim < 3 or emb_dim % 2 == 0:
            raise ValueError(f"emb_dim must be an odd int >= 3 (time, cosines, sines), got {emb_dim!r}")
        self.emb_dim = emb_dim
        self.width = positive_int("width", width)
        self.num_inner_mlps = positive_int("num_inner_mlps", num_inner_mlps, minimum=0)
        for name, value in (("fast_decay_pct", fast_decay_pct), ("slow_decay_pct", slow_decay_pct)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"{name} must be a float > 0, got {value!r}")
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target < 1:
            raise ValueError(f"target must be a float in (0, 1), got {target!r}")
        self.fast_decay_pct, self.slow_decay_pct, self.target = float(fast_decay_pct), float(slow_decay_pct), float(target)
        self.shift, self.modulate, self.normalized = float(shift), bool(modulate), bool(normalized)
        self.bidirectional = bool(bidirectional)
        self.lr = optional_rate("lr", lr)
        self.weight_decay = non_negative("weight_decay", weight_decay)
        factory = {"device": device, "dtype": dtype}
        out = channels * (2 if self.bidirectional else 1)

        z, t = positional_features(seq_len, emb_dim, dtype=dtype)
        self.register_buffer("z", z.to(device), persistent=False)  # (L, emb_dim)
        self.register_buffer("t", t.to(device), persistent=False)  # (L, 1)
        max_decay = math.log(self.target) / self.fast_decay_pct
        min_decay = math.log(self.target) / self.slow_decay_pct
        deltas = torch.linspace(min_decay, max_decay, out, dtype=torch.float64)[None, :]  # (1, out)
        self.register_buffer("deltas", deltas.to(device=device, dtype=z.dtype), persistent=False)

        self.activation = Sine(width, w, **factory)  # one module: the frequencies are shared
        layers = [nn.Linear(emb_dim, width, **factory)]
        layers += [nn.Linear(width, width, **factory) for _ in range(self.num_inner_mlps)]
        self.hidden = nn.ModuleList(layers)
        self.output = nn.Linear(width, out, bias=False, **factory)
        for name, _ in self.named_parameters():
            set_optim_hints(self, name, lr=self.lr, weight_decay=self.weight_decay)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.activation.reset_parameters()
        for layer in [*self.hidden, self.output]:
            layer.reset_parameters()

    def filter(self, length: int | None = None) -> Tensor:
        """The filter values ``k(t)`` on the first ``length`` grid points (computed with autocast
        off, so a float32 filter stays float32 inside ``torch.autocast``).

        Shape:
            ``(length, channels · sides)``
        """
        n = check_length(type(self).__name__, length, self.seq_len)
        # Always in the parameters' dtype: under bf16 autocast sin(w·x) with w ~ 10 loses ~10% of
        # the kernel (measured on an H200), and the MLP is tiny next to the convolution.
        with torch.autocast(self.z.device.type, enabled=False):
            h = self.z[:n]  # (n, emb_dim)
            for layer in self.hidden:
                h = self.activation(layer(h))  # (n, width)
            h = self.output(h)  # (n, out)
            if self.modulate:
                h = h * (torch.exp(-self.t[:n] * self.deltas.abs()) + self.shift)  # (n, out)
            if self.normalized:  # after the window; over the kernels at each t (reference: dim=-1 of (1, L, D))
                h = h / torch.norm(h, dim=-1, p=1, keepdim=True)  # (n, out)
        return h

    def _filter_channels_first(self, length: int | None) -> Tensor:
        """:meth:`filter` transposed, computed in that layout: the last ``Linear`` as
        ``W @ hᵀ`` (BLAS reads ``hᵀ`` in place), so no ``(n, out)`` → ``(out, n)`` copy in the
        forward or the backward (at ``n = 16 384`` that transpose cost as much as an FFT).

        Shape:
            ``(channels · sides, length)``
        """
        n = check_length(type(self).__name__, length, self.seq_len)
        with torch.autocast(self.z.device.type, enabled=False):  # as in filter()
            h = self.z[:n]  # (n, emb_dim)
            for layer in self.hidden:
                h = self.activation(layer(h))  # (n, width)
            k = torch.mm(self.output.weight, h.t())  # (out, width) @ (width, n) -> (out, n)
            if self.modulate:
                k = k * (torch.exp(-self.deltas.abs().t() * self.t[:n].t()) + self.shift)  # (out, n)
            if self.normalized:
                k = k / torch.norm(k, dim=0, p=1, keepdim=True)  # (out, n): over the kernels at each t
        return k

    def forward(self, length: int | None = None) -> Tensor:
        k = self._filter_channels_first(length)  # (out, n)
        if self.bidirectional:
            k = two_sided(k[: self.channels], k[self.channels :])  # (C, 2n)
        return k.unsqueeze(1)  # (C, 1, K)

    def extra_repr(self) -> str:
        parts = [f"{self.channels}, seq_len={self.seq_len}, emb_dim={self.emb_dim}, width={self.width}"]
        if self.num_inner_mlps != 2:
            parts.append(f"num_inner_mlps={self.num_inner_mlps}")
        if not self.modulate:
            parts.append("modulate=False")
        if self.normalized:
            parts.append("normalized=True")
        if self.bidirectional:
            parts.append("bidirectional=True")
        return ", ".join(parts)
