"""Compiled pooling loops of the MiniRocket family (optional; CPU float32 only).

``anyconv/timeseries/_native/pooling.c`` is built into the extension
``anyconv.timeseries._pooling`` at install time (``pyproject.toml``,
``optional = true``). It fuses "compare with each bias and accumulate" into
one pass over the convolution outputs, where torch ops need a 0/1 tensor per
bias written and read back. The torch engine calls it when :func:`available`
and the tensors are on the CPU; otherwise it pools with torch ops (same
features). Calls go through :mod:`ctypes`, which releases the GIL, so the
transformers' per-thread batches run in parallel.
"""

from __future__ import annotations

import ctypes
import importlib.util
from functools import lru_cache

import numpy as np
import torch

__all__ = ["available", "choose_engine", "ENGINES", "ppv_into", "pool4_into", "pooled_ranges"]

#: Cases per vector block of the compiled loops (``LANES`` in ``pooling.c``).
LANES = 8
#: Values of the MiniRocket-family estimators' ``engine`` parameter.
ENGINES = ("auto", "native", "torch", "reference")

_ARGS = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
         ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p,
         ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64]


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL | None:
    spec = importlib.util.find_spec("anyconv.timeseries._pooling")
    if spec is None or spec.origin is None:
        return None
    lib = ctypes.CDLL(spec.origin)
    lib.anyconv_ppv.argtypes = _ARGS
    lib.anyconv_ppv.restype = ctypes.c_int
    lib.anyconv_pool4.argtypes = [*_ARGS, ctypes.c_int64]
    lib.anyconv_pool4.restype = ctypes.c_int
    return lib


def available() -> bool:
    """Whether the compiled loops were built (a C compiler was present at install)."""
    return _library() is not None


def choose_engine(engine: str, device: torch.device, *, native_ok: bool = True) -> str:
    """Resolve an estimator's ``engine`` parameter to ``"native"``, ``"torch"`` or ``"reference"``.

    ``"auto"`` is ``"native"`` on the CPU when the loops were built (and the
    estimator has a native path, ``native_ok``), else ``"torch"``. An explicit
    ``"native"`` that cannot run raises ``ValueError`` saying why.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine == "auto":
        return "native" if native_ok and device.type == "cpu" and available() else "torch"
    if engine == "native":
        if not native_ok:
            raise ValueError("engine='native' is not implemented for this estimator; use 'auto' or 'torch'")
        if device.type != "cpu":
            raise ValueError(f"engine='native' runs on the CPU, got device={str(device)!r}; use 'torch' or 'auto'")
        if not available():
            raise ValueError(
                "engine='native' needs the compiled extension anyconv.timeseries._pooling, which was not "
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


def ppv_into(conv: torch.Tensor, bias: torch.Tensor, ranges: torch.Tensor, out: torch.Tensor, col0: int) -> None:
    """PPV ``count(C > b) / n`` of every (case, kernel, bias), written into ``out``.

    Shape:
        conv: ``(K, L, n_cases)`` float32, cases contiguous, ``n_cases % LANES == 0``;
        bias: ``(K, nf)``; ranges: ``(2, K)`` from :func:`pooled_ranges`;
        out: ``(n_cases, F)``; feature ``(k, f)`` goes to column ``col0 + k * nf + f``.
    """
    _call(_library().anyconv_ppv, conv, bias, ranges, out, col0)


def pool4_into(
    conv: torch.Tensor, bias: torch.Tensor, ranges: torch.Tensor, out: torch.Tensor, col0: int, block: int
) -> None:
    """MultiRocket's PPV, LSPV, MPV, MIPV, written ``block`` columns apart into ``out``.

    Shape:
        as :func:`ppv_into`; PPV of ``(k, f)`` at ``col0 + k * nf + f``, LSPV at
        ``+ block``, MPV at ``+ 2 * block``, MIPV at ``+ 3 * block``.
    """
    _call(_library().anyconv_pool4, conv, bias, ranges, out, col0, block)
