"""Files as other tools write them: byte-order marks, the old UCR ``.txt`` layout, the UCR 2018
variable-length ``.tsv`` layout, trailing delimiters, numeric label spellings, missing labels."""

from __future__ import annotations

import numpy as np
import pytest

from anyconv.data import load_arff, load_timeseries_file, load_ts, load_ucr_tsv

aeon_datasets = pytest.importorskip("aeon.datasets")


def _gunpoint(n=12):
    X, y = aeon_datasets.load_classification("GunPoint", split="train")
    return X[:n, 0], y[:n].astype(str)  # (n, 150), (n,)


def _tsv(series, labels, end=""):
    return "".join("\t".join([lab, *(repr(float(v)) for v in s)]) + end + "\n" for s, lab in zip(series, labels))


def _ts(series, labels):
    header = f"@problemName G\n@univariate true\n@classLabel true {' '.join(sorted(set(labels)))}\n@data\n"
    return header + "".join(",".join(repr(float(v)) for v in s) + f":{lab}\n" for s, lab in zip(series, labels))


def _arff(series, labels):
    atts = "".join(f"@attribute t{i} numeric\n" for i in range(series.shape[1]))
    header = f"@relation G\n{atts}@attribute target {{{','.join(sorted(set(labels)))}}}\n@data\n"
    return header + "".join(",".join([*(repr(float(v)) for v in s), lab]) + "\n" for s, lab in zip(series, labels))


def _old_ucr_txt(series, labels):
    """The pre-2018 UCR layout: fixed-width ``%16.7e`` fields, labels as floats, leading spaces."""
    return "".join("".join(f"{float(v):16.7e}" for v in [lab, *s]) + "\n" for s, lab in zip(series, labels))


WRITERS = {".tsv": _tsv, ".ts": _ts, ".arff": _arff}
LOADERS = {".tsv": load_ucr_tsv, ".ts": load_ts, ".arff": load_arff}


@pytest.mark.parametrize("ext", list(WRITERS))
def test_byte_order_mark_gives_the_same_arrays(tmp_path, ext):
    series, labels = _gunpoint()
    text = WRITERS[ext](series, labels)
    plain, bom = tmp_path / f"plain{ext}", tmp_path / f"bom{ext}"
    plain.write_text(text, encoding="utf-8")
    bom.write_text(text, encoding="utf-8-sig")
    assert bom.read_bytes()[:3] == b"\xef\xbb\xbf"
    X, y = LOADERS[ext](bom)
    X_plain, y_plain = LOADERS[ext](plain)
    np.testing.assert_array_equal(X, X_plain)
    np.testing.assert_array_equal(y, y_plain)
    np.testing.assert_array_equal(y, labels)
    np.testing.assert_array_equal(X[:, 0], series)


def test_byte_order_mark_alone_is_a_file_without_cases(tmp_path):
    path = tmp_path / "bom.tsv"
    path.write_text("", encoding="utf-8-sig")
    with pytest.raises(ValueError, match="has no cases"):
        load_ucr_tsv(path)


@pytest.mark.parametrize("delimiter", [None, " "])
def test_old_ucr_txt_whitespace_and_float_labels(tmp_path, delimiter):
    series, labels = _gunpoint()
    path = tmp_path / "GunPoint_TRAIN.txt"
    path.write_text(_old_ucr_txt(series, labels))
    first = path.read_text().splitlines()[0]
    assert first.startswith("   ") and "  " in first.strip() and first.split()[0] in ("1.0000000e+00", "2.0000000e+00")
    X, y = load_ucr_tsv(path, delimiter=delimiter)
    np.testing.assert_array_equal(y, labels)  # 1.0000000e+00 is the class "1"
    np.testing.assert_allclose(X[:, 0], series, rtol=1e-7, atol=1e-12)
    X_any, y_any = load_timeseries_file(path)
    np.testing.assert_array_equal(X_any, X)
    np.testing.assert_array_equal(y_any, y)


@pytest.mark.parametrize("sep", ["\t", ","])
def test_trailing_delimiter_is_not_a_value(tmp_path, sep):
    series, labels = _gunpoint(4)
    path = tmp_path / "d.tsv"
    path.write_text(_tsv(series, labels, end=sep + " ").replace("\t", sep))
    X, _ = load_ucr_tsv(path)
    assert X.shape == (4, 1, 150) and not np.isnan(X).any()
    np.testing.assert_array_equal(X[:, 0], series)


def test_ucr_2018_variable_length_through_load_timeseries_file(tmp_path):
    series, labels = _gunpoint()
    lengths = np.random.default_rng(0).integers(40, 151, size=len(series))
    rows = ["\t".join([lab, *(repr(float(v)) for v in s[:n]), *["NaN"] * (150 - n)]) for s, lab, n in zip(series, labels, lengths)]
    path = tmp_path / "var.tsv"
    path.write_text("\n".join(rows) + "\n")
    X, _ = load_timeseries_file(path, strip_trailing_missing=True)
    assert isinstance(X, list) and [s.shape for s in X] == [(1, n) for n in lengths]
    for s, full, n in zip(X, series, lengths):
        np.testing.assert_array_equal(s[0], full[:n])
    padded, _ = load_timeseries_file(path, strip_trailing_missing=True, equalize="pad", pad_value=-9.0)
    assert padded.shape == (len(series), 1, lengths.max()) and (padded == -9.0).sum() == (lengths.max() - lengths).sum()
    kept, _ = load_timeseries_file(path)
    assert kept.shape == (len(series), 1, 150) and np.isnan(kept).sum() == (150 - lengths).sum()


def test_ts_strip_trailing_missing(tmp_path):
    path = tmp_path / "pad.ts"
    path.write_text("@problemName x\n@dimensions 2\n@classLabel true a\n@data\n1,2,?:3,?,?:a\n1,2,3:4,5,6:a\n")
    X, y = load_timeseries_file(path, strip_trailing_missing=True)
    assert [s.shape for s in X] == [(2, 2), (2, 3)] and np.isnan(X[0][1, 1]) and list(y) == ["a", "a"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1.0", "1"), ("-1.0000000e+00", "-1"), ("+2", "2"), ("0.0", "0"), ("-0.0", "0"), ("1e3", "1000"),
        ("007", "7"), ("0.5", "0.5"), ("a", "a"), ("1.0a", "1.0a"), ("nan", "nan"), ("inf", "inf"),
        ("12345678901234567890.0", "12345678901234567890"),  # exact, no float rounding
    ],
)  # fmt: skip
def test_numeric_labels_are_normalised_in_tsv(tmp_path, written, expected):
    path = tmp_path / "l.tsv"
    path.write_text(f"{written}\t1\t2\n")
    _, y = load_ucr_tsv(path)
    assert list(y) == [expected]


def test_numeric_labels_are_normalised_in_ts_and_arff(tmp_path):
    ts = "@problemName x\n@classLabel true 1.0 2.0\n@data\n1,2:1\n3,4:2.0\n5,6:1.00\n"
    (tmp_path / "l.ts").write_text(ts)
    assert list(load_ts(tmp_path / "l.ts")[1]) == ["1", "2", "1"]
    arff = "@relation x\n@attribute a numeric\n@attribute b numeric\n@attribute c {1.0,2.0}\n@data\n1,2,1\n3,4,2.0\n"
    (tmp_path / "l.arff").write_text(arff)
    assert list(load_arff(tmp_path / "l.arff")[1]) == ["1", "2"]


def test_ts_without_class_label_line_says_so(tmp_path):
    series, labels = _gunpoint(3)
    text = _ts(series, labels).replace("@classLabel true 1 2\n", "")
    path = tmp_path / "nolabel.ts"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_ts(path)
    message = str(info.value)
    assert str(path) in message and "line 4:" in message
    assert "looks like a class label" in message and "@classLabel true" in message


def test_ts_class_label_false_loads_without_labels(tmp_path):
    series, labels = _gunpoint(3)
    text = _ts(series, labels).replace("@classLabel true 1 2", "@classLabel false").replace(":1\n", "\n").replace(":2\n", "\n")
    path = tmp_path / "unlabelled.ts"
    path.write_text(text)
    X, y = load_ts(path)
    assert y is None
    np.testing.assert_array_equal(X[:, 0], series)
    with pytest.raises(ValueError, match="found no class labels"):
        load_timeseries_file(path)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("e.tsv", ""),
        ("e.txt", "\n  \n"),
        ("e.ts", "@problemName x\n@classLabel true 1 2\n@data\n"),
        ("e.arff", "@relation x\n@attribute a numeric\n@attribute c {1,2}\n@data\n% none\n"),
    ],
)
def test_file_without_cases_says_so(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_timeseries_file(path)
    assert str(path) in str(info.value) and "the file has no cases" in str(info.value)
