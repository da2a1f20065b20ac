"""Reader for the UCR/UEA WEKA ``.arff`` time-series files (univariate and relational multivariate).

Two layouts are supported, the two the archives use:

* **univariate** — ``n_timepoints`` numeric attributes, then the class attribute::

      @attribute att0 numeric ... @attribute target {1,2}
      @data
      -0.64,-0.64,...,2

* **multivariate** — one ``relational`` attribute whose numeric sub-attributes are the
  time points, then the class attribute; each case is a quoted value whose channels
  are separated by a literal ``\\n``::

      @attribute relationalAtt relational
        @attribute att0 numeric ...
      @end relationalAtt
      @attribute activity {Standing,Running}
      @data
      '0.07,0.07,...\\n0.37,0.37,...',Standing

The class is the last attribute. ``?`` marks a missing value. ``scipy.io.arff`` can read
relational attributes too, but reports neither line numbers nor returns arrays in this
layout, so a small parser lives here. The file is UTF-8 (a byte-order mark is allowed);
class labels and declared nominal values are normalised as by every loader (``1.0`` is the
class ``"1"``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

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
    normalize_label,
    parse_floats,
)
from anyconv.data._collection import (
    strip_trailing_missing as _strip,
)

__all__ = ["load_arff"]

_NUMERIC = {"numeric", "real", "integer"}


@dataclass
class _Header:
    n_numeric: int = 0  # top-level numeric attributes (univariate time points)
    n_relational: int = 0  # numeric sub-attributes of the relational attribute
    relational: bool = False
    class_values: tuple[str, ...] | None = None  # None: no nominal declaration
    has_class: bool = False
    numeric_class: bool = False  # univariate files whose class is the last numeric attribute


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _split_attribute(line: str, path: str, line_no: int) -> tuple[str, str]:
    """``@attribute name type`` -> (name, type) with a quoted name allowed."""
    rest = line[len("@attribute") :].strip()
    if rest[:1] in ("'", '"'):
        end = rest.find(rest[0], 1)
        if end < 0:
            raise malformed(path, line_no, "unterminated quoted attribute name")
        name, kind = rest[1:end], rest[end + 1 :].strip()
    else:
        parts = rest.split(None, 1)
        if len(parts) != 2:
            raise malformed(path, line_no, f"@attribute needs a name and a type, got {rest!r}")
        name, kind = parts
    if not kind:
        raise malformed(path, line_no, f"@attribute {name} has no type")
    return name, kind


def _read_header(lines, path: str) -> _Header:
    header = _Header()
    inside = None  # name of the open relational attribute
    for line_no, raw in lines:
        line = raw.strip()
        if not line or line[0] == "%":
            continue
        lower = line.lower()
        if lower.startswith("@data"):
            if inside is not None:
                raise malformed(path, line_no, f"@data before '@end {inside}'")
            if not header.has_class and not header.relational and header.n_numeric >= 2:
                header.has_class = header.numeric_class = True
            if not header.has_class:
                raise malformed(path, line_no, "no class attribute declared before @data")
            return header
        if lower.startswith("@relation"):
            continue
        if lower.startswith("@end"):
            if inside is None:
                raise malformed(path, line_no, "@end without an open relational attribute")
            inside = None
            continue
        if not lower.startswith("@attribute"):
            raise malformed(
                path, line_no, f"expected @relation, @attribute, @end or @data, got {line[:40]!r}"
            )
        name, kind = _split_attribute(line, path, line_no)
        kind_lower = kind.lower()
        if inside is not None:
            if kind_lower not in _NUMERIC:
                raise malformed(path, line_no, f"time-point attribute {name!r} must be numeric, got {kind!r}")
            header.n_relational += 1
            continue
        if header.has_class:
            raise malformed(
                path, line_no, "the class attribute must be the last one; found another attribute after it"
            )
        if kind_lower == "relational":
            if header.relational or header.n_numeric:
                raise malformed(
                    path, line_no, "expected one relational attribute and no numeric ones beside it"
                )
            header.relational, inside = True, name
        elif kind_lower in _NUMERIC and not header.relational:
            header.n_numeric += 1
        elif kind.startswith("{"):
            if not kind.endswith("}"):
                raise malformed(path, line_no, f"nominal values must end with '}}', got {kind!r}")
            header.class_values = tuple(normalize_label(_unquote(v)) for v in kind[1:-1].split(","))
            header.has_class = True
        elif kind_lower in _NUMERIC or kind_lower == "string":
            header.has_class = True  # numeric or string class after a relational attribute
        else:
            raise malformed(path, line_no, f"unsupported attribute type {kind!r}")
    raise ValueError(f"{path}: no @data line found")


def _univariate_case(line: str, header: _Header, path: str, line_no: int):
    values, _, label = line.rpartition(",")
    case = parse_floats(values, ",", path, line_no, "time points")
    expected = header.n_numeric - header.numeric_class  # n_numeric counts a numeric class
    if case.shape[0] != expected:
        raise malformed(path, line_no, f"expected {expected} values and a class, got {case.shape[0]} values")
    return case[None, :], normalize_label(_unquote(label))  # (1, n_timepoints)


def _relational_case(line: str, header: _Header, path: str, line_no: int):
    quote = line[0]
    if quote not in "'\"":
        raise malformed(path, line_no, "expected a quoted relational value ('v,v\\nv,v',class)")
    end = line.rfind(quote + ",")
    if end <= 0:
        raise malformed(path, line_no, f"expected the closing {quote} followed by ',class'")
    label = normalize_label(_unquote(line[end + 2 :]))
    channels = [
        parse_floats(text, ",", path, line_no, f"channel {c}")
        for c, text in enumerate(line[1:end].split("\\n"))
    ]
    lengths = [len(c) for c in channels]
    if any(n != header.n_relational for n in lengths):
        raise malformed(
            path,
            line_no,
            f"each channel needs {header.n_relational} values (one per sub-attribute), got {lengths}",
        )
    return np.stack(channels), label  # (n_channels, n_timepoints)


def load_arff(
    path: str | os.PathLike,
    *,
    equalize: Equalize = None,
    pad_value: float = 0.0,
    strip_trailing_missing: bool = False,
) -> tuple[Collection, np.ndarray]:
    """Load a UCR/UEA ``.arff`` file into ``(X, y)``.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.arff`` file.
    equalize : {None, "pad", "truncate"}, default=None
        For unequal-length series (only possible with ``strip_trailing_missing``):
        ``None`` returns a list of 2-D arrays, ``"pad"`` pads with ``pad_value``,
        ``"truncate"`` cuts to the shortest.
    pad_value : float, default=0.0
        Fill value for ``equalize="pad"``.
    strip_trailing_missing : bool, default=False
        The archives store unequal-length series padded with trailing ``?``; ``True``
        removes the time points missing in every channel at the end of each case.

    Returns
    -------
    X : np.ndarray or list of np.ndarray
        float64 values, ``?`` as ``np.nan``.
    y : np.ndarray
        Class labels as strings (quotes removed; integral numbers in their integer
        spelling: ``"1.0"`` -> ``"1"``).

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or list of ``(n_channels, n_timepoints_i)``;
        y: ``(n_cases,)``.

    Raises
    ------
    ValueError
        For a malformed or unsupported file, naming the file, line number and reason.
    """
    check_equalize(equalize)
    path = os.fspath(path)
    series, labels, n_channels = [], [], None
    with open(path, encoding=ENCODING) as handle:
        lines = enumerate(handle, start=1)
        header = _read_header(lines, path)
        parse = _relational_case if header.relational else _univariate_case
        for line_no, raw in lines:
            line = raw.strip()
            if not line or line[0] == "%":
                continue
            if line[0] == "{":
                raise malformed(path, line_no, "sparse ARFF rows ({index value, ...}) are not supported")
            case, label = parse(line, header, path, line_no)
            if n_channels is None:
                n_channels = case.shape[0]
            elif case.shape[0] != n_channels:
                raise malformed(
                    path, line_no, f"expected {n_channels} channel(s) as in the first case, got {case.shape[0]}"
                )
            if header.class_values is not None and label not in header.class_values:
                declared = list(header.class_values)
                raise malformed(path, line_no, f"class {label!r} is not one of the declared {declared}")
            series.append(_strip(case) if strip_trailing_missing else case)
            labels.append(label)
    if not series:
        raise no_cases(path, "nothing after @data")
    return finalize_collection(series, equalize, pad_value), labels_array(labels)
