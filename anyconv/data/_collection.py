"""Shared pieces of the time-series file loaders: error messages, number parsing, stacking.

A *collection* is what every loader returns as ``X``: a float64 array of shape
``(n_cases, n_channels, n_timepoints)`` when all series have the same shape, else a
list of ``(n_channels, n_timepoints_i)`` arrays. Unequal lengths are never padded
silently; ``equalize="pad"`` or ``equalize="truncate"`` asks for it explicitly.

Every loader reads its file as UTF-8 with an optional byte-order mark (``ENCODING``) and
returns class labels through :func:`normalize_label`: a label that is a number with an
integral value is spelled as that integer (``1.0``, ``1.0000000e+00``, ``+1`` and ``01``
are all the class ``"1"``), so files written by different tools agree; every other label
is kept as written (stripped of surrounding spaces).
"""

from __future__ import annotations

import itertools
import os
import re
from decimal import Decimal
from typing import Literal

import numpy as np

__all__ = [
    "Collection",
    "ENCODING",
    "Equalize",
    "labels_array",
    "malformed",
    "no_cases",
    "normalize_label",
    "strip_trailing_missing",
    "parse_floats",
    "finalize_collection",
    "equalize_lengths",
]

Collection = np.ndarray | list[np.ndarray]
Equalize = Literal["pad", "truncate"] | None

_EQUALIZE_CHOICES = (None, "pad", "truncate")
_MISSING_TOKENS = {"?", "nan", "NaN", "NAN", "", "na", "NA"}
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_MAX_LABEL_DIGITS = 100  # a label like 1e999999 is kept as written, not expanded

#: how every loader opens its file: UTF-8, a leading byte-order mark (Excel, Notepad) dropped
ENCODING = "utf-8-sig"


def normalize_label(label: str) -> str:
    """A class label as the loaders return it: integral numbers in their integer spelling.

    ``"1.0"``, ``"1.0000000e+00"``, ``"+1"`` and ``"01"`` become ``"1"``; ``"-0.0"``
    becomes ``"0"``. Anything else (``"0.5"``, ``"a"``, ``"nan"``) is returned as
    written, stripped of surrounding whitespace. Exact: ``Decimal`` arithmetic, no
    rounding through ``float``.
    """
    label = label.strip()
    if _NUMBER.fullmatch(label):
        value = Decimal(label)
        if value.adjusted() <= _MAX_LABEL_DIGITS and value == value.to_integral_value():
            return str(int(value))
    return label


def labels_array(labels: list[str]) -> np.ndarray:
    """``(n_cases,)`` string array of :func:`normalize_label`-ed labels."""
    return np.array([normalize_label(label) for label in labels], dtype=str)


def no_cases(path: str | os.PathLike, detail: str) -> ValueError:
    """The ``ValueError`` for a file without a single case."""
    return ValueError(f"{os.fspath(path)}: the file has no cases ({detail})")


def strip_trailing_missing(case: np.ndarray) -> np.ndarray:
    """Drop the time points at the end of a case that are NaN in every channel.

    The archives pad variable-length series with trailing ``NaN`` (``.tsv``) or ``?``
    (``.arff``); this recovers each series' own length.

    Shape:
        ``(n_channels, n_timepoints)`` -> ``(n_channels, n_kept)``.
    """
    present = np.flatnonzero(~np.isnan(case).all(axis=0))
    return case[:, : present[-1] + 1] if present.size else case[:, :0]


def malformed(path: str | os.PathLike, line_no: int, reason: str) -> ValueError:
    """A ``ValueError`` naming the file, the 1-based line number and the reason."""
    return ValueError(f"{os.fspath(path)}, line {line_no}: {reason}")


def parse_floats(
    text: str, sep: str | None, path: str | os.PathLike, line_no: int, what: str
) -> np.ndarray:
    """Parse ``sep``-separated numbers; ``?``, ``NaN`` and empty fields become NaN.

    ``sep=None`` splits at every run of whitespace (no empty fields then).

    Shape:
        returns ``(n_values,)`` float64.

    Raises
    ------
    ValueError
        Naming the file, line, position and offending token when a field is not a number.
    """
    tokens = text.split(sep)
    try:
        return np.array(tokens, dtype=np.float64)
    except ValueError:
        pass
    values = np.empty(len(tokens), dtype=np.float64)
    for i, token in enumerate(tokens):
        token = token.strip()
        if token in _MISSING_TOKENS:
            values[i] = np.nan
            continue
        try:
            values[i] = float(token)
        except ValueError:
            raise malformed(
                path, line_no, f"{what}: value {i + 1} is {token!r}, expected a number or '?'"
            ) from None
    return values


def check_equalize(equalize: object) -> None:
    """Raise ``ValueError`` unless ``equalize`` is ``None``, ``"pad"`` or ``"truncate"``."""
    if equalize not in _EQUALIZE_CHOICES:
        raise ValueError(f"equalize must be None, 'pad' or 'truncate', got {equalize!r}")


def finalize_collection(
    series: list[np.ndarray], equalize: Equalize = None, pad_value: float = 0.0
) -> Collection:
    """Stack equal-shape series; keep unequal ones as a list unless asked to equalize.

    Parameters
    ----------
    series : list of np.ndarray
        Each ``(n_channels, n_timepoints_i)``; all with the same ``n_channels``.
    equalize : {None, "pad", "truncate"}, default=None
        ``None`` keeps unequal lengths as a list. ``"pad"`` appends ``pad_value`` to
        every series up to the longest length; ``"truncate"`` cuts every series to
        the shortest length (the convention of the archives' ``_eq`` files).
    pad_value : float, default=0.0
        Value appended by ``equalize="pad"`` (``np.nan`` marks padding explicitly).

    Shape:
        returns ``(n_cases, n_channels, n_timepoints)`` or a list of
        ``(n_channels, n_timepoints_i)``.
    """
    check_equalize(equalize)
    lengths = {s.shape[1] for s in series}
    if len(lengths) <= 1:
        if not series:
            return np.empty((0, 0, 0), dtype=np.float64)
        return np.stack(series)  # (n_cases, n_channels, n_timepoints)
    if equalize is None:
        return series
    if equalize == "truncate":
        length = min(lengths)
        return np.stack([s[:, :length] for s in series])
    length = max(lengths)
    out = np.full((len(series), series[0].shape[0], length), pad_value, dtype=np.float64)
    for i, s in enumerate(series):
        out[i, :, : s.shape[1]] = s
    return out


def equalize_lengths(
    collections: list[Collection], equalize: Equalize, pad_value: float = 0.0
) -> list[np.ndarray]:
    """Bring several collections (e.g. train and test) to one common length.

    Loading each split with ``equalize="pad"`` pads each to *its own* longest series;
    this pads (or truncates) all of them to the longest (shortest) series of any.

    Parameters
    ----------
    collections : list of collections
        Each a 3-D array or a list of ``(n_channels, n_timepoints_i)`` arrays, all with
        the same number of channels.
    equalize : {None, "pad", "truncate"}
        ``None`` returns the collections unchanged when they already share one
        shape, else raises.
    pad_value : float, default=0.0
        Fill value for ``"pad"``.

    Shape:
        returns one ``(n_cases_i, n_channels, n_timepoints)`` array per input.

    Raises
    ------
    ValueError
        For ``equalize=None`` with unequal lengths, or different channel counts.
    """
    check_equalize(equalize)
    series = [np.asarray(s) for X in collections for s in X]
    channels = sorted({s.shape[0] for s in series})
    if len(channels) > 1:
        raise ValueError(f"all series need the same number of channels, got {channels}")
    lengths = sorted({s.shape[1] for s in series})
    if equalize is None and len(lengths) > 1:
        raise ValueError(
            f"series have unequal lengths ({lengths[0]} to {lengths[-1]}); "
            "pass equalize='pad' or equalize='truncate'"
        )
    stacked = finalize_collection(series, equalize, pad_value)
    bounds = np.cumsum([0] + [len(X) for X in collections])
    return [stacked[a:b] for a, b in itertools.pairwise(bounds)]
