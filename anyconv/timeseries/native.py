"""Loader of the compiled loops (optional; CPU float32 only) and engine choice.

The C files in ``anyconv/timeseries/_native/`` are built into the extension
``anyconv.timeseries._compiled`` at install time (``pyproject.toml``,
``optional = true``: without a C compiler the install still succeeds). Each
method family wraps its own loops (``rocket/native.py``, ``minirocket/native.py``,
``lightwaves/native.py``, ``hydra/native.py``); this module only finds and checks the library:

* :func:`status` says whether it was built and loaded, and if not, why
  (not built, fails to load, a stale build missing a symbol, another ABI version);
* :func:`available` is ``status().loaded`` and never raises;
* :func:`choose_engine` resolves an estimator's ``engine`` parameter;
  ``"auto"`` falls back to torch (with one ``UserWarning`` per process when the
  library was not built or is broken).

Calls go through :mod:`ctypes`, which releases the GIL, so the transformers'
per-thread batches run in parallel. Every loop wants cases innermost in whole
blocks of :data:`LANES` (callers pad the batch with zero cases).
"""

from __future__ import annotations

import ctypes
import importlib.util
import threading
import warnings
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from anyconv.kernels._args import choice
from anyconv.timeseries._args import user_stacklevel

__all__ = ["available", "status", "NativeStatus", "library", "choose_engine", "ENGINES", "LANES",
           "ABI_VERSION", "cases_innermost", "check_status"]

#: Cases per vector block of the compiled loops (``LANES`` in ``simd.h``).
LANES = 8
#: Values of the estimators' ``engine`` parameter.
ENGINES = ("auto", "native", "torch", "reference")
#: What ``anyconv_abi_version()`` of a library built from these sources returns
#: (``ANYCONV_ABI_VERSION`` in ``simd.h``; bump both when a signature changes).
ABI_VERSION = 4

_I64, _PTR = ctypes.c_int64, ctypes.c_void_p
#: Entry points and their argument types (all return an int status, 0 = done).
SIGNATURES: dict[str, list] = {
    "anyconv_pool4": [_PTR, _I64, _I64, _I64, _I64, _I64, _I64, _PTR, _I64, _PTR, _PTR, _PTR, _I64, _I64, _I64, _I64],
    "anyconv_lightwaves": [_PTR, _I64, _I64, _I64, _I64, _I64, _I64, _PTR, _PTR, _PTR, _PTR, _PTR, _I64],
    "anyconv_rocket": [_PTR, _I64, _I64, _I64, _I64, _I64, _I64, *[_PTR] * 9, _PTR, _I64],
    "anyconv_minirocket": [_PTR, _I64, _I64, _I64, _I64, _I64, _I64, _PTR, _PTR, _PTR, _PTR, _PTR, _I64, _PTR,
                           _PTR, _I64],
    "anyconv_minirocket_conv": [_PTR, _I64, _I64, _I64, _I64, _I64, _I64, _PTR, _PTR, _I64, _PTR],
    "anyconv_hydra": [_PTR, _I64, _I64, _I64, _I64, _I64, _I64, _PTR, _I64, _I64, _I64, _PTR, _I64, _PTR, _PTR, _I64],
    "anyconv_hydra_fma": [],
}  # fmt: skip
_EXTENSION = "anyconv.timeseries._compiled"


@dataclass(frozen=True)
class NativeStatus:
    """Whether the compiled loops can run, and if not, why.

    Attributes
    ----------
    built : bool
        The extension file exists (a C compiler was present at install).
    loaded : bool
        It loaded, has every entry point and the expected ABI version.
    path : str or None
        The extension file.
    abi_version : int or None
        What the library reports (``None`` if it could not be asked).
    reason : str
        Why not loaded (empty when loaded).
    """

    built: bool
    loaded: bool
    path: str | None
    abi_version: int | None
    reason: str

    def __str__(self) -> str:
        if self.loaded:
            return f"anyconv native loops: loaded (ABI {self.abi_version}) from {self.path}"
        return f"anyconv native loops: not loaded ({'built' if self.built else 'not built'}): {self.reason}"


def _extension_path() -> str | None:
    """File of the built extension, or ``None`` (a seam tests replace)."""
    spec = importlib.util.find_spec(_EXTENSION)
    return None if spec is None or spec.origin is None else spec.origin


def _open(path: str) -> ctypes.CDLL:
    """Open the shared library (a seam tests replace)."""
    return ctypes.CDLL(path)


def _load() -> tuple[ctypes.CDLL | None, NativeStatus]:
    """Find, open and check the library; never raises."""
    try:
        path = _extension_path()
    except (ImportError, ValueError) as err:
        return None, NativeStatus(False, False, None, None, f"cannot look up {_EXTENSION}: {err}")
    if path is None:
        reason = (f"{_EXTENSION} was not built (no C compiler at install time?); reinstall with one, "
                  "e.g. `pip install -e .` with gcc or clang on PATH")
        return None, NativeStatus(False, False, None, None, reason)
    try:
        lib = _open(path)
    except OSError as err:
        return None, NativeStatus(True, False, path, None, f"the library fails to load: {err}")
    try:
        version_fn = lib.anyconv_abi_version
    except AttributeError:
        return None, NativeStatus(True, False, path, None,
                                  "stale build without anyconv_abi_version (rebuild: pip install -e .)")
    version_fn.argtypes, version_fn.restype = [], ctypes.c_int
    version = int(version_fn())
    if version != ABI_VERSION:
        return None, NativeStatus(True, False, path, version,
                                  f"ABI version {version}, expected {ABI_VERSION} (stale build; rebuild: pip install -e .)")
    for name, argtypes in SIGNATURES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            return None, NativeStatus(True, False, path, version, f"the library lacks the symbol {name} (rebuild)")
        fn.argtypes, fn.restype = argtypes, ctypes.c_int
    return lib, NativeStatus(True, True, path, version, "")


_LOCK = threading.Lock()
_STATE: list = []  # [(library or None, NativeStatus)] once loaded
_WARNED: list[bool] = []


def _state() -> tuple[ctypes.CDLL | None, NativeStatus]:
    with _LOCK:
        if not _STATE:
            _STATE.append(_load())
        return _STATE[0]


def _reset() -> None:
    """Forget the loaded library and the fallback warning (tests re-run the loader)."""
    with _LOCK:
        _STATE.clear()
        _WARNED.clear()


def status() -> NativeStatus:
    """Whether the compiled loops were built and loaded, and if not, why."""
    return _state()[1]


def available() -> bool:
    """Whether the compiled loops can run (built, loaded, right ABI). Never raises."""
    return _state()[1].loaded


def library() -> ctypes.CDLL:
    """The loaded library; ``RuntimeError`` with :func:`status`'s reason if there is none."""
    lib, st = _state()
    if lib is None:
        raise RuntimeError(str(st))
    return lib


#: C status codes of the entry points (``simd.h``).
_CODES = {-1: "could not allocate a buffer", -2: "a size, dilation or padding out of range",
          -3: "a channel id out of range", -4: "a pooled range [lo, hi) outside the series"}


def check_status(code: int, what: str) -> None:
    """Turn a loop's status into an exception: ``MemoryError`` for -1, else ``ValueError``."""
    if code == 0:
        return
    message = f"anyconv native {what}: {_CODES.get(code, 'unknown error')} (status {code})"
    raise MemoryError(message) if code == -1 else ValueError(message)


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


def _warn_fallback() -> None:
    if not _WARNED:
        _WARNED.append(True)
        warnings.warn(f"engine='auto' uses the slower torch engine: {status()}", UserWarning,
                      stacklevel=user_stacklevel())


def choose_engine(engine: str, device: torch.device, *, native_ok: bool = True, reference_ok: bool = True) -> str:
    """Resolve an estimator's ``engine`` parameter to ``"native"``, ``"torch"`` or ``"reference"``.

    ``"auto"`` is ``"native"`` on the CPU when the loops are available (and the
    estimator has a native path, ``native_ok``), else ``"torch"`` -- with one
    ``UserWarning`` per process when that is because the library is missing or
    broken; ``"reference"`` is accepted only where the estimator has one
    (``reference_ok``). An explicit ``"native"`` that cannot run raises
    ``ValueError`` saying why.
    """
    choice("engine", engine, ENGINES if reference_ok else tuple(e for e in ENGINES if e != "reference"))
    if engine == "auto":
        if not (native_ok and device.type == "cpu"):
            return "torch"
        if available():
            return "native"
        _warn_fallback()
        return "torch"
    if engine == "native":
        if not native_ok:
            raise ValueError("engine='native' is not implemented for this estimator; use 'auto' or 'torch'")
        if device.type != "cpu":
            raise ValueError(f"engine='native' runs on the CPU, got device={str(device)!r}; use 'torch' or 'auto'")
        if not available():
            raise ValueError(f"engine='native' cannot run: {status()}; use 'auto' or 'torch'")
    return engine
