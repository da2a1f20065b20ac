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
    ``v`` stream before the short conv, as the reference does. ``conv`` is the engine's per-sample
    path: weight ``(B', C, 1, K)``, ``groups=C``, ``flip=True`` (true convolution).

    **Modes.** ``"circular"`` is the reference's boundary (FFT of size ``L``): the layer is then
    exactly equivariant to circular shifts (its short convs are circular too; the reference
    zero-pads those). ``"same"`` (``bidirectional=True``) zero-pads to ``2L``: linear, two-sided.

    **Causal mode** (the default) is causal, the conditioning network included. The reference is
    not: its FFT of size ``L`` wraps the future around, and its conditioning network reads the
    whole sequence, so the kernel applied at time ``t`` already depends on ``u[t+1:]``.
    Here the positions are cut into blocks of ``b = ⌈seq_len / num_blocks⌉`` (``num_blocks``
    blocks at ``L = seq_len``; the boundaries do not depend on ``L``), and the kernel for the
    outputs of block ``c`` (positions ``[c·b, (c+1)·b)``) is computed from the input *before*
    that block only: the conditioning network's time-domain features are causal (causal short
    convs, a LayerNorm per time step), so those of the prefix ``u[:c·b]`` are a prefix of the
    features, computed once; the prefix is then transformed zero-padded, with linear (no
    wrap-around) transforms. Block ``c``'s outputs are those of an ordinary causal convolution of
    the past ``z[..., :(c+1)·b]`` with ``h_c = h_static + h_dynamic(u[:c·b])``, one engine call
    per block (FFT for long blocks; asked for block ``c``'s outputs only, so its transform is
    ~``(c+2)·b`` long rather than ``2(c+1)·b``), so ``y[t]`` for ``t`` in block ``c`` reads ``u[≤ t]`` through
    the convolution and ``u[< c·b] ⊆ u[< t]`` through the kernel. Block 0's kernel sees no input
    (its dynamic part is a learned constant for Type I, zero for Type II). The cost is that of
    about ``(num_blocks + 1) / 2`` convolutions of length ``L`` plus the conditioning transforms:
    ``O(num_blocks · L log L)`` for ``L <= seq_len`` (longer inputs get more blocks of size ``b``).

    Args:
        channels: model width ``C``.
        seq_len: grid of the static filter (its taps stop at ``seq_len`` lags; the dynamic
            kernel covers every lag of the input).
        mode: ``"causal"``, ``"same"`` or ``"circular"``.
        conditioning: ``"type2"`` (cross-correlation, default), ``"type1"`` (power spectrum) or
            ``"none"`` (static kernel only: the ablation).
        bidirectional: True means ``mode="same"`` (the registry's switch).
        num_blocks: blocks of the causal construction at ``L = seq_len`` (>= 2).
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
        num_blocks: int = 4,
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
        self._frozen: list[Tensor] | None = None  # set on copies made by bake(x)
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

    def global_weights(self, v: Tensor) -> list[Tensor]:
        """The per-example kernels of the global convolution, from the conditioning input ``v``:
        one per block in causal mode (block ``c``'s has ``min((c+1)·b, L)`` taps and is computed
        from ``v[..., :c·b]``), else one.

        Shape:
            v: ``(B, C, L)`` → list of ``(B, C, 1, K_c)`` (``K = L``, or ``2L`` for same)
        """
        batch, _, length = v.shape
        static = self._static_weight(length)  # (C, 1, K)
        if self.mode != "causal":
            if self.kernel is None:
                return [static.expand(batch, *static.shape)]  # (B, C, 1, K)
            return [static + self.kernel(v)]  # (B, C, 1, K)
        b = self.block_size
        ends = [min((c + 1) * b, length) for c in range(-(-length // b))]  # block c is [c·b, ends[c])
        if self.kernel is None:
            return [static[..., :end].expand(batch, -1, -1, -1) for end in ends]  # (B, C, 1, end) each
        if batch == 0:
            return [static.new_zeros(0, self.channels, 1, end) for end in ends]  # MKL's FFT rejects B = 0
        features = self.kernel.features(v)  # (B, F, L): causal, so a prefix's features are a prefix
        weights = []
        for c, end in enumerate(ends):
            prefix = features[..., : c * b] if c else features.new_zeros(batch, features.shape[1], 1)  # block 0: nothing
            dynamic = self.kernel.kernel_from_features(prefix, end, grid=length)  # (B, C, 1, end)
            weights.append(static[..., :end] + dynamic)
        return weights

    def _global_conv(self, z: Tensor, weights: list[Tensor]) -> Tensor:
        """``conv(z, h)`` through the engine's per-sample path; causal: block ``c``'s outputs from
        the convolution of ``z[..., :end_c]`` with its own kernel (one engine call per block).

        Shape:
            z: ``(B, C, L)``; weights: list of ``(B, C, 1, K_c)`` → ``(B, C, L)``
        """
        if self.mode != "causal":
            return self._conv_forward(z, weights[0], None)  # (B, C, L)
        b, parts = self.block_size, []
        for c, weight in enumerate(weights):
            end = weight.shape[-1]
            # Only outputs c·b .. end-1 are kept: torch padding p = end-1-c·b (< end taps) makes
            # output j the causal y[c·b + j] (the j >= end - c·b past the block are dropped), and
            # lets the FFT engine transform at size ~(2·end - c·b) instead of 2·end.
            out, self.engine = apply(
                z[..., :end], weight, None, ndim=1, padding=end - 1 - c * b, groups=self.channels,
                method=self.method, flip=True, check_finite=self.check_finite,
            )  # (B, C, 2·(end - c·b) - 1): anyconv.functional.conv1d's per-sample path
            parts.append(out[..., : end - c * b])  # (B, C, end - c·b)
        return torch.cat(parts, dim=-1)  # (B, C, L)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or x.shape[1] != self.channels or x.shape[-1] < 1:
            raise ValueError(f"Orchid: expected x of shape (B, {self.channels}, L) with L >= 1, got {tuple(x.shape)}")
        c = self.channels
        u = self.in_proj(x)  # (B, 3C, L)
        x0, x1, v = self.short_filter(u).split(c, dim=1)  # each (B, C, L)
        if self._frozen is None:
            weights = self.global_weights(u[:, 2 * c :])  # list of (B, C, 1, K_c)
        else:
            weights = self._frozen
            taps = 2 * x.shape[-1] if self.mode == "same" else x.shape[-1]
            if weights[0].shape[0] != x.shape[0] or weights[-1].shape[-1] != taps:
                raise ValueError(
                    f"Orchid (baked): kernels frozen for batch {weights[0].shape[0]} and {weights[-1].shape[-1]} "
                    f"taps, got x of shape {tuple(x.shape)}"
                )
        z = x1 * v  # (B, C, L)
        z = self._global_conv(z, weights) + z * self.D[:, None]  # (B, C, L)
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
        baked._frozen = [w.detach() for w in self.global_weights(self.in_proj(x)[:, 2 * self.channels :])]
        return baked

    def extra_repr(self) -> str:
        parts = [f"{self.channels}, seq_len={self.seq_len}, mode={self.mode!r}, conditioning={self.conditioning!r}"]
        if self.mode == "causal" and self.num_blocks != 4:
            parts.append(f"num_blocks={self.num_blocks}")
        if self.method != "auto":
            parts.append(f"method={self.method!r}")
        if not self.check_finite:
            parts.append("check_finite=False")
        return ", ".join(parts)
