"""Shared base of the continuous-kernel layers (CKConv, FlexConv, SMPConv): a kernel is a function
of relative position, sampled where the data is.

A subclass implements :meth:`ContinuousConv.evaluate` — positions ``(N, d)`` in ``[−1, 1]^d`` to
kernel values ``(C_out, C_in/groups, N)`` — and may narrow :meth:`ContinuousConv.position_bounds`
(FlexConv's crop). This base turns that into a convolution on a regular grid (through the
engines, ``flip=False``) or at irregular sample times (through :func:`~anyconv.functional.irregular.irregular_conv`).

**Convention** (as the CKConv / FlexConv / CCNN references): causal *cross-correlation*, the last
tap is "now". A sample ``lag`` grid steps in the past (``lag = t_i − t_j``) is read at position
``p = center − lag · step``: with ``kernel_size = K`` taps, ``step = 2 / (K − 1)``; causal kernels
put "now" at ``+1`` and the oldest tap at ``−1``, centred ones (``mode="same"``) lag 0 at 0 (odd K).
See :mod:`anyconv.kernels.positions`.

**Length and resolution** (1-D):

* ``kernel_size=K``: the kernel covers ``K`` grid steps whatever the input's length; a longer
  input is a longer signal at the same sampling rate (the kernel is not re-sampled, taps that
  can never meet the input are not computed).
* ``kernel_size=None``: the kernel spans the whole input: on an input of ``N`` samples the
  positions ``[−1, 1]`` are spread over the ``N`` samples (``2N − 1`` lags, past and future,
  for ``mode="same"``). An input of ``2N`` samples is read as the same signal sampled twice as
  densely: the kernel is re-sampled at the new positions and multiplied by ``(L − 1) / (N − 1)``,
  the ratio of the grid steps, where ``L`` is ``reference_length`` or, when that is not given, the
  length of the first input the layer sees (recorded in the ``recorded_length`` buffer, which the
  state dict carries — the references' ``train_length``) — the sampling-rate
  normalisation of the CKConv reference (``sr_train / sr_test``; the reference rounds the ratio to
  an integer and shifts its grid by half a step to align it, we use the exact step ratio on the
  exact ``[−1, 1]`` grid). Then ``Σ_j K(t_i − t_j) x_j`` approximates the same integral at every
  resolution.
* Irregular times with ``kernel_size=None``: the span is the largest ``t_last − t_first`` in the
  batch (``N − 1`` on a regular grid), so give ``kernel_size`` when outputs must not depend on
  the batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import torch
from torch import Tensor, nn

from anyconv.functional.conv import apply
from anyconv.functional.irregular import check_times, irregular_conv
from anyconv.kernels._args import positive_int
from anyconv.kernels.positions import lag_positions, layout, linspace_grid, tap_lags
from anyconv.layers.base import KernelConv

Frame = tuple[float, float, float, float]  # (center, step, lowest lag, highest lag)


class ContinuousConv(KernelConv):
    """Base of continuous-kernel layers; subclasses implement :meth:`evaluate`.

    ``layer.method`` picks the engine of regular inputs (and of the irregular path's grid
    convolution); ``layer.irregular_method`` (``"auto"``, ``"grid"``, ``"pairwise"``) the path of
    :func:`~anyconv.functional.irregular.irregular_conv`; ``layer.engine`` is ``"irregular"`` after
    a forward with ``times`` or ``mask``.

    Shape:
        1-D: x ``(B, C_in, N)`` (+ times, mask ``(B, N)``) → ``(B, C_out, N)``;
        2-D: ``(B, C_in, H, W)`` → ``(B, C_out, H, W)``.
    """

    mode: str  # always a boundary mode here ("causal"/"same" 1-D, "same"/"circular" 2-D)
    recorded_length: Tensor

    def __init__(
        self, in_channels: int, out_channels: int, *, ndim: int, kernel_size: int | tuple[int, ...] | None,
        mode: str, groups: int, bias: bool, method: str, reference_length: int | None, check_finite: bool,
        device: torch.device | str | None, dtype: torch.dtype | None,
    ) -> None:
        allowed = ("causal", "same") if ndim == 1 else ("same", "circular")
        if mode not in allowed:
            raise ValueError(f"mode must be one of {allowed} for a {ndim}-D continuous layer, got {mode!r}")
        super().__init__(ndim=ndim, mode=mode, groups=groups, method=method, flip=False, check_finite=check_finite)
        self.in_channels = positive_int("in_channels", in_channels)
        self.out_channels = positive_int("out_channels", out_channels)
        positive_int("groups", groups)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}")
        self.kernel_size = self._check_kernel_size(kernel_size, ndim)
        if reference_length is not None:
            positive_int("reference_length", reference_length, minimum=2)
        self.reference_length = reference_length
        # the length at which the kernel is used unscaled (kernel_size=None): given, or recorded by
        # the first forward (the references' ``train_length``); 0 = not yet known
        self.register_buffer("recorded_length", torch.tensor(reference_length or 0, dtype=torch.long, device=device))
        self.irregular_method = "auto"  # engine of the irregular path: "auto", "grid" or "pairwise"
        self.bias = nn.Parameter(torch.zeros(out_channels, device=device, dtype=dtype)) if bias else None

    @staticmethod
    def _check_kernel_size(kernel_size: object, ndim: int) -> tuple[int, ...] | None:
        if kernel_size is None:
            if ndim != 1:
                raise ValueError("kernel_size is required for 2-D continuous layers (an int or (Kh, Kw))")
            return None
        sizes = (kernel_size,) * ndim if isinstance(kernel_size, int) and not isinstance(kernel_size, bool) else kernel_size
        if not isinstance(sizes, tuple) or len(sizes) != ndim or any(isinstance(k, bool) or not isinstance(k, int) or k < 1 for k in sizes):
            raise ValueError(f"kernel_size must be None, an int >= 1 or a tuple of {ndim} such ints, got {kernel_size!r}")
        return sizes

    # ---- what a subclass provides -------------------------------------------------------------
    def evaluate(self, positions: Tensor) -> Tensor:  # pragma: no cover - abstract
        """Kernel values at ``positions``.

        Shape:
            ``(N, ndim)`` → ``(C_out, C_in/groups, N)``
        """
        raise NotImplementedError(f"{type(self).__name__} must implement evaluate(positions)")

    def position_bounds(self) -> list[tuple[float, float]] | None:
        """Per axis, the positions outside which the kernel is zero (None: the whole ``[−1, 1]``)."""
        return None

    def _kernel_dtype(self) -> torch.dtype:
        for p in self.parameters():
            if p.is_floating_point():
                return p.dtype
        return torch.get_default_dtype()

    def _evaluate_checked(self, positions: Tensor) -> Tensor:
        c_in_g = self.in_channels // self.groups
        # the kernel network runs in its own precision (sin(ω0·x) in bf16 loses the kernel)
        with torch.autocast(positions.device.type, enabled=False):
            values = self.evaluate(positions.to(self._kernel_dtype()))
        if values.shape != (self.out_channels, c_in_g, positions.shape[0]):
            raise ValueError(
                f"{type(self).__name__}.evaluate must return (C_out, C_in/groups, N) = "
                f"{(self.out_channels, c_in_g, positions.shape[0])}, got {tuple(values.shape)}"
            )
        return values

    # ---- 1-D geometry --------------------------------------------------------------------------
    def _frame(self, span: float) -> Frame:
        """``(center, step, lowest lag, highest lag)`` for an input spanning ``span`` grid steps."""
        if self.kernel_size is not None:
            k = self.kernel_size[0]
        else:  # the kernel spans the input: span + 1 taps causal, 2·span + 1 centred
            if span != int(span):
                center = 1.0 if self.mode == "causal" else 0.0
                step = 2.0 / span if self.mode == "causal" else 1.0 / span
                return center, step, (0.0 if self.mode == "causal" else -span), span
            k = int(span) + 1 if self.mode == "causal" else 2 * int(span) + 1
        left, center, step = layout(k, self.mode)
        return center, step, float(left - k + 1), float(left)

    def _crop_lags(self, center: float, step: float, lo: float, hi: float) -> tuple[float, float]:
        bounds = self.position_bounds()
        if bounds is None or step == 0:
            return lo, hi
        p_lo, p_hi = bounds[0]
        eps = 1e-9
        new_lo, new_hi = max(lo, (center - p_hi) / step - eps), min(hi, (center - p_lo) / step + eps)
        if math.ceil(new_lo) > math.floor(new_hi):  # no grid lag above the threshold: keep the nearest one
            nearest = float(min(max(round((new_lo + new_hi) / 2), math.ceil(lo)), math.floor(hi)))
            return nearest, nearest
        return new_lo, new_hi

    def reference(self) -> int | None:
        """The length at which a ``kernel_size=None`` kernel is used unscaled (None: not known yet)."""
        value = int(self.recorded_length)
        return value if value > 0 else None

    def _record(self, length: int) -> None:
        if self.kernel_size is None and length > 1 and int(self.recorded_length) == 0:
            with torch.no_grad():
                self.recorded_length.fill_(length)

    def _scale(self, span: float) -> float:
        reference = self.reference()
        if self.kernel_size is not None or reference is None or span <= 0:
            return 1.0
        return (reference - 1) / span

    def _kernel_fn(self, center: float, step: float, scale: float) -> Callable[[Tensor], Tensor]:
        def kernel_fn(lags: Tensor) -> Tensor:
            values = self._evaluate_checked(lag_positions(lags.to(self._kernel_dtype()), center=center, step=step))
            return values * scale if scale != 1.0 else values

        return kernel_fn

    def weight_1d(self, length: int) -> tuple[Tensor, str]:
        """The sampled kernel for a regular input of ``length`` samples and the engine mode it is laid out for.

        Shape:
            ``(C_out, C_in/groups, K)``: causal — last tap lag 0; same — torch's 'same' layout,
            taps outside the (cropped) window are zeros.
        """
        center, step, lo, hi = self._frame(float(length - 1))
        lo, hi = max(lo, -(length - 1)), min(hi, length - 1)  # lags that can meet a sample
        lo, hi = self._crop_lags(center, step, lo, hi)
        lag_lo, lag_hi = math.ceil(lo), math.floor(hi)
        lags = tap_lags(lag_hi, lag_lo, device=self._device(), dtype=self._kernel_dtype())  # (K,)
        weight = self._kernel_fn(center, step, self._scale(float(length - 1)))(lags)  # (C_out, C_in/g, K)
        if self.mode == "causal":  # lag_lo >= 0: zeros for the cropped newest lags, last tap = lag 0
            return nn.functional.pad(weight, (0, lag_lo)), "causal"
        past, future = max(lag_hi, 0), max(-lag_lo, 0)
        if future not in (past, past + 1):
            past = future = max(past, future)
        weight = nn.functional.pad(weight, (past - lag_hi, future + lag_lo))  # (C_out, C_in/g, past + future + 1)
        return weight, "same"

    def _device(self) -> torch.device:
        for t in (*self.parameters(), *self.buffers()):
            return t.device
        return torch.device("cpu")

    def _forward_irregular(self, x: Tensor, times: Tensor | None, mask: Tensor | None) -> Tensor:
        if times is None:  # a mask on the regular grid: samples at 0 … N−1
            times = torch.arange(x.shape[-1], device=x.device, dtype=self._kernel_dtype()).expand(x.shape[0], -1)
        elif not isinstance(times, Tensor) or not times.is_floating_point():
            raise ValueError(f"times must be a floating-point tensor of shape (B, N), got {getattr(times, 'dtype', type(times).__name__)}")
        valid = check_times(x, times, mask)  # (B, N) bool; names bad shapes, dtypes and orders
        if self.kernel_size is None:
            first = torch.where(valid, times, torch.full_like(times, math.inf)).amin(dim=-1)  # (B,)
            last = torch.where(valid, times, torch.full_like(times, -math.inf)).amax(dim=-1)  # (B,)
            gaps = torch.where(valid.any(-1), last - first, torch.zeros_like(last))  # (B,)
            span = float(gaps.amax()) if gaps.numel() else 0.0
            self._record(round(span) + 1)
        else:
            span = float(self.kernel_size[0] - 1)
        center, step, lo, hi = self._frame(span)
        lo, hi = self._crop_lags(center, step, lo, hi)
        fn = self._kernel_fn(center, step, self._scale(span))
        self.engine = "irregular"
        context, x = self._precision(x)
        with context:
            return irregular_conv(
                x, times, fn, self.bias, out_channels=self.out_channels, mask=mask, causal=self.mode == "causal",
                window=(lo, hi), groups=self.groups, method=self.irregular_method, conv_method=self.method,
            )

    def _forward_1d(self, x: Tensor, times: Tensor | None, mask: Tensor | None) -> Tensor:
        if x.ndim != 3:
            raise ValueError(f"{type(self).__name__} takes x of shape (B, C_in, N), got {tuple(x.shape)}")
        if times is not None or mask is not None:
            return self._forward_irregular(x, times, mask)
        self._record(x.shape[-1])
        weight, mode = self.weight_1d(max(x.shape[-1], 1))
        return self._run_engine(x, weight, mode)

    @staticmethod
    def _precision(x: Tensor) -> tuple[AbstractContextManager[object], Tensor]:
        """CPU autocast off (and a half-precision input in float32) around a convolution, see :meth:`_run_engine`."""
        if x.device.type != "cpu" or not torch.is_autocast_enabled("cpu"):
            return nullcontext(), x
        return torch.autocast("cpu", enabled=False), (x.float() if x.dtype in (torch.bfloat16, torch.float16) else x)

    def _run_engine(self, x: Tensor, weight: Tensor, mode: str) -> Tensor:
        """Run the engine. Under CPU autocast the convolution runs in float32: torch 2.13's CPU
        bfloat16 ``conv1d`` returns wrong values once ``C_in/g · K`` reaches about 64 (measured:
        relative error ~1 at C_in=4, K=16), which the direct engine would inherit."""
        context, x = self._precision(x)
        with context:
            y, self.engine = apply(
                x, weight, self.bias, ndim=self.ndim, mode=mode, groups=self.groups, method=self.method,
                flip=False, check_finite=self.check_finite,
            )
        return y

    # ---- 2-D -----------------------------------------------------------------------------------
    def weight_2d(self) -> Tensor:
        """The sampled (and cropped, zero-padded back to torch's 'same' layout) 2-D kernel.

        Shape:
            ``(C_out, C_in/groups, Kh', Kw')``
        """
        assert self.kernel_size is not None  # checked in __init__ for 2-D
        bounds = self.position_bounds() or [(-math.inf, math.inf)] * 2
        ranges, pads = [], []
        for k, (p_lo, p_hi) in zip(self.kernel_size, bounds):
            coords = [(-1.0 + 2.0 * i / (k - 1)) if k > 1 else 0.0 for i in range(k)]
            kept = [i for i, p in enumerate(coords) if p_lo - 1e-9 <= p <= p_hi + 1e-9] or [min(range(k), key=lambda i: abs(coords[i] - (p_lo + p_hi) / 2))]
            i0, i1 = kept[0], kept[-1]
            left = (k - 1) // 2
            past, future = left - i0, i1 - left  # taps before / after lag 0 in correlation order
            m_before, m_after = max(past, 0), max(future, 0)
            if m_after not in (m_before, m_before + 1):
                m_before = m_after = max(m_before, m_after)
            ranges.append((i0, i1))
            pads.append((m_before - past, m_after - future))
        grid = linspace_grid(self.kernel_size, device=self._device(), dtype=self._kernel_dtype())  # (Kh·Kw, 2)
        grid = grid.view(*self.kernel_size, 2)[ranges[0][0] : ranges[0][1] + 1, ranges[1][0] : ranges[1][1] + 1]
        kh, kw = grid.shape[:2]
        values = self._evaluate_checked(grid.reshape(-1, 2))  # (C_out, C_in/g, kh·kw)
        weight = values.view(self.out_channels, self.in_channels // self.groups, kh, kw)
        return nn.functional.pad(weight, (*pads[1], *pads[0]))  # (C_out, C_in/g, Kh', Kw')

    def _forward_2d(self, x: Tensor) -> Tensor:
        if x.ndim != 4:
            raise ValueError(f"{type(self).__name__} takes x of shape (B, C_in, H, W), got {tuple(x.shape)}")
        return self._run_engine(x, self.weight_2d(), self.mode)

    def forward(self, x: Tensor, times: Tensor | None = None, mask: Tensor | None = None) -> Tensor:
        if self.ndim == 1:
            return self._forward_1d(x, times, mask)
        if times is not None or mask is not None:
            raise ValueError(f"{type(self).__name__} is 2-D: times and mask are only taken by 1-D layers")
        return self._forward_2d(x)

    # ---- deployment ----------------------------------------------------------------------------
    def bake(self, *sizes: int) -> nn.Module:
        """A plain fixed-kernel module with identical outputs on regular inputs of spatial size ``sizes``.

        ``sizes`` is needed only by 1-D layers with ``kernel_size=None`` (the kernel depends on the
        length; a layer that has not seen an input yet records it as its reference length, as a
        first forward would); otherwise it may be omitted. Returns ``torch.nn.Conv*d`` (with a padding module
        where needed) or ``anyconv.Conv*d`` via :func:`anyconv.layers.baking.plain_conv`.
        """
        from anyconv.layers.baking import plain_conv

        if self.ndim == 1:
            if self.kernel_size is None and len(sizes) != 1:
                raise ValueError(f"bake needs the input length of a kernel_size=None layer: bake(N), got sizes={sizes}")
            if sizes and (len(sizes) != 1 or isinstance(sizes[0], bool) or not isinstance(sizes[0], int) or sizes[0] < 1):
                raise ValueError(f"bake(*sizes) of a 1-D layer takes one length >= 1, got {sizes}")
            length = sizes[0] if sizes else 1 + max(self.kernel_size or (1,))
            self._record(length)  # as a first forward at this length would
            with torch.no_grad():
                weight, mode = self.weight_1d(length)
        else:
            with torch.no_grad():
                weight, mode = self.weight_2d(), self.mode
        bias = None if self.bias is None else self.bias.detach().clone()
        return plain_conv(weight.detach().clone(), bias, ndim=self.ndim, mode=mode, groups=self.groups, method=self.method)

    def _continuous_repr(self) -> str:
        size = "None" if self.kernel_size is None else (self.kernel_size[0] if self.ndim == 1 else self.kernel_size)
        parts = [f"{self.in_channels}, {self.out_channels}, kernel_size={size}", self._conv_repr()]
        if self.bias is None:
            parts.append("bias=False")
        if self.kernel_size is None and self.reference() is not None:
            parts.append(f"reference_length={self.reference()}")
        return ", ".join(parts)
