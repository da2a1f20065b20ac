"""The .ts reader on small files written here: layouts, options and malformed input."""

from __future__ import annotations

import numpy as np
import pytest

from anyconv.data import load_ts, read_ts_header

UNIVARIATE = """# a comment
% another comment
@problemName Tiny
@timeStamps false
@missing true
@univariate true
@equalLength true
@seriesLength 4
@classLabel true a b
@data
1,2,3,4:a
5,?,7,NaN:b

0.5,0.25,0,-1:a
"""

MULTIVARIATE_UNEQUAL = """@problemName Multi
@univariate false
@dimensions 2
@equalLength false
@classLabel true Up Down
@data
1,2,3:4,5,6:Up
7,8:9,10:Down
"""

TIMESTAMPED = """@problemName Stamps
@timeStamps true
@univariate true
@equalLength true
@seriesLength 3
@classLabel true 1 2
@data
(2007-01-01 00:00:00,1.5),(2007-01-01 00:01:00,2.5),(2007-01-01 00:02:00,3.5):1
(0,4),(1,5),(2,6):2
"""

REGRESSION = """@problemName Reg
@univariate true
@equalLength true
@targetLabel true
@classLabel false
@data
1,2:0.5
3,4:-1.25
"""


def _write(tmp_path, text, name="f.ts"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_univariate_values_missing_and_labels(tmp_path):
    X, y = load_ts(_write(tmp_path, UNIVARIATE))
    assert X.shape == (3, 1, 4) and X.dtype == np.float64
    np.testing.assert_array_equal(X[0, 0], [1, 2, 3, 4])
    assert np.isnan(X[1, 0, 1]) and np.isnan(X[1, 0, 3])
    assert list(y) == ["a", "b", "a"]


def test_header_fields(tmp_path):
    header = read_ts_header(_write(tmp_path, UNIVARIATE))
    assert header.problem_name == "Tiny" and header.series_length == 4
    assert header.class_label and header.class_values == ("a", "b")
    assert header.equal_length and header.univariate and header.data_line == 10


def test_multivariate_unequal_is_a_list_never_padded(tmp_path):
    X, y = load_ts(_write(tmp_path, MULTIVARIATE_UNEQUAL))
    assert isinstance(X, list) and [s.shape for s in X] == [(2, 3), (2, 2)]
    np.testing.assert_array_equal(X[1], [[7, 8], [9, 10]])
    assert list(y) == ["Up", "Down"]


def test_equalize_pad_and_truncate(tmp_path):
    path = _write(tmp_path, MULTIVARIATE_UNEQUAL)
    padded, _ = load_ts(path, equalize="pad", pad_value=np.nan)
    assert padded.shape == (2, 2, 3) and np.isnan(padded[1, :, 2]).all()
    truncated, _ = load_ts(path, equalize="truncate")
    np.testing.assert_array_equal(truncated[0], [[1, 2], [4, 5]])
    with pytest.raises(ValueError, match="equalize must be"):
        load_ts(path, equalize="zero")


def test_timestamps_are_dropped_values_kept(tmp_path):
    X, y = load_ts(_write(tmp_path, TIMESTAMPED))
    np.testing.assert_array_equal(X[:, 0], [[1.5, 2.5, 3.5], [4, 5, 6]])
    assert list(y) == ["1", "2"]


def test_regression_targets_are_floats(tmp_path):
    _, y = load_ts(_write(tmp_path, REGRESSION))
    assert y.dtype == np.float64 and list(y) == [0.5, -1.25]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (UNIVARIATE.replace("5,?,7,NaN:b", "5,x,7,8:b"), 12, "value 2 is 'x'"),
        (UNIVARIATE.replace("5,?,7,NaN:b", "5,6,7:b"), 12, "length 4, got 3"),
        (UNIVARIATE.replace("5,?,7,NaN:b", "5,6,7,8:c"), 12, "'c' is not declared"),
        (UNIVARIATE.replace("5,?,7,NaN:b", "5,6,7,8"), 12, "found no ':'"),
        (UNIVARIATE.replace("@missing true", "@missing maybe"), 5, "expects 'true' or 'false'"),
        (UNIVARIATE.replace("@seriesLength 4", "@seriesLength four"), 8, "positive integer"),
        (UNIVARIATE.replace("@classLabel true a b", "@classLabel true"), 9, "must list the class values"),
        (UNIVARIATE.replace("@problemName Tiny", "problemName Tiny"), 3, "expected a header tag"),
        (MULTIVARIATE_UNEQUAL.replace("7,8:9,10:Down", "7,8:Down"), 8, "expected 2 channel"),
        (MULTIVARIATE_UNEQUAL.replace("7,8:9,10:Down", "7,8:9:Down"), 8, "same length"),
        (UNIVARIATE.replace("1,2,3,4:a", "1,2,3,4:"), 11, "label after the last ':' is empty"),
    ],
)
def test_malformed_files_name_file_line_and_reason(tmp_path, text, line, reason):
    path = _write(tmp_path, text, "bad.ts")
    with pytest.raises(ValueError) as info:
        load_ts(path)
    message = str(info.value)
    assert str(path) in message and f"line {line}:" in message and reason in message


def test_missing_data_section_and_empty_data(tmp_path):
    with pytest.raises(ValueError, match="no @data line"):
        load_ts(_write(tmp_path, "@problemName X\n@classLabel true 1\n"))
    with pytest.raises(ValueError, match="the file has no cases"):
        load_ts(_write(tmp_path, "@classLabel true 1\n@data\n\n"))
