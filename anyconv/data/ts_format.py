"""Reader for the sktime/aeon ``.ts`` time-series format (univariate, multivariate, unequal length).

Layout of a file::

    # comment (lines starting with '#' or '%')
    @problemName GunPoint
    @timeStamps false
    @missing false
    @univariate true          (or false with @dimensions 6)
    @equalLength true
    @seriesLength 150
    @classLabel true 1 2      (or @classLabel false; @targetLabel true for regression)
    @data
    v,v,v,...:v,v,v,...:label     one case per line, channels separated by ':'

With ``@timeStamps true`` each channel is ``(t,v),(t,v),...``; the time stamps are
read and dropped (values are kept in file order). ``?`` and ``NaN`` mark missing values.
The file is UTF-8 (a byte-order mark is allowed). Class labels, and the values declared
in ``@classLabel``, are normalised as by every loader: ``1.0`` is the class ``"1"``.
"""

from __future__ import annotations

import os
import re
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

__all__ = ["TsHeader", "read_ts_header", "load_ts"]

_BOOLEAN_TAGS = {
    "timestamps": "timestamps",
    "missing": "missing",
    "univariate": "univariate",
    "equallength": "equal_length",
    "targetlabel": "target_label",
}
_TUPLE = re.compile(r"\(([^()]*)\)")


@dataclass(frozen=True)
class TsHeader:
    """Metadata declared in the header of a ``.ts`` file (``None`` where not declared)."""

    problem_name: str | None = None
    timestamps: bool = False
    missing: bool | None = None
    univariate: bool | None = None
    dimensions: int | None = None
    equal_length: bool | None = None
    series_length: int | None = None
    class_label: bool = False
    class_values: tuple[str, ...] = ()
    target_label: bool = False
    data_line: int = 0  # 1-based line number of @data


def _parse_bool(tokens: list[str], path: str, line_no: int) -> bool:
    if len(tokens) != 2 or tokens[1].lower() not in ("true", "false"):
        got = " ".join(tokens[1:]) or "nothing"
        raise malformed(path, line_no, f"{tokens[0]} expects 'true' or 'false', got {got!r}")
    return tokens[1].lower() == "true"


def _parse_int(tokens: list[str], path: str, line_no: int) -> int:
    if len(tokens) != 2 or not tokens[1].isdigit() or int(tokens[1]) < 1:
        got = " ".join(tokens[1:]) or "nothing"
        raise malformed(path, line_no, f"{tokens[0]} expects a positive integer, got {got!r}")
    return int(tokens[1])


def _read_header(lines, path: str) -> TsHeader:
    """Consume lines up to and including ``@data``; ``lines`` yields ``(line_no, text)``."""
    fields: dict[str, object] = {}
    for line_no, raw in lines:
        line = raw.strip()
        if not line or line[0] in "#%":
            continue
        if line[0] != "@":
            raise malformed(
                path, line_no, f"expected a header tag (@...) or a comment before @data, got {line[:40]!r}"
            )
        tokens = line.split()
        tag = tokens[0][1:].lower()
        if tag == "data":
            if len(tokens) != 1:
                raise malformed(path, line_no, "@data takes no value")
            return TsHeader(data_line=line_no, **fields)
        if tag in _BOOLEAN_TAGS:
            fields[_BOOLEAN_TAGS[tag]] = _parse_bool(tokens, path, line_no)
        elif tag == "problemname":
            fields["problem_name"] = " ".join(tokens[1:])
        elif tag == "dimensions":
            fields["dimensions"] = _parse_int(tokens, path, line_no)
        elif tag == "serieslength":
            fields["series_length"] = _parse_int(tokens, path, line_no)
        elif tag == "classlabel":
            flag = _parse_bool(tokens[:2], path, line_no)
            if flag and len(tokens) < 3:
                raise malformed(path, line_no, "@classLabel true must list the class values")
            fields["class_label"] = flag
            fields["class_values"] = tuple(normalize_label(v) for v in tokens[2:])
        # other tags (e.g. @targetLabel variants of other tools) are ignored
    raise ValueError(f"{path}: no @data line found (the header must end with @data)")


def _split_timestamped(line: str) -> list[str]:
    """Split ``(t,v),(t,v):(t,v):label`` at the ':' outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(line):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == ":" and depth == 0:
            parts.append(line[start:i])
            start = i + 1
    parts.append(line[start:])
    return parts


def _timestamped_values(text: str, path: str, line_no: int, channel: int) -> np.ndarray:
    pairs = _TUPLE.findall(text)
    if not pairs:
        raise malformed(path, line_no, f"channel {channel}: expected (timestamp,value) pairs")
    values = ",".join(p.rsplit(",", 1)[-1] for p in pairs)
    return parse_floats(values, ",", path, line_no, f"channel {channel}")


def _parse_case(line: str, header: TsHeader, path: str, line_no: int):
    fields = _split_timestamped(line) if header.timestamps else line.split(":")
    has_target = header.class_label or header.target_label
    label = None
    if has_target:
        if len(fields) < 2:
            raise malformed(path, line_no, "expected channels followed by ':label', found no ':'")
        label = normalize_label(fields.pop())
        if not label:
            raise malformed(path, line_no, "the label after the last ':' is empty")
    channels = []
    for c, text in enumerate(fields):
        if header.timestamps:
            channels.append(_timestamped_values(text, path, line_no, c))
        else:
            channels.append(parse_floats(text, ",", path, line_no, f"channel {c}"))
    lengths = {len(ch) for ch in channels}
    if len(lengths) > 1 and not has_target and len(channels[-1]) == 1 < len(channels[0]):
        raise malformed(
            path,
            line_no,
            f"the last field {fields[-1].strip()!r} looks like a class label, but the header declares "
            "no labels; add '@classLabel true <class values>' before @data "
            "(for regression targets '@targetLabel true'), or remove the labels",
        )
    if len(lengths) > 1:
        raise malformed(
            path,
            line_no,
            f"channels of one case must have the same length, got lengths {[len(c) for c in channels]}",
        )
    return np.stack(channels), label  # (n_channels, n_timepoints)


def _check_case(case: np.ndarray, label, header: TsHeader, first, path: str, line_no: int):
    n_channels, length = case.shape
    expected_channels = header.dimensions or (1 if header.univariate else None) or first[0]
    if expected_channels is not None and n_channels != expected_channels:
        raise malformed(path, line_no, f"expected {expected_channels} channel(s), got {n_channels}")
    if header.equal_length:
        expected_length = header.series_length or first[1]
        if expected_length is not None and length != expected_length:
            raise malformed(
                path, line_no, f"@equalLength true expects series of length {expected_length}, got {length}"
            )
    if header.class_label and header.class_values and label not in header.class_values:
        raise malformed(
            path, line_no, f"class label {label!r} is not declared in @classLabel {list(header.class_values)}"
        )


def _parse(path: str | os.PathLike, strip_trailing_missing: bool = False):
    path = os.fspath(path)
    with open(path, encoding=ENCODING) as handle:
        lines = enumerate(handle, start=1)
        header = _read_header(lines, path)
        series, labels, first = [], [], (None, None)
        for line_no, raw in lines:
            line = raw.strip()
            if not line or line[0] in "#%":
                continue
            case, label = _parse_case(line, header, path, line_no)
            _check_case(case, label, header, first, path, line_no)
            if first[0] is None:
                first = case.shape
            series.append(_strip(case) if strip_trailing_missing else case)
            labels.append(label)
    if not series:
        raise no_cases(path, f"nothing after @data on line {header.data_line}")
    return header, series, labels


def _labels_array(header: TsHeader, labels: list, path: str) -> np.ndarray | None:
    if header.target_label:
        try:
            return np.array(labels, dtype=np.float64)
        except ValueError:
            raise ValueError(f"{path}: @targetLabel true expects numeric targets") from None
    if header.class_label:
        return labels_array(labels)
    return None


def read_ts_header(path: str | os.PathLike) -> TsHeader:
    """Read only the header of a ``.ts`` file.

    Raises
    ------
    ValueError
        Naming the file, line number and reason for a malformed header.
    """
    path = os.fspath(path)
    with open(path, encoding=ENCODING) as handle:
        return _read_header(enumerate(handle, start=1), path)


def load_ts(
    path: str | os.PathLike,
    *,
    equalize: Equalize = None,
    pad_value: float = 0.0,
    strip_trailing_missing: bool = False,
) -> tuple[Collection, np.ndarray | None]:
    """Load a ``.ts`` file into ``(X, y)``.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.ts`` file.
    equalize : {None, "pad", "truncate"}, default=None
        What to do with unequal-length series: ``None`` returns them as a list of 2-D
        arrays (never padded silently); ``"pad"`` appends ``pad_value`` up to the
        longest length; ``"truncate"`` cuts to the shortest length.
    pad_value : float, default=0.0
        Fill value for ``equalize="pad"``.
    strip_trailing_missing : bool, default=False
        Remove the time points at the end of each case that are missing in every
        channel (padding written by tools that store unequal lengths as equal ones).

    Returns
    -------
    X : np.ndarray or list of np.ndarray
        float64 values; ``?``/``NaN`` become ``np.nan``.
    y : np.ndarray or None
        Class labels as strings (case kept as in the file, integral numbers in their
        integer spelling: ``"1.0"`` -> ``"1"``), float targets for
        ``@targetLabel true`` files, ``None`` when the file has no labels.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or list of ``(n_channels, n_timepoints_i)``;
        y: ``(n_cases,)``.

    Raises
    ------
    ValueError
        For a malformed file, naming the file, the line number and the reason.
    """
    check_equalize(equalize)
    header, series, labels = _parse(path, strip_trailing_missing)
    X = finalize_collection(series, equalize, pad_value)
    return X, _labels_array(header, labels, os.fspath(path))
