"""Load a time-series file by its extension (``.ts``, ``.arff``, ``.tsv``/``.txt``).

Every reader accepts UTF-8 with or without a byte-order mark and spells integral
numeric labels as integers (``1.0``, ``1.0000000e+00`` -> ``"1"``), so a train file from
one tool and a test file from another name the same classes the same way.
"""

from __future__ import annotations

import os

import numpy as np

from anyconv.data._collection import Collection, Equalize
from anyconv.data.arff import load_arff
from anyconv.data.ts_format import load_ts
from anyconv.data.ucr_tsv import load_ucr_tsv

__all__ = ["load_timeseries_file", "SUPPORTED_EXTENSIONS"]

SUPPORTED_EXTENSIONS = (".ts", ".arff", ".tsv", ".txt")


def load_timeseries_file(
    path: str | os.PathLike,
    *,
    equalize: Equalize = None,
    pad_value: float = 0.0,
    strip_trailing_missing: bool = False,
) -> tuple[Collection, np.ndarray]:
    """Load a labelled time-series file, choosing the reader from the extension.

    Parameters
    ----------
    path : str or os.PathLike
        ``.ts`` (sktime/aeon), ``.arff`` (UCR/UEA WEKA) or ``.tsv``/``.txt`` (UCR, label
        first: the 2018 tab-separated layout, comma-separated, or the pre-2018
        whitespace-separated ``.txt`` layout with float labels).
    equalize : {None, "pad", "truncate"}, default=None
        See :func:`anyconv.data.load_ts`.
    pad_value : float, default=0.0
        Fill value for ``equalize="pad"``.
    strip_trailing_missing : bool, default=False
        Remove each case's trailing missing values first: the UCR 2018 archive stores
        its variable-length datasets padded with ``NaN`` (``.tsv``) or ``?`` (``.arff``).

    Returns
    -------
    X : np.ndarray or list of np.ndarray
    y : np.ndarray
        Class labels as strings (integral numbers in their integer spelling).

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or list of ``(n_channels, n_timepoints_i)``;
        y: ``(n_cases,)``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For an unsupported extension, a malformed file (file, line, reason), a file
        without cases or a file without class labels.
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise ValueError(
            f"cannot tell the format of {path!r} from its extension {ext or '(none)'!r}; "
            f"expected one of {list(SUPPORTED_EXTENSIONS)}"
        )
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such file: {path!r}")
    options = {"equalize": equalize, "pad_value": pad_value, "strip_trailing_missing": strip_trailing_missing}
    if ext == ".ts":
        X, y = load_ts(path, **options)
        if y is None or y.dtype.kind != "U":
            raise ValueError(
                f"{path}: expected a classification file (@classLabel true), found no class labels"
            )
        return X, y
    if ext == ".arff":
        return load_arff(path, **options)
    return load_ucr_tsv(path, **options)
