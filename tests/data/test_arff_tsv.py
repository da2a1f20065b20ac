"""The .arff (univariate and relational) and UCR .tsv readers on small files written here."""

from __future__ import annotations

import numpy as np
import pytest

from anyconv.data import load_arff, load_timeseries_file, load_ucr_tsv

ARFF_UNI = """% comment
@relation tiny

@attribute att0 numeric
@attribute att1 numeric
@attribute att2 numeric
@attribute target {1,2}

@data
0.5,1,?,1
2,3,4,2
"""

ARFF_MULTI = """@relation 'multi'
@attribute relationalAtt relational
  @attribute t0 numeric
  @attribute t1 numeric
  @attribute t2 numeric
@end relationalAtt
@attribute activity {Standing,'Running'}
@data
'1,2,3\\n4,5,6',Standing
"7,8,9\\n10,11,?",'Running'
'1,2,?\\n3,4,?',Standing
"""

TSV = "1\t0.5\t1.5\t2.5\n-1\t3\t4\tNaN\n"


def _write(tmp_path, text, name):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_arff_univariate(tmp_path):
    X, y = load_arff(_write(tmp_path, ARFF_UNI, "u.arff"))
    assert X.shape == (2, 1, 3) and np.isnan(X[0, 0, 2])
    np.testing.assert_array_equal(X[1, 0], [2, 3, 4])
    assert list(y) == ["1", "2"]


def test_arff_univariate_numeric_class(tmp_path):
    text = ARFF_UNI.replace("@attribute target {1,2}", "@attribute target numeric")
    X, y = load_arff(_write(tmp_path, text, "n.arff"))
    assert X.shape == (2, 1, 3) and list(y) == ["1", "2"]


def test_arff_relational_multivariate(tmp_path):
    X, y = load_arff(_write(tmp_path, ARFF_MULTI, "m.arff"))
    assert X.shape == (3, 2, 3)
    np.testing.assert_array_equal(X[0], [[1, 2, 3], [4, 5, 6]])
    assert np.isnan(X[1, 1, 2]) and list(y) == ["Standing", "Running", "Standing"]


def test_arff_strip_trailing_missing_gives_unequal_list(tmp_path):
    X, _ = load_arff(_write(tmp_path, ARFF_MULTI, "m.arff"), strip_trailing_missing=True)
    assert isinstance(X, list) and [s.shape for s in X] == [(2, 3), (2, 3), (2, 2)]
    padded, _ = load_arff(
        _write(tmp_path, ARFF_MULTI, "m.arff"), strip_trailing_missing=True, equalize="pad"
    )
    assert padded.shape == (3, 2, 3) and padded[2, 0, 2] == 0.0


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (ARFF_UNI.replace("2,3,4,2", "2,3,2"), 11, "expected 3 values"),
        (ARFF_UNI.replace("2,3,4,2", "2,3,x,2"), 11, "value 3 is 'x'"),
        (ARFF_UNI.replace("2,3,4,2", "2,3,4,7"), 11, "class '7' is not one of"),
        (ARFF_UNI.replace("2,3,4,2", "{0 2, 3 1}"), 11, "sparse ARFF"),
        (ARFF_UNI.replace("@attribute att1 numeric", "@attribute att1 date"), 5, "unsupported attribute type"),
        (ARFF_UNI.replace("@relation tiny", "relation tiny"), 2, "expected @relation"),
        (ARFF_MULTI.replace("'1,2,3\\n4,5,6',Standing", "'1,2,3\\n4,5',Standing"), 9, "needs 3 values"),
        (ARFF_MULTI.replace("'1,2,3\\n4,5,6',Standing", "1,2,3,Standing"), 9, "expected a quoted"),
        (ARFF_MULTI.replace('"7,8,9\\n10,11,?"', '"7,8,9"'), 10, "expected 2 channel"),
        (ARFF_MULTI.replace("@end relationalAtt\n", ""), 6, "must be numeric"),
    ],
)
def test_arff_malformed_names_file_line_and_reason(tmp_path, text, line, reason):
    path = _write(tmp_path, text, "bad.arff")
    with pytest.raises(ValueError) as info:
        load_arff(path)
    message = str(info.value)
    assert str(path) in message and f"line {line}:" in message and reason in message


def test_tsv_label_first_and_trailing_nan(tmp_path):
    path = _write(tmp_path, TSV, "d.tsv")
    X, y = load_ucr_tsv(path)
    assert X.shape == (2, 1, 3) and list(y) == ["1", "-1"] and np.isnan(X[1, 0, 2])
    X, _ = load_ucr_tsv(path, strip_trailing_missing=True)
    assert isinstance(X, list) and [s.shape for s in X] == [(1, 3), (1, 2)]


def test_tsv_comma_delimited(tmp_path):
    X, y = load_ucr_tsv(_write(tmp_path, "a,1,2\nb,3,4\n", "d.txt"))
    np.testing.assert_array_equal(X[:, 0], [[1, 2], [3, 4]])
    assert list(y) == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("1\t1\t2\n\n2\t3\n", 3, "expected 2 values"),
        ("1\t1\t2\n2\t3\tabc\n", 2, "value 2 is 'abc'"),
        ("1\t1\t2\n\t3\t4\n", 2, "label (first field) is empty"),
        ("1\t1\t2\n2\n", 2, "expected a label and values"),
    ],
)
def test_tsv_malformed_names_file_line_and_reason(tmp_path, text, line, reason):
    path = _write(tmp_path, text, "bad.tsv")
    with pytest.raises(ValueError) as info:
        load_ucr_tsv(path)
    message = str(info.value)
    assert str(path) in message and f"line {line}:" in message and reason in message


def test_dispatch_by_extension(tmp_path):
    X, _ = load_timeseries_file(_write(tmp_path, ARFF_UNI, "u.arff"))
    assert X.shape == (2, 1, 3)
    with pytest.raises(ValueError, match="extension"):
        load_timeseries_file(_write(tmp_path, TSV, "d.csv"))
    with pytest.raises(FileNotFoundError):
        load_timeseries_file(tmp_path / "missing.ts")
