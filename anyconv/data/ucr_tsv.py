"""Reader for the UCR archive's ``.tsv``/``.txt`` files: one case per line, the class label first.

Three layouts are read, the ones the archive has used:

* **2018** (``.tsv``): ``label<TAB>v1<TAB>v2...``; variable-length datasets are padded
  with trailing ``NaN``, which ``strip_trailing_missing=True`` removes;
* **comma-separated**: ``label,v1,v2,...``;
* **pre-2018** (``.txt``): fixed-width fields separated by runs of spaces, with leading
  spaces and labels written as floats (``  1.0000000e+00 -6.4788861e-01 ...``).

One delimiter at the very end of a line (a trailing tab or comma) is not a value.
Labels are normalised as by every loader: ``1.0000000e+00`` is the class ``"1"``
(see :func:`anyconv.data._collection.normalize_label`).
"""

from __future__ import annotations

import os

import numpy as np

from anyconv.data._collection import (
    ENCODING,
    Collection,
    Equalize,
    check_equalize,
    finalize_collection,
    labels_array,
    malformed,
    no_cases,
    parse_floats,
)
from anyconv.data._collection import (
    strip_trailing_missing as _strip,
)

__all__ = ["load_ucr_tsv"]

_WHITESPACE = " "  # the delimiter value meaning "any run of whitespace"


def _sniff(line: str) -> str:
    """Tab if the row has one, else comma if it has one, else runs of whitespace."""
    if "\t" in line:
        return "\t"
    return "," if "," in line else _WHITESPACE


def _split_row(line: str, delimiter: str, path: str, line_no: int) -> tuple[str, np.ndarray]:
    """``(label, values)`` of one non-blank row."""
    if delimiter == _WHITESPACE:
        parts = line.split(None, 1)
        label, values = parts[0], (parts[1] if len(parts) > 1 else "")
        sep = None
        if not values:
            raise malformed(path, line_no, "expected a label and values separated by whitespace")
    else:
        # a trailing delimiter (and spaces after it) closes the row; it adds no value
        line = line.rstrip(" ").removesuffix(delimiter)
        label, found, values = line.partition(delimiter)
        sep = delimiter
        if not found or not values.strip():
            raise malformed(path, line_no, f"expected a label and values separated by {delimiter!r}")
    label = label.strip()
    if not label:
        raise malformed(path, line_no, "the label (first field) is empty")
    return label, parse_floats(values, sep, path, line_no, "time points")


def load_ucr_tsv(
    path: str | os.PathLike,
    *,
    delimiter: str | None = None,
    equalize: Equalize = None,
    pad_value: float = 0.0,
    strip_trailing_missing: bool = False,
) -> tuple[Collection, np.ndarray]:
    """Load a UCR ``.tsv``/``.txt`` file (label in the first column) into ``(X, y)``.

    Parameters
    ----------
    path : str or os.PathLike
        The file (UTF-8, a byte-order mark is allowed).
    delimiter : str or None, default=None
        Field separator. ``None`` looks at the first row: a tab if it has one, else a
        comma if it has one, else any run of whitespace. ``" "`` means any run of
        whitespace (the pre-2018 ``.txt`` layout); ``"\t"`` or ``","`` split at every
        single character (an empty field is a missing value).
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
        Labels as strings; integral numbers in their integer spelling (``"1.0"`` ->
        ``"1"``, ``"-1"`` stays), everything else as written.

    Shape:
        X: ``(n_cases, 1, n_timepoints)`` or list of ``(1, n_timepoints_i)``; y: ``(n_cases,)``.

    Raises
    ------
    ValueError
        For rows with a different number of fields, non-numeric values, empty labels or
        a file without cases, naming the file, line number and reason.
    """
    check_equalize(equalize)
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ValueError(f"delimiter must be a single character or None, got {delimiter!r}")
    path = os.fspath(path)
    series, labels, n_fields = [], [], None
    with open(path, encoding=ENCODING) as handle:
        for line_no, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            if delimiter is None:
                delimiter = _sniff(line)
            label, case = _split_row(line, delimiter, path, line_no)
            if n_fields is None:
                n_fields = case.shape[0]
            elif case.shape[0] != n_fields:
                raise malformed(
                    path, line_no, f"expected {n_fields} values as in the first row, got {case.shape[0]}"
                )
            case = case[None, :]  # (1, n_timepoints)
            series.append(_strip(case) if strip_trailing_missing else case)
            labels.append(label)
    if not series:
        raise no_cases(path, "no data rows")
    return finalize_collection(series, equalize, pad_value), labels_array(labels)
