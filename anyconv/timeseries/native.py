"""Compiled loops of the MiniRocket family and LightWaveS (optional; CPU float32 only).

The C files in ``anyconv/timeseries/_native/`` are built into the extension
``anyconv.timeseries._compiled`` at install time (``pyproject.toml``,
``optional = true``: without a C compiler the install still succeeds).

* ``minirocket.c`` computes MiniRocket's kernel outputs the way the reference
  does (``-sum`` of the nine taps plus three times the taps of weight 2) and
  their PPV while each output row is in L1 (:func:`minirocket_into`), or
  HDC-MiniRocket's time-coded PPV (each position weighted by the feature's
  timestamp code, tabulated once per dilation);
* ``pooling.c`` fuses "compare with each bias and accumulate" into one pass
  over MultiRocket's convolution outputs for its four pooling operators, where
  torch ops need a 0/1 tensor per bias written and read back (:func:`pool4_into`);
* ``rocket.c`` convolves each ROCKET kernel and keeps only its PPV and max,
  eight cases per vector (:func:`rocket_into`);
* ``lightwaves.c`` computes a selected LightWaveS bank's two layers and eight
  features in one pass per layer, eight cases per vector (:func:`lightwaves_into`).

Estimators use them when :func:`available` and computing on the CPU
(``engine="auto"``); otherwise torch ops give the same features. Calls go
through :mod:`ctypes`, which releases the GIL, so the transformers' per-thread
batches run in parallel. Every loop wants cases innermost in whole blocks of
:data:`LANES` (callers pad the batch with zero cases).
"""

from __future__ import annotations

import ctypes
import importlib.util
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["available", "choose_engine", "ENGINES", "LANES", "pool4_into", "pooled_ranges", "lightwaves_into", "rocket_into", "minirocket_into", "cases_innermost"]

#: Cases per vector block of the compiled loops (``LANES`` in ``pooling.c``).
LANES = 8
#: Values of the MiniRocket-family estimators' ``engine`` parameter.
ENGINES = ("auto", "native", "torch", "reference")

_ARGS = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
         ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p,
         ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64]


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL | None:
    spec = importlib.util.find_spec("anyconv.timeseries._compiled")
    if spec is None or spec.origin is None:
        return None
    lib = ctypes.CDLL(spec.origin)
    lib.anyconv_pool4.argtypes = [*_ARGS, ctypes.c_int64]
    lib.anyconv_pool4.restype = ctypes.c_int
    i64, ptr = ctypes.c_int64, ctypes.c_void_p
    lib.anyconv_lightwaves.argtypes = [ptr, i64, i64, i64, i64, i64, i64, ptr, ptr, ptr, ptr, ptr, i64]
    lib.anyconv_lightwaves.restype = ctypes.c_int
    lib.anyconv_rocket.argtypes = [ptr, i64, i64, i64, i64, i64, i64, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, i64]
    lib.anyconv_rocket.restype = ctypes.c_int
    lib.anyconv_minirocket.argtypes = [ptr, i64, i64, i64, i64, i64, i64, ptr, ptr, ptr, ptr, ptr, i64, ptr, ptr, i64]
    lib.anyconv_minirocket.restype = ctypes.c_int
    return lib


def available() -> bool:
    """Whether the compiled loops were built (a C compiler was present at install)."""
    return _library() is not None


def cases_innermost(x: torch.Tensor, pad: int) -> torch.Tensor:
    """The layout every compiled loop reads: cases innermost, zero padded.

    ``pad`` zeros before and after each channel's values (the largest kernel
    reach), and zero cases up to a whole number of ``LANES`` blocks (callers
    drop their features).

    Shape:
        x: ``(B, C, L)`` float32; returns ``(C, L + 2 * pad, ceil(B / LANES) * LANES)`` contiguous.
    """
    extra = -x.shape[0] % LANES
    return F.pad(x.permute(1, 2, 0), (0, extra, pad, pad)).contiguous()


def choose_engine(engine: str, device: torch.device, *, native_ok: bool = True, reference_ok: bool = True) -> str:
    """Resolve an estimator's ``engine`` parameter to ``"native"``, ``"torch"`` or ``"reference"``.

    ``"auto"`` is ``"native"`` on the CPU when the loops were built (and the
    estimator has a native path, ``native_ok``), else ``"torch"``;
    ``"reference"`` is accepted only where the estimator has one (``reference_ok``). An explicit
    ``"native"`` that cannot run raises ``ValueError`` saying why.
    """
    allowed = ENGINES if reference_ok else tuple(e for e in ENGINES if e != "reference")
    if engine not in allowed:
        raise ValueError(f"engine must be one of {allowed}, got {engine!r}")
    if engine == "auto":
        return "native" if native_ok and device.type == "cpu" and available() else "torch"
    if engine == "native":
        if not native_ok:
            raise ValueError("engine='native' is not implemented for this estimator; use 'auto' or 'torch'")
        if device.type != "cpu":
            raise ValueError(f"engine='native' runs on the CPU, got device={str(device)!r}; use 'torch' or 'auto'")
        if not available():
            raise ValueError(
                "engine='native' needs the compiled extension anyconv.timeseries._compiled, which was not "
                "built (no C compiler at install time?); reinstall with a compiler, or use 'auto' or 'torch'"
            )
    return engine


def pooled_ranges(n_kernels: int, dilation_index: int, dilation: int, n_timepoints: int) -> np.ndarray:
    """``(2, n_kernels)`` int64 ``[lo; hi]``: the positions each kernel pools.

    MiniRocket alternates: kernel ``k`` at dilation index ``j`` pools all ``L``
    positions when ``j + k`` is even, the unpadded centre ``[4d, L - 4d)`` when odd.
    """
    k = np.arange(n_kernels)
    odd = (dilation_index + k) % 2 == 1
    pad = 4 * dilation
    return np.stack([np.where(odd, pad, 0), np.where(odd, n_timepoints - pad, n_timepoints)]).astype(np.int64)


def _check(conv: torch.Tensor, bias: torch.Tensor, ranges: torch.Tensor, out: torch.Tensor) -> None:
    """Programming-error guards: the C loops trust these layouts."""
    if conv.device.type != "cpu" or conv.dtype != torch.float32 or conv.dim() != 3:
        raise ValueError(f"conv must be a 3-D float32 CPU tensor, got {conv.dtype} {tuple(conv.shape)} on {conv.device}")
    K = conv.shape[0]
    if bias.dtype != torch.float32 or not bias.is_contiguous() or bias.dim() != 2 or bias.shape[0] != K:
        raise ValueError(f"bias must be contiguous float32 ({K}, nf), got {bias.dtype} {tuple(bias.shape)}")
    if ranges.dtype != torch.int64 or not ranges.is_contiguous() or tuple(ranges.shape) != (2, K):
        raise ValueError(f"ranges must be contiguous int64 (2, {K}), got {ranges.dtype} {tuple(ranges.shape)}")
    if conv.stride(2) != 1 or conv.shape[2] % LANES:
        raise ValueError(
            f"conv must hold cases innermost (stride 1) in a multiple of {LANES}, "
            f"got shape {tuple(conv.shape)} strides {conv.stride()}; pad the batch"
        )
    if out.dtype != torch.float32 or out.dim() != 2 or out.stride(1) != 1 or out.shape[0] != conv.shape[2]:
        raise ValueError(
            f"out must be float32 ({conv.shape[2]}, F) with unit column stride, "
            f"got {out.dtype} {tuple(out.shape)} strides {out.stride()}"
        )


def _call(fn, conv, bias, ranges, out, col0, *extra) -> None:
    _check(conv, bias, ranges, out)
    K, _, n_cases = conv.shape
    sk, st, sb = conv.stride()
    status = fn(conv.data_ptr(), K, n_cases, sk, st, sb, bias.data_ptr(), bias.shape[1],
                ranges[0].data_ptr(), ranges[1].data_ptr(), out.data_ptr(), out.stride(0), col0, *extra)
    if status != 0:  # the checks above make this unreachable
        raise RuntimeError(f"anyconv native pooling rejected its arguments (status {status})")


def pool4_into(
    conv: torch.Tensor, bias: torch.Tensor, ranges: torch.Tensor, out: torch.Tensor, col0: int, block: int
) -> None:
    """MultiRocket's PPV, LSPV, MPV, MIPV, written ``block`` columns apart into ``out``.

    Shape:
        conv: ``(K, L, n_cases)`` float32, cases contiguous, ``n_cases % LANES == 0``;
        bias: ``(K, nf)``; ranges: ``(2, K)`` from :func:`pooled_ranges`;
        out: ``(n_cases, F)``; PPV of ``(k, f)`` at ``col0 + k * nf + f``, LSPV at
        ``+ block``, MPV at ``+ 2 * block``, MIPV at ``+ 3 * block``.
    """
    _call(_library().anyconv_pool4, conv, bias, ranges, out, col0, block)


def lightwaves_into(
    x: torch.Tensor,
    n_timepoints: int,
    pad: int,
    channel: torch.Tensor,
    dilation: torch.Tensor,
    weight: torch.Tensor,
    second: torch.Tensor,
    out: torch.Tensor,
) -> None:
    """The eight LightWaveS features of every (case, selected kernel), into ``out``.

    Parameters
    ----------
    x : torch.Tensor
        Scaled input, each channel with ``pad >= 4 * max(dilation)`` zeros before
        and after its ``n_timepoints`` values, cases innermost.
    channel, dilation : torch.Tensor
        int64 per kernel: the channel of ``x`` it reads, its dilation.
    weight : torch.Tensor
        float32 per kernel: its 9 taps already divided by ``dilation ** 1.5``.
    second : torch.Tensor
        int64 per kernel: 1 if its layer-2 features are wanted (else they are left as they are).
    out : torch.Tensor
        float32; kernel ``k``'s features ``[ppv1, max1, lsp1, min1, ppv2, max2, lsp2, min2]``
        go to columns ``8k .. 8k + 7``.

    Shape:
        x: ``(C, n_timepoints + 2 * pad, B)`` contiguous, ``B % LANES == 0``;
        channel, dilation, second: ``(K,)``; weight: ``(K, 9)``; out: ``(B, 8 * K)``.
    """
    C, Lp, B = x.shape
    K = channel.shape[0]
    if x.dtype != torch.float32 or x.device.type != "cpu" or not x.is_contiguous() or B % LANES:
        raise ValueError(f"x must be contiguous float32 CPU (C, L + 2 pad, B) with B % {LANES} == 0, got {x.dtype} {tuple(x.shape)}")
    if Lp != n_timepoints + 2 * pad:
        raise ValueError(f"x has {Lp} padded timepoints, expected {n_timepoints} + 2 * {pad}")
    for name, t, dtype, shape in (("channel", channel, torch.int64, (K,)), ("dilation", dilation, torch.int64, (K,)),
                                  ("second", second, torch.int64, (K,)), ("weight", weight, torch.float32, (K, 9))):
        if t.dtype != dtype or tuple(t.shape) != shape or not t.is_contiguous():
            raise ValueError(f"{name} must be contiguous {dtype} {shape}, got {t.dtype} {tuple(t.shape)}")
    if out.dtype != torch.float32 or tuple(out.shape) != (B, 8 * K) or not out.is_contiguous():
        raise ValueError(f"out must be contiguous float32 ({B}, {8 * K}), got {out.dtype} {tuple(out.shape)}")
    # the loop checks every channel id and dilation itself (cheaper than torch reductions here)
    status = _library().anyconv_lightwaves(
        x.data_ptr(), B, n_timepoints, pad, Lp * B, C, K, channel.data_ptr(), dilation.data_ptr(),
        weight.data_ptr(), second.data_ptr(), out.data_ptr(), out.stride(0),
    )
    if status == -1:
        raise MemoryError("anyconv native LightWaveS: could not allocate its layer-2 buffer")
    if status == -3:
        raise ValueError(f"channel ids must lie in [0, {C}), got {int(channel.min())}..{int(channel.max())}")
    if status == -2:
        raise ValueError(f"dilations must lie in [1, pad / 4 = {pad // 4}], got {int(dilation.min())}..{int(dilation.max())}")
    if status != 0:
        raise RuntimeError(f"anyconv native LightWaveS rejected its arguments (status {status})")


def rocket_into(x: torch.Tensor, n_timepoints: int, pad: int, kernels: dict[str, torch.Tensor], out: torch.Tensor) -> None:
    """PPV and max of every (case, ROCKET kernel), into ``out``.

    Parameters
    ----------
    x : torch.Tensor
        Input with ``pad >= max(paddings)`` zeros before and after each channel's
        ``n_timepoints`` values, cases innermost.
    kernels : dict
        The bank as contiguous CPU tensors: int64 ``lengths``, ``dilations``,
        ``paddings``, ``w_off``, ``n_ch``, ``channel_indices``, ``c_off``; float32
        ``biases``, ``weights`` (the flat reference layout, see
        :class:`~anyconv.timeseries.rocket_kernels.RocketKernels`).
    out : torch.Tensor
        float32; kernel ``k``'s PPV goes to column ``2k``, its max to ``2k + 1``.

    Shape:
        x: ``(C, n_timepoints + 2 * pad, B)`` contiguous, ``B % LANES == 0``;
        out: ``(B, 2 * n_kernels)``.
    """
    C, Lp, B = x.shape
    K = kernels["lengths"].shape[0]
    if x.dtype != torch.float32 or x.device.type != "cpu" or not x.is_contiguous() or B % LANES:
        raise ValueError(f"x must be contiguous float32 CPU (C, L + 2 pad, B) with B % {LANES} == 0, got {x.dtype} {tuple(x.shape)}")
    if Lp != n_timepoints + 2 * pad:
        raise ValueError(f"x has {Lp} padded timepoints, expected {n_timepoints} + 2 * {pad}")
    for name, t in kernels.items():
        dtype = torch.float32 if name in ("biases", "weights") else torch.int64
        if t.dtype != dtype or not t.is_contiguous() or t.device.type != "cpu":
            raise ValueError(f"kernels[{name!r}] must be a contiguous {dtype} CPU tensor, got {t.dtype}")
    if out.dtype != torch.float32 or tuple(out.shape) != (B, 2 * K) or not out.is_contiguous():
        raise ValueError(f"out must be contiguous float32 ({B}, {2 * K}), got {out.dtype} {tuple(out.shape)}")
    names = ("lengths", "dilations", "paddings", "biases", "weights", "w_off", "n_ch", "channel_indices", "c_off")
    # the loop checks every kernel and channel id itself (cheaper than torch reductions here)
    status = _library().anyconv_rocket(
        x.data_ptr(), B, n_timepoints, pad, Lp * B, C, K, *(kernels[n].data_ptr() for n in names),
        out.data_ptr(), out.stride(0),
    )
    if status == -3:
        ch = kernels["channel_indices"]
        raise ValueError(f"channel ids must lie in [0, {C}), got {int(ch.min())}..{int(ch.max())}")
    if status != 0:
        raise ValueError(
            "ROCKET kernels out of range for the native loop (length 1..11, padding <= pad, "
            f"dilation >= 1, at least one output per kernel); status {status}"
        )


def minirocket_into(
    x: torch.Tensor, n_timepoints: int, pad: int, bank: dict[str, torch.Tensor], shift: int, out: torch.Tensor,
    rotations: torch.Tensor | None = None,
) -> None:
    """MiniRocket PPV features of every case, into ``out`` (convolutions included).

    With ``rotations``, HDC-MiniRocket features instead: each PPV's positions are
    weighted by the feature's timestamp code ``cos(w t) + sin(w t)``.

    Parameters
    ----------
    x : torch.Tensor
        Input with ``pad >= 4 * max(dilations) + shift`` zeros before and after each
        channel's ``n_timepoints`` values, cases innermost.
    bank : dict
        Contiguous CPU tensors: int64 ``dilations``, ``nf`` (features per kernel and
        dilation), ``per_comb``, ``channel_indices``; float32 ``biases`` (the
        :class:`~anyconv.timeseries.minirocket_kernels.MiniRocketBank` arrays).
    shift : int
        The bank's ``left_tap_shift``.
    out : torch.Tensor
        float32, features in the bank's order.
    rotations : torch.Tensor or None
        float64 per feature (bank order): ``[cos(w lo), sin(w lo), cos(w), sin(w)]``,
        ``lo`` the first pooled position (0, or ``4 d`` for the unpadded centre),
        ``w`` the code's frequency per position; ``None``: plain PPV.

    Shape:
        x: ``(C, n_timepoints + 2 * pad, B)`` contiguous, ``B % LANES == 0``;
        out: ``(B, 84 * sum(nf))``; rotations: ``(84 * sum(nf), 4)``.
    """
    C, Lp, B = x.shape
    if x.dtype != torch.float32 or x.device.type != "cpu" or not x.is_contiguous() or B % LANES:
        raise ValueError(f"x must be contiguous float32 CPU (C, L + 2 pad, B) with B % {LANES} == 0, got {x.dtype} {tuple(x.shape)}")
    if Lp != n_timepoints + 2 * pad:
        raise ValueError(f"x has {Lp} padded timepoints, expected {n_timepoints} + 2 * {pad}")
    for name, t in bank.items():
        dtype = torch.float32 if name == "biases" else torch.int64
        if t.dtype != dtype or not t.is_contiguous() or t.device.type != "cpu":
            raise ValueError(f"bank[{name!r}] must be a contiguous {dtype} CPU tensor, got {t.dtype}")
    n_dil = bank["dilations"].shape[0]
    if bank["per_comb"].shape[0] != 84 * n_dil or int(bank["per_comb"].sum()) != bank["channel_indices"].shape[0]:
        raise ValueError("bank['per_comb'] must give the channel count of each of the 84 * n_dilations combinations")
    ch = bank["channel_indices"]
    if ch.numel() and (int(ch.min()) < 0 or int(ch.max()) >= C):
        raise ValueError(f"channel ids must lie in [0, {C}), got {int(ch.min())}..{int(ch.max())}")
    n_features = 84 * int(bank["nf"].sum())
    if bank["biases"].shape[0] != n_features:
        raise ValueError(f"bank['biases'] must hold 84 * sum(nf) = {n_features} values, got {bank['biases'].shape[0]}")
    if out.dtype != torch.float32 or tuple(out.shape) != (B, n_features) or out.stride(1) != 1:
        raise ValueError(f"out must be float32 ({B}, {n_features}) with unit column stride, got {out.dtype} {tuple(out.shape)}")
    if rotations is not None and (
        rotations.dtype != torch.float64 or tuple(rotations.shape) != (n_features, 4) or not rotations.is_contiguous()
    ):
        raise ValueError(f"rotations must be contiguous float64 ({n_features}, 4), got {rotations.dtype} {tuple(rotations.shape)}")
    status = _library().anyconv_minirocket(
        x.data_ptr(), B, n_timepoints, pad, Lp * B, C, n_dil, bank["dilations"].data_ptr(), bank["nf"].data_ptr(),
        bank["biases"].data_ptr(), bank["per_comb"].data_ptr(), ch.data_ptr(), shift,
        None if rotations is None else rotations.data_ptr(), out.data_ptr(), out.stride(0),
    )
    if status == -1:
        raise MemoryError("anyconv native MiniRocket: could not allocate its per-block buffers")
    if status != 0:
        raise ValueError(
            f"MiniRocket bank out of range for the native loop (dilation >= 1, 4 * dilation + shift <= pad, "
            f"8 * dilation < n_timepoints); status {status}"
        )
