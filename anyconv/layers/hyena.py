"""``HyenaOperator1d``: the Hyena operator (Poli et al. 2023; HazyResearch/safari ``hyena.py``)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from anyconv.kernels._args import optional_rate, positive_int, probability
from anyconv.kernels.implicit import HyenaFilter
from anyconv.layers.baking import with_fixed_kernel
from anyconv.layers.base import KernelConv
from anyconv.layers.dense import Conv1d
from anyconv.layers.registry import register


@register(
    "hyena1d",
    kind="sequence",
    example_kwargs={"channels": 4, "seq_len": 16, "filter_width": 8},
    example_input_shape=(2, 4, 16),
)
class HyenaOperator1d(KernelConv):
    """Hyena: gated long implicit convolutions (order 2 by default).

    Following the reference ``HyenaOperator`` (one head, one block, ``outer_mixing=False``)::

        x_0, …, x_{N-1}, v = split(short_conv(in_proj(u)))      N = order, each (B, C, L)
        for o, x_i in enumerate(reversed(x_1 … x_{N-1})):
            v = conv(dropout(v ⊙ x_i), k_o) + D_o ⊙ (dropout(v ⊙ x_i))
        y = out_proj(v ⊙ x_0)

    ``in_proj``/``out_proj`` are pointwise linear maps; ``short_conv`` is a depthwise
    ``short_filter_size``-tap convolution (cross-correlation, like the reference's ``nn.Conv1d``
    with left padding); ``k_o`` are the implicit long kernels of a
    :class:`~anyconv.kernels.implicit.HyenaFilter` with ``C · (order − 1)`` channels (channel
    ``c · (order−1) + o`` is kernel ``o`` of channel ``c``, as the reference lays them out),
    applied by the engine as a true causal convolution (``flip=True``, ``mode="causal"``).

    ``bidirectional=True`` is not in the reference: the short conv becomes centred
    (``mode="same"``) and the filter produces a second, anti-causal set of kernels that are
    joined into two-sided weights (``mode="same"``), the construction LongConv and SGConv use.

    The kernel module is ``self.kernel`` (the layer contract; the reference calls it ``filter_fn``).

    **Inputs longer than** ``seq_len``: the filter is defined on the ``seq_len``-point grid, so
    the long kernels have ``seq_len`` taps (lags ``0 .. seq_len-1``, and as many future lags
    when bidirectional) and are zero beyond; all ``L`` outputs are returned, so the layer keeps
    the ``(B, C, L) → (B, C, L)`` contract. The reference instead truncates its output to the
    first ``seq_len`` positions; those positions are identical here.

    Args:
        channels: model width ``C``.
        seq_len: longest sequence (the filter's time grid).
        bidirectional: non-causal variant (see above).
        order: depth of the recurrence (>= 2).
        filter_width: width of the filter MLP (reference ``filter_order``).
        short_filter_size: taps of the short depthwise convolution.
        emb_dim, w, num_inner_mlps, modulate, normalized: passed to :class:`HyenaFilter`
            (``normalized=True``: each time step of the windowed kernels has unit L1 norm over
            the kernels, the reference option). ``emb_dim=5`` and
            ``w=10`` follow safari's synthetic-task configs (its class defaults, 3 and 1, failed
            to learn our copying task in 300 steps, measured).
        filter_lr: learning-rate hint for the filter MLP (its weight decay is hinted 0).
        dropout: dropout on the gated products.
        method: engine for the long convolutions (``"auto"``, ``"direct"``, ``"fft"``).
        check_finite: let the FFT engine raise on NaN/inf input (one host sync per call; see
            :class:`~anyconv.layers.base.KernelConv`).

    Shape:
        x: ``(B, C, L)`` → ``(B, C, L)``; causal unless ``bidirectional``.
    """

    def __init__(
        self,
        channels: int,
        seq_len: int,
        *,
        bidirectional: bool = False,
        order: int = 2,
        filter_width: int = 64,
        short_filter_size: int = 3,
        emb_dim: int = 5,
        w: float = 10.0,
        num_inner_mlps: int = 2,
        modulate: bool = True,
        normalized: bool = False,
        filter_lr: float | None = 1e-3,
        dropout: float = 0.0,
        method: str = "auto",
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        channels = positive_int("channels", channels)
        mode = "same" if bidirectional else "causal"
        super().__init__(ndim=1, mode=mode, groups=channels, method=method, flip=True, check_finite=check_finite)
        self.channels, self.bidirectional = channels, bool(bidirectional)
        self.seq_len = positive_int("seq_len", seq_len)
        self.order = positive_int("order", order, minimum=2)
        self.short_filter_size = positive_int("short_filter_size", short_filter_size)
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        width = (self.order + 1) * channels
        self.in_proj = nn.Conv1d(channels, width, 1, **factory)
        self.short_filter = Conv1d(
            width, width, short_filter_size, groups=width, mode=mode, check_finite=check_finite, **factory
        )
        self.kernel = HyenaFilter(
            channels * (self.order - 1), seq_len, emb_dim=emb_dim, width=filter_width, num_inner_mlps=num_inner_mlps,
            w=w, modulate=modulate, normalized=normalized, bidirectional=bidirectional,
            lr=optional_rate("filter_lr", filter_lr), weight_decay=0.0, **factory,
        )
        self.D = nn.Parameter(torch.empty(channels * (self.order - 1), **factory))  # reference: filter bias
        self.dropout = nn.Dropout(probability("dropout", dropout))
        self.out_proj = nn.Conv1d(channels, channels, 1, **factory)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.in_proj.reset_parameters()
        self.short_filter.reset_parameters()
        self.kernel.reset_parameters()
        with torch.no_grad():
            self.D.normal_()
        self.out_proj.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or x.shape[1] != self.channels:
            raise ValueError(f"HyenaOperator1d: expected x of shape (B, {self.channels}, L), got {tuple(x.shape)}")
        c, n_kernels = self.channels, self.order - 1
        u = self.short_filter(self.in_proj(x))  # (B, (order+1)*C, L)
        *gates, v = u.split(c, dim=1)  # order gates x_0..x_{order-1} and v, each (B, C, L)
        k = self.kernel(min(x.shape[-1], self.seq_len))  # (C*(order-1), 1, K): zero past seq_len lags
        k = k.reshape(c, n_kernels, k.shape[-1])  # (C, order-1, K)
        skip = self.D.reshape(c, n_kernels)  # (C, order-1)
        for o, gate in enumerate(reversed(gates[1:])):
            v = self.dropout(v * gate)
            v = self._conv_forward(v, k[:, o : o + 1], None) + v * skip[:, o, None]  # (B, C, L)
        return self.out_proj(v * gates[0])

    def bake(self, *sizes: int) -> nn.Module:
        """A copy whose implicit filter is replaced by its kernels at the input length ``sizes[0]``
        (default ``seq_len``) and whose short filter is a plain ``torch.nn.Conv1d`` (behind its
        padding): identical outputs, no kernel network. Inputs of another length raise (longer
        ones are fine when baked at ``seq_len``)."""
        length = sizes[0] if sizes else self.seq_len
        baked = with_fixed_kernel(self, length, min(length, self.seq_len))
        baked.short_filter = self.short_filter.bake(length)
        return baked

    def extra_repr(self) -> str:
        parts = [f"{self.channels}, seq_len={self.seq_len}, order={self.order}"]
        if self.bidirectional:
            parts.append("bidirectional=True")
        if self.short_filter_size != 3:
            parts.append(f"short_filter_size={self.short_filter_size}")
        if self.kernel.normalized:
            parts.append("normalized=True")
        if self.dropout.p:
            parts.append(f"dropout={self.dropout.p}")
        if self.method != "auto":
            parts.append(f"method={self.method!r}")
        if not self.check_finite:
            parts.append("check_finite=False")
        return ", ".join(parts)
