"""Input validation for time-series collections (shared by every estimator here).

Conventions
-----------
* A *collection* is a float array of shape ``(n_cases, n_channels, n_timepoints)``.
* A 2-D array ``(n_cases, n_timepoints)`` is read as a univariate collection.
* float32 and float64 are kept as they are. Signed/unsigned integer arrays are
  accepted and converted to float64 (exact up to 2**53; integer-valued sensor
  data is common). Every other dtype (bool, object, strings, datetimes, ...)
  raises ``TypeError`` and sparse matrices too: nothing is coerced silently.
  Complex input raises ``ValueError("Complex data not supported ...")``
  (scikit-learn's convention).
* A list/tuple of series is accepted only when all series have the same shape;
  unequal lengths raise ``ValueError`` pointing to :func:`pad_series`.
* NaN and inf raise ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

__all__ = ["check_collection", "check_consistent", "pad_series"]

_PAD_HINT = "zero-pad shorter series, e.g. with anyconv.timeseries.pad_series"


def _as_series_list(X: Sequence) -> list[np.ndarray]:
    """Each element as a 2-D ``(n_channels, n_timepoints)`` array (no dtype change)."""
    out = []
    for i, s in enumerate(X):
        a = np.asarray(s)
        if a.ndim == 1:
            a = a[None, :]
        if a.ndim != 2:
            raise ValueError(
                "each series in a list must be 1-D (n_timepoints,) or 2-D "
                f"(n_channels, n_timepoints); series {i} has shape {a.shape}"
            )
        out.append(a)
    return out


def _check_dtype(X: np.ndarray, name: str) -> np.ndarray:
    kind = X.dtype.kind
    if X.dtype in (np.float32, np.float64):
        return X
    if kind in "iu":
        return X.astype(np.float64)
    if kind == "f":  # float16 / longdouble: accepted, computed in float64
        return X.astype(np.float64)
    if kind == "c":
        raise ValueError(f"Complex data not supported by {name}; got dtype {X.dtype}")
    raise TypeError(
        f"{name} expects a float32, float64 or integer array, got dtype "
        f"{X.dtype}; convert your data explicitly (e.g. X.astype(np.float64))"
    )


def check_collection(
    X: object, *, min_timepoints: int = 1, name: str = "estimator"
) -> np.ndarray:
    """Validate a collection of time series and return it as a 3-D float array.

    Parameters
    ----------
    X : array-like
        numpy array of shape ``(n_cases, n_channels, n_timepoints)`` or
        ``(n_cases, n_timepoints)`` (univariate), or a list of equal-shape series.
    min_timepoints : int, default=1
        Smallest accepted series length.
    name : str, default="estimator"
        Name used in error messages.

    Returns
    -------
    np.ndarray
        float32 or float64 (integers become float64), C-contiguous.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``;
        returns ``(n_cases, n_channels, n_timepoints)``.

    Raises
    ------
    TypeError
        For dtypes other than float or integer, and for scalars / None.
    ValueError
        For wrong dimensionality, empty input, NaN/inf, too-short series or
        unequal-length series in a list.
    """
    if X is None or np.isscalar(X):
        raise TypeError(f"{name} expects an array of time series, got {type(X).__name__}")
    if hasattr(X, "tocsr") or hasattr(X, "todense"):  # scipy.sparse
        raise TypeError(
            f"{name} does not support sparse input; pass a dense numpy array (X.toarray())"
        )
    if isinstance(X, (list, tuple)) and len(X) > 0 and not np.isscalar(X[0]):
        series = _as_series_list(X)
        shapes = {s.shape for s in series}
        if len(shapes) > 1:
            lengths = sorted({s.shape[1] for s in series})
            channels = sorted({s.shape[0] for s in series})
            if len(channels) > 1:
                raise ValueError(
                    f"{name} expects series with the same number of channels, got "
                    f"channel counts {channels}"
                )
            raise ValueError(
                f"{name} expects equal-length series, got lengths from {lengths[0]} "
                f"to {lengths[-1]}; pad or truncate them first with "
                "anyconv.timeseries.pad_series(X, length=..., mode='zero'|'truncate')"
            )
        X = np.stack(series)
    X = np.asarray(X)
    X = _check_dtype(X, name)
    shape_in = X.shape
    if X.ndim == 2:
        X = X[:, None, :]  # (n_cases, n_timepoints) -> (n_cases, 1, n_timepoints)
    elif X.ndim != 3:
        raise ValueError(
            f"{name} expects a 3-D array (n_cases, n_channels, n_timepoints) or a 2-D "
            f"array (n_cases, n_timepoints), got a {X.ndim}-D array of shape {X.shape}"
        )
    n_cases, n_channels, n_timepoints = X.shape
    if n_cases == 0 or n_channels == 0:
        raise ValueError(
            f"{name} needs at least one case and one channel, got shape {X.shape}"
        )
    if not np.isfinite(X).all():
        raise ValueError(
            f"{name} does not accept NaN or inf values (found "
            f"{int((~np.isfinite(X)).sum())}); impute or remove them first"
        )
    if n_timepoints < min_timepoints:
        raise ValueError(
            f"n_timepoints must be >= {min_timepoints}, got {n_timepoints}; {_PAD_HINT} "
            f"[{n_timepoints} feature(s) (shape={shape_in}) while a minimum of "
            f"{min_timepoints} is required]"
        )
    return np.ascontiguousarray(X)


def check_consistent(X: np.ndarray, n_channels_: int, n_timepoints_: int) -> None:
    """Raise ``ValueError`` if ``X`` does not match the collection seen in ``fit``.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` (already validated).
    """
    _, n_channels, n_timepoints = X.shape
    if n_channels != n_channels_:
        raise ValueError(
            f"X has {n_channels} channel(s), but the estimator was fitted with "
            f"{n_channels_} channel(s)"
        )
    if n_timepoints != n_timepoints_:
        raise ValueError(
            f"X has {n_timepoints} timepoints, but the estimator was fitted with "
            f"{n_timepoints_} timepoints; pad or truncate with "
            f"anyconv.timeseries.pad_series(X, length={n_timepoints_})"
        )


def pad_series(
    X: object,
    length: int | None = None,
    *,
    mode: Literal["zero", "edge", "truncate"] = "zero",
) -> np.ndarray:
    """Bring series of (possibly) unequal length to one length.

    Parameters
    ----------
    X : array-like or list of series
        A 2-D/3-D array or a list of 1-D ``(n_timepoints,)`` or 2-D
        ``(n_channels, n_timepoints)`` series of varying length.
    length : int or None, default=None
        Target length. ``None`` means the longest series for ``"zero"``/``"edge"``
        and the shortest for ``"truncate"``.
    mode : {"zero", "edge", "truncate"}, default="zero"
        ``"zero"`` appends zeros, ``"edge"`` repeats the last value; both cut
        series longer than ``length`` at the end. ``"truncate"`` only cuts: every
        series must be at least ``length`` long.

    Returns
    -------
    np.ndarray
        float array (dtype of the input if float, else float64).

    Shape:
        returns ``(n_cases, n_channels, length)``.
    """
    if mode not in ("zero", "edge", "truncate"):
        raise ValueError(f"mode must be 'zero', 'edge' or 'truncate', got {mode!r}")
    if isinstance(X, np.ndarray) and X.ndim in (2, 3):
        X = X[:, None, :] if X.ndim == 2 else X
        series = list(X)
    elif isinstance(X, (list, tuple)) and len(X) > 0:
        series = _as_series_list(X)
    else:
        raise TypeError(f"pad_series expects an array or a list of series, got {type(X).__name__}")
    series = [_check_dtype(np.asarray(s), "pad_series") for s in series]
    lengths = [s.shape[1] for s in series]
    if length is None:
        length = min(lengths) if mode == "truncate" else max(lengths)
    if not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"length must be a positive int, got {length!r}")
    if mode == "truncate" and min(lengths) < length:
        raise ValueError(
            f"mode='truncate' needs every series to be >= length={length}, the "
            f"shortest has {min(lengths)}; use mode='zero' to pad"
        )
    dtype = np.result_type(*series)
    out = np.zeros((len(series), series[0].shape[0], int(length)), dtype=dtype)
    for i, s in enumerate(series):
        n = min(s.shape[1], length)
        out[i, :, :n] = s[:, :n]
        if mode == "edge" and n < length:
            out[i, :, n:] = s[:, n - 1 : n]
    return out
