"""``Orchid``: the data-dependent global convolution block (Karami & Ghodsi 2024; reference
``Karami-m/orchid``, ``orchid_standalone/orchid_standalone.py``)."""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import Tensor, nn

from anyconv.functional.conv import apply
from anyconv.kernels._args import choice, optional_rate, positive_int
from anyconv.kernels.implicit import HyenaFilter
from anyconv.kernels.orchid import ACTIVATIONS, CONDITIONINGS, OrchidConditioning
from anyconv.layers.base import KernelConv
from anyconv.layers.dense import Conv1d
from anyconv.layers.registry import register

MODES = ("causal", "same", "circular")


@register(
    "orchid",
    kind="sequence",
    example_kwargs={"channels": 4, "seq_len": 16, "filter_width": 8},
    example_input_shape=(2, 4, 16),
)
class Orchid(KernelConv):
    """Orchid: a gated global convolution whose kernel is partly computed from the input.

    The block, as the reference (order 2, one head)::

        x_0, x_1, v = split(short_conv(in_proj(u)))          each (B, C, L)
        h = h_static + h_dynamic(split(in_proj(u))[2])       per example: (B, C, K)
        y = out_proj(x_0 ⊙ (conv(x_1 ⊙ v, h) + D ⊙ (x_1 ⊙ v)))

    ``h_static`` is an implicit :class:`~anyconv.kernels.implicit.HyenaFilter`; ``h_dynamic`` is
    an :class:`~anyconv.kernels.orchid.OrchidConditioning` network (Type I or Type II) reading the
    ``v`` stream before the short conv, as the reference does. ``conv`` runs through the engine
    (``flip=True``, true convolution): the per-example kernels by its per-sample path (weight
    ``(B, C', 1, K)``, depthwise), a causal layer's shared static kernel as one ``(C, 1, K)``
    weight.

    **Modes.** ``"circular"`` is the reference's boundary (FFT of size ``L``): the layer is then
    exactly equivariant to circular shifts (its short convs are circular too; the reference
    zero-pads those). ``"same"`` (``bidirectional=True``) zero-pads to ``2L``: linear, two-sided.

    **Causal mode** (the default) is causal, the conditioning network included. The reference is
    not: its FFT of size ``L`` wraps the future around, and its conditioning network reads the
    whole sequence, so the kernel applied at time ``t`` already depends on ``u[t+1:]``.
    Here the positions are cut into blocks of ``b = ⌈seq_len / num_blocks⌉`` (``num_blocks``
    blocks at ``L = seq_len``; the boundaries do not depend on ``L``; longer inputs get more
    blocks of size ``b``), and the output of block ``c`` (positions ``[c·b, (c+1)·b)``) is::

        y[t] = (z ∗ h_static)[t] + (z ∗ h_c)[t],   h_c = the first b+1 lags of h_dynamic(u[:c·b])

    ``h_static`` is shared by all blocks (one causal engine call over the whole sequence, what
    ``hyena1d`` does). The dynamic kernel of block ``c`` is computed from the input *before*
    that block only, and has ``b + 1`` taps (lags ``0 .. b``; block 0 has none): the
    conditioning network's time-domain features are causal (causal short convs, a LayerNorm
    per time step), so those of the prefix ``u[:c·b]`` are a prefix of the features, computed
    once; the kernel of the prefix is that of the zero-padded prefix (linear, no wrap-around
    transforms; :meth:`~anyconv.kernels.orchid.OrchidConditioning.block_kernels` gets every
    block's from one batched transform). Block ``c``'s dynamic part then reads the window
    ``z[(c−1)·b .. (c+1)·b−1]`` (blocks ``c − 1`` and ``c``) only: one engine call convolves
    every block's window with its own kernel (per-sample weights ``(B, C·m, 1, b+1)``, the
    blocks as channels, ``groups = C·m``; its ``b`` valid outputs are block ``c``'s). So
    ``y[t]`` for ``t`` in block ``c`` reads ``u[≤ t]`` through the convolution and
    ``u[< c·b] ⊆ u[< t]`` through the kernel. The cost is one static convolution of length
    ``L`` plus transforms of size ``2b`` for ``m = ⌈L/b⌉ − 1`` blocks (about ``2L·m/(m+1)`` in
    all): ``O(L log L)``. (Until 2026-11-28 the dynamic kernel of block ``c`` covered all
    ``(c+1)·b`` lags, one engine call per block on the whole prefix: ~3.5× the transform
    volume of one convolution at 4 blocks. Lags past ``b`` of ``h_dynamic(u[:c·b])`` are now
    dropped; the static kernel still spans every lag.) Type I, and Type II with a non-identity
    ``σ``, compute the prefixes' kernels one after another (transforms of size ``2·max(L,
    seq_len)`` each): slower, for the ablations.

    Args:
        channels: model width ``C``.
        seq_len: grid of the static filter (its taps stop at ``seq_len`` lags; the dynamic
            kernel covers every lag of the input, except in causal mode: ``b + 1``).
        mode: ``"causal"``, ``"same"`` or ``"circular"``.
        conditioning: ``"type2"`` (cross-correlation, default), ``"type1"`` (power spectrum) or
            ``"none"`` (static kernel only: the ablation).
        bidirectional: True means ``mode="same"`` (the registry's switch).
        num_blocks: blocks of the causal construction at ``L = seq_len`` (>= 2). The default 2
            is the cheapest (the dynamic part covers ``(num_blocks − 1) / num_blocks`` of the
            sequence, in windows of ``2b``): the second half's kernel is computed from the first
            half; causal MQAR learns as well as with 4 (docs/benchmarks.md, "Orchid").
        filter_size: taps of the conditioning network's short convs.
        activation: σ of Type II (``"identity"``, ``"tanh"``, ``"sigmoid"``).
        filter_width, emb_dim, w, filter_lr: the static :class:`HyenaFilter` (as ``hyena1d``).
        short_filter_size: taps of the block's short depthwise conv.
        method: engine for the global convolution (``"auto"``, ``"direct"``, ``"fft"``).
        check_finite: let the FFT engine raise on NaN/inf input.

    Shape:
        x: ``(B, C, L)`` → ``(B, C, L)``; causal unless ``mode`` is ``"same"`` or ``"circular"``.
    """

    data_dependent = True  # anyconv.bake leaves it alone; bake(x) is for analysis

    def __init__(
        self,
        channels: int,
        seq_len: int,
        *,
        mode: str = "causal",
        conditioning: str = "type2",
        bidirectional: bool = False,
        num_blocks: int = 2,
        filter_size: int = 3,
        activation: str = "identity",
        filter_width: int = 64,
        emb_dim: int = 5,
        w: float = 10.0,
        filter_lr: float | None = 1e-3,
        short_filter_size: int = 3,
        method: str = "auto",
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        channels = positive_int("channels", channels)
        mode = choice("mode", mode, MODES)
        if not isinstance(bidirectional, bool):
            raise ValueError(f"bidirectional must be True or False, got {bidirectional!r}")
        if bidirectional and mode == "circular":
            raise ValueError("bidirectional=True means mode='same'; got mode='circular' too")
        mode = "same" if bidirectional else mode
        super().__init__(ndim=1, mode=mode, groups=channels, method=method, flip=True, check_finite=check_finite)
        self.channels, self.bidirectional = channels, mode == "same"
        self.seq_len = positive_int("seq_len", seq_len)
        self.conditioning = choice("conditioning", conditioning, (*CONDITIONINGS, "none"))
        self.num_blocks = positive_int("num_blocks", num_blocks, minimum=2)
        self.block_size = -(-self.seq_len // self.num_blocks)  # ceil(seq_len / num_blocks)
        self.short_filter_size = positive_int("short_filter_size", short_filter_size)
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        self.in_proj = nn.Conv1d(channels, 3 * channels, 1, **factory)
        self.short_filter = Conv1d(
            3 * channels, 3 * channels, short_filter_size, groups=3 * channels, mode=mode,
            check_finite=check_finite, **factory,
        )
        self.static = HyenaFilter(
            channels, seq_len, emb_dim=emb_dim, width=filter_width, w=w, bidirectional=self.bidirectional,
            lr=optional_rate("filter_lr", filter_lr), weight_decay=0.0, **factory,
        )
        self.kernel: OrchidConditioning | None = None
        if self.conditioning != "none":
            self.kernel = OrchidConditioning(
                channels, seq_len, conditioning=self.conditioning, mode=mode, filter_size=filter_size,
                activation=choice("activation", activation, ACTIVATIONS), **factory,
            )
        self.D = nn.Parameter(torch.empty(channels, **factory))  # skip of the global conv (reference: its bias)
        self.out_proj = nn.Conv1d(channels, channels, 1, **factory)
        self._frozen: tuple[Tensor, Tensor | None] | None = None  # set on copies made by bake(x)
        self._frozen_shape: tuple[int, int] = (0, 0)  # (batch, length) the frozen kernels were made for
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for module in (self.in_proj, self.short_filter, self.static, self.kernel, self.out_proj):
            if module is not None:
                module.reset_parameters()
        with torch.no_grad():
            self.D.normal_()

    def _static_weight(self, length: int) -> Tensor:
        """``h_static`` laid out like the dynamic kernels: ``(C, 1, K)``, zero past ``seq_len`` lags."""
        n = min(length, self.seq_len)
        k = self.static(n)  # (C, 1, n) or two-sided (C, 1, 2n)
        if self.mode == "same":
            return nn.functional.pad(k, (length - n, length - n))  # (C, 1, 2L), lag 0 at index L
        k = nn.functional.pad(k, (0, length - n))  # (C, 1, L)
        if self.mode == "circular":
            k = torch.roll(k, length // 2, dims=-1)  # the engine's centred circular layout: ⌈(L-1)/2⌉ = L // 2
        return k

    def kernel_parts(self, v: Tensor) -> tuple[Tensor, Tensor | None]:
        """The kernels the global convolution applies, from the conditioning input ``v``.

        Non-causal modes: ``(h_static + h_dynamic(v), None)``, one kernel per example (or the
        shared static kernel when ``conditioning="none"``). Causal: ``(h_static, h_blocks)``,
        ``h_static`` shared with ``min(L, seq_len)`` taps, ``h_blocks[:, i·m + c − 1]`` the
        dynamic kernel of channel ``i`` for block ``c = 1 .. m`` (``b + 1`` taps), or None when
        there is no dynamic part (``conditioning="none"``, or one block).

        Shape:
            v: ``(B, C, L)`` → ``(B, C, 1, K)`` or ``(C, 1, K)`` (``K = L``, or ``2L`` for same),
            and None; causal: ``(C, 1, min(L, seq_len))`` and ``(B, C·m, 1, b+1)``, ``m = ⌈L/b⌉ − 1``
        """
        batch, _, length = v.shape
        if self.mode != "causal":
            static = self._static_weight(length)  # (C, 1, K)
            if self.kernel is None:
                return static, None
            return static + self.kernel(v), None  # (B, C, 1, K)
        static = self.static(min(length, self.seq_len))  # (C, 1, n): lags 0..n-1
        b = self.block_size
        m = -(-length // b) - 1  # blocks with a dynamic kernel: 1 .. m
        if self.kernel is None or m == 0:
            return static, None
        if batch == 0:  # MKL's FFT rejects B = 0
            return static, static.new_zeros(0, self.channels * m, 1, b + 1)
        features = self.kernel.features(v[..., : m * b])  # (B, F, m·b): causal, so the prefix's features
        blocks = self.kernel.block_kernels(features, b, grid=length)  # (B, C, m, b+1)
        return static, blocks.reshape(batch, self.channels * m, 1, b + 1)  # (B, C·m, 1, b+1)

    def global_weights(self, v: Tensor) -> list[Tensor]:
        """For analysis: the whole kernel each output block applies, per example: one per block
        in causal mode (block ``c``'s has ``min((c+1)·b, L)`` taps: ``h_static`` plus, on its
        first ``b + 1`` lags, block ``c``'s dynamic kernel), else one. The forward pass does
        not build these (it applies the parts, see :meth:`kernel_parts`).

        Shape:
            v: ``(B, C, L)`` → list of ``(B, C, 1, K_c)`` (``K = L``, or ``2L`` for same)
        """
        batch, _, length = v.shape
        static, blocks = self.kernel_parts(v)
        if self.mode != "causal":
            return [static.expand(batch, *static.shape) if static.ndim == 3 else static]  # (B, C, 1, K)
        b, n = self.block_size, static.shape[-1]
        ends = [min((c + 1) * b, length) for c in range(-(-length // b))]  # block c is [c·b, ends[c])
        dynamic = None if blocks is None else blocks.reshape(batch, self.channels, -1, b + 1)  # (B, C, m, b+1)
        weights = []
        for c, end in enumerate(ends):
            w = nn.functional.pad(static[..., :end], (0, max(end - n, 0))).expand(batch, -1, -1, -1)  # (B, C, 1, end)
            if c and dynamic is not None:  # end >= c·b + 1 >= b + 1
                w = w + nn.functional.pad(dynamic[:, :, c - 1, None], (0, end - b - 1))
            weights.append(w)
        return weights

    def _global_conv(self, z: Tensor, static: Tensor, blocks: Tensor | None) -> Tensor:
        """``conv(z, h) + D ⊙ z`` through the engine's per-sample path; causal: the static
        convolution of the whole sequence plus, for each block ``c >= 1``, its window
        ``z[(c−1)·b .. (c+1)·b−1]`` convolved with its dynamic kernel (one engine call for all
        blocks; the ``b`` valid outputs are block ``c``'s).

        Shape:
            z: ``(B, C, L)``; static: ``(C, 1, K)`` or ``(B, C, 1, K)``; blocks: ``(B, C·m, 1, b+1)`` → ``(B, C, L)``
        """
        y = self._conv_forward(z, static, None)  # (B, C, L): causal, same or circular
        if blocks is not None:
            batch, channels, length = z.shape
            b = blocks.shape[-1] - 1
            m = blocks.shape[1] // channels
            extra = (m + 1) * b - length  # 0 .. b-1: zeros after the last, partial block
            padded = nn.functional.pad(z, (0, extra)) if extra else z  # (B, C, (m+1)·b)
            if m == 1:  # the one window is the whole (padded) sequence
                windows = padded  # (B, C, 2b)
            else:
                tiles = padded.reshape(batch, channels, m + 1, b)  # (B, C, m+1, b)
                windows = torch.cat([tiles[:, :, :m], tiles[:, :, 1:]], dim=-1)  # (B, C, m, 2b): blocks c-1, c, c = 1..m
            dynamic, _ = apply(
                windows.reshape(batch, channels * m, 2 * b), blocks, None, ndim=1, padding=0, groups=channels * m,
                method=self.method, flip=True, check_finite=self.check_finite,
            )  # (B, C·m, b): valid outputs, output j is position c·b + j
            tail = dynamic.reshape(batch, channels, m * b)[..., : length - b]  # (B, C, L - b): positions b ..
            y = y + nn.functional.pad(tail, (b, 0))  # (B, C, L)
        return torch.addcmul(y, z, self.D[:, None])  # (B, C, L)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or x.shape[1] != self.channels or x.shape[-1] < 1:
            raise ValueError(f"Orchid: expected x of shape (B, {self.channels}, L) with L >= 1, got {tuple(x.shape)}")
        c = self.channels
        u = self.in_proj(x)  # (B, 3C, L)
        x0, x1, v = self.short_filter(u).split(c, dim=1)  # each (B, C, L)
        if self._frozen is None:
            static, blocks = self.kernel_parts(u[:, 2 * c :])  # (C, 1, K) or (B, C, 1, K); (B, C·m, 1, b+1)
        else:
            static, blocks = self._frozen
            if self._frozen_shape != (x.shape[0], x.shape[-1]):
                raise ValueError(
                    f"Orchid (baked): kernels frozen for batch {self._frozen_shape[0]} and length "
                    f"{self._frozen_shape[1]}, got x of shape {tuple(x.shape)}"
                )
        z = self._global_conv(x1 * v, static, blocks)  # (B, C, L)
        return self.out_proj(x0 * z)

    @torch.no_grad()
    def bake(self, x: Tensor) -> Orchid:
        """For analysis: a copy of this layer whose global kernels are frozen at those computed for
        ``x`` (equal outputs on ``x``; on another input of the same shape it applies ``x``'s
        kernels). :func:`anyconv.bake` leaves Orchid alone (``data_dependent = True``).

        Shape:
            x: ``(B, C, L)``; the copy accepts ``(B, C, L)`` only
        """
        if x.ndim != 3 or x.shape[1] != self.channels:
            raise ValueError(f"Orchid.bake: expected x of shape (B, {self.channels}, L), got {tuple(x.shape)}")
        baked = copy.deepcopy(self)
        static, blocks = self.kernel_parts(self.in_proj(x)[:, 2 * self.channels :])
        baked._frozen = (static.detach(), None if blocks is None else blocks.detach())
        baked._frozen_shape = (x.shape[0], x.shape[-1])
        return baked

    def extra_repr(self) -> str:
        parts = [f"{self.channels}, seq_len={self.seq_len}, mode={self.mode!r}, conditioning={self.conditioning!r}"]
        if self.mode == "causal" and self.num_blocks != 2:
            parts.append(f"num_blocks={self.num_blocks}")
        if self.method != "auto":
            parts.append(f"method={self.method!r}")
        if not self.check_finite:
            parts.append("check_finite=False")
        return ", ".join(parts)
