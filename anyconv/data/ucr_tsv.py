"""Reader for the UCR archive's ``.tsv`` files: one case per line, the class label first.

The 2018 UCR archive stores univariate series as tab-separated rows
``label<TAB>v1<TAB>v2...``; older releases used commas. Variable-length datasets are
padded with trailing ``NaN``, which ``strip_trailing_missing=True`` removes.
"""

from __future__ import annotations

import os

import numpy as np

from anyconv.data._collection import (
    Collection,
    Equalize,
    check_equalize,
    finalize_collection,
    malformed,
    parse_floats,
)

__all__ = ["load_ucr_tsv"]


def load_ucr_tsv(
    path: str | os.PathLike,
    *,
    delimiter: str | None = None,
    equalize: Equalize = None,
    pad_value: float = 0.0,
    strip_trailing_missing: bool = False,
) -> tuple[Collection, np.ndarray]:
    """Load a UCR ``.tsv`` file (label in the first column) into ``(X, y)``.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    delimiter : str or None, default=None
        Field separator; ``None`` uses a tab when the first row has one, else a comma.
    equalize : {None, "pad", "truncate"}, default=None
        For unequal lengths (only after ``strip_trailing_missing``): ``None`` returns a
        list of 2-D arrays, ``"pad"`` pads with ``pad_value``, ``"truncate"`` cuts.
    pad_value : float, default=0.0
        Fill value for ``equalize="pad"``.
    strip_trailing_missing : bool, default=False
        Remove trailing ``NaN`` padding from every row.

    Returns
    -------
    X : np.ndarray or list of np.ndarray
        float64 values, ``NaN``/``?``/empty fields as ``np.nan``.
    y : np.ndarray
        Labels as strings, exactly as written (``"1"``, ``"-1"``, ...).

    Shape:
        X: ``(n_cases, 1, n_timepoints)`` or list of ``(1, n_timepoints_i)``; y: ``(n_cases,)``.

    Raises
    ------
    ValueError
        For rows with a different number of fields, non-numeric values, empty labels or
        an empty file, naming the file, line number and reason.
    """
    check_equalize(equalize)
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ValueError(f"delimiter must be a single character or None, got {delimiter!r}")
    path = os.fspath(path)
    series, labels, n_fields = [], [], None
    with open(path, encoding="utf-8") as handle:
        for line_no, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            if delimiter is None:
                delimiter = "\t" if "\t" in line else ","
            label, sep, values = line.partition(delimiter)
            label = label.strip()
            if not sep or not values.strip():
                raise malformed(path, line_no, f"expected a label and values separated by {delimiter!r}")
            if not label:
                raise malformed(path, line_no, "the label (first field) is empty")
            case = parse_floats(values, delimiter, path, line_no, "time points")
            if n_fields is None:
                n_fields = case.shape[0]
            elif case.shape[0] != n_fields:
                raise malformed(
                    path, line_no, f"expected {n_fields} values as in the first row, got {case.shape[0]}"
                )
            if strip_trailing_missing:
                present = np.flatnonzero(~np.isnan(case))
                case = case[: present[-1] + 1] if present.size else case[:0]
            series.append(case[None, :])  # (1, n_timepoints)
            labels.append(label)
    if not series:
        raise ValueError(f"{path}: no data rows found")
    return finalize_collection(series, equalize, pad_value), np.array(labels, dtype=str)
