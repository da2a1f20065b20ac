"""``anyconv classify`` and ``anyconv datasets`` through ``anyconv.cli.main``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from anyconv.cli import main
from anyconv.data import load_ucr
from anyconv.timeseries import native

# small settings per method: (n_kernels or None for the method default)
SMALL = {
    "minirocket": 84, "rocket": 100, "multirocket": 84, "hdc-minirocket": 84, "lightwaves": None,
    "hydra": None, "multirocket-hydra": None,
}  # fmt: skip


def _classify(tmp_path, method, *extra):
    out = tmp_path / "result.json"
    argv = ["classify", "--method", method, "--seed", "1", "--out", str(out), *extra]
    if SMALL[method] is not None:
        argv += ["--n-kernels", str(SMALL[method])]
    assert main(argv) == 0
    return json.loads(out.read_text())


@pytest.mark.parametrize("method", list(SMALL))
def test_classify_bundled_dataset_writes_json(tmp_path, capsys, method):
    result = _classify(tmp_path, method, "--dataset", "UnitTest")
    assert result["config"]["method"] == method and result["config"]["seed"] == 1
    assert result["dataset"] == {
        "name": "UnitTest", "n_train": 20, "n_test": 22, "n_channels": 1, "n_timepoints": 24, "n_classes": 2,
    }  # fmt: skip
    assert 0.6 <= result["accuracy"] <= 1.0  # Chinatown subset; a broken model sits near 0.5
    assert result["fit_seconds"] > 0 and result["predict_seconds"] > 0
    assert result["n_features"] > 0
    assert {"anyconv", "torch", "numpy", "scikit-learn", "python"} <= set(result["versions"])
    printed = capsys.readouterr().out
    assert "accuracy" in printed and f"{result['accuracy']:.4f}" in printed
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temp file left


def test_same_seed_same_result(tmp_path):
    first = _classify(tmp_path, "minirocket", "--dataset", "UnitTest")
    second = _classify(tmp_path, "minirocket", "--dataset", "UnitTest")
    assert first["accuracy"] == second["accuracy"] and first["n_features"] == second["n_features"]


def test_classify_from_train_and_test_files(tmp_path):
    for split in ("train", "test"):
        X, y = load_ucr("UnitTest", split)
        rows = ["\t".join([label, *(repr(float(v)) for v in series[0])]) for series, label in zip(X, y)]
        (tmp_path / f"{split}.tsv").write_text("\n".join(rows) + "\n")
    result = _classify(
        tmp_path, "minirocket", "--train", str(tmp_path / "train.tsv"), "--test", str(tmp_path / "test.tsv")
    )
    reference = _classify(tmp_path, "minirocket", "--dataset", "UnitTest")
    assert result["dataset"]["train"].endswith("train.tsv")
    assert result["accuracy"] == reference["accuracy"]


@pytest.mark.parametrize(("method", "engines"), [("rocket", ("native", "torch")), ("minirocket", ("torch", "reference"))])
def test_engine_flag_reaches_the_classifier(tmp_path, method, engines):
    """Every engine applies the same kernels: same features up to rounding, so the same accuracy here."""
    if "native" in engines and not native.available():
        pytest.skip("compiled extension not built")
    results = [_classify(tmp_path, method, "--dataset", "UnitTest", "--engine", e) for e in engines]
    assert [r["config"]["engine"] for r in results] == list(engines)
    assert [r["config"]["params"]["engine"] for r in results] == list(engines)
    assert results[0]["accuracy"] == results[1]["accuracy"]


def test_unequal_length_needs_equalize(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["classify", "--dataset", "PickupGestureWiimoteZ", "--method", "minirocket"])
    assert info.value.code == 2
    assert "pass --equalize pad or --equalize truncate" in capsys.readouterr().err
    result = _classify(tmp_path, "minirocket", "--dataset", "PickupGestureWiimoteZ", "--equalize", "pad")
    assert result["dataset"]["n_timepoints"] == 361 and result["config"]["equalize"] == "pad"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "UnitTest", "--method", "minirockt"], "did you mean 'minirocket'"),
        (["--dataset", "GunPiont", "--method", "rocket"], "did you mean 'GunPoint'"),
        (["--method", "rocket", "--train", "x.ts"], "both --train PATH and --test PATH"),
        (["--dataset", "UnitTest", "--train", "x.ts", "--test", "y.ts", "--method", "rocket"], "not both"),
        (["--dataset", "UnitTest", "--method", "rocket", "--n-kernels", "0"], "positive integer"),
        (["--train", "a.csv", "--test", "b.csv", "--method", "rocket"], "extension"),
        (["--dataset", "UnitTest", "--method", "lightwaves", "--engine", "reference"], "engine must be one of"),
        (["--dataset", "UnitTest", "--method", "rocket", "--engine", "reference"], "engine must be one of"),
    ],
)
def test_clean_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        main(["classify", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("anyconv classify: error:") and message in err


def test_datasets_lists_bundled_with_shapes(tmp_path, capsys):
    out = tmp_path / "datasets.json"
    assert main(["datasets", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "GunPoint" in printed and "BasicMotions" in printed
    rows = {row["name"]: row for row in json.loads(out.read_text())["datasets"]}
    assert (rows["BasicMotions"]["n_channels"], rows["BasicMotions"]["max_length"]) == (6, 100)
    assert not rows["JapaneseVowels"]["equal_length"]
    assert np.isclose(rows["GunPoint"]["n_train"], 50)


# --- files written by other tools (issue 9 section 4) ---


def _unittest_rows(split, label=str, value="{!r}", sep="\t", end=""):
    X, y = load_ucr("UnitTest", split)
    return "".join(
        sep.join([label(lab), *(value.format(float(v)) for v in series[0])]) + end + "\n" for series, lab in zip(X, y)
    )


def _files(tmp_path, train_text, test_text, train_name="train.tsv", test_name="test.tsv"):
    (tmp_path / train_name).write_text(train_text)
    (tmp_path / test_name).write_text(test_text)
    return "--train", str(tmp_path / train_name), "--test", str(tmp_path / test_name)


def _gunpoint_variable_length(path, split, seed, end=""):
    """The UCR 2018 layout of a variable-length dataset: each series cut short, padded with NaN."""
    from aeon.datasets import load_classification

    X, y = load_classification("GunPoint", split=split)
    lengths = np.random.default_rng(seed).integers(80, 151, size=len(X))
    rows = [
        "\t".join([lab, *(repr(float(v)) for v in s[0, :n]), *["NaN"] * (150 - n)]) + end
        for s, lab, n in zip(X, y, lengths)
    ]
    path.write_text("\n".join(rows) + "\n")
    return lengths


def test_classify_ucr_2018_variable_length_files(tmp_path, capsys):
    train, test = tmp_path / "var_TRAIN.tsv", tmp_path / "var_TEST.tsv"
    lengths = np.concatenate(
        [_gunpoint_variable_length(train, "train", 0, end="\t"), _gunpoint_variable_length(test, "test", 1)]
    )
    assert lengths.min() < lengths.max()
    files = ("--train", str(train), "--test", str(test))
    result = _classify(tmp_path, "minirocket", *files, "--equalize", "pad")
    assert result["dataset"]["n_timepoints"] == lengths.max()
    assert (result["dataset"]["n_train"], result["dataset"]["n_test"]) == (50, 150)
    assert result["accuracy"] >= 0.75  # GunPoint with every series >= 80 of 150 points; chance is 0.5
    truncated = _classify(tmp_path, "minirocket", *files, "--equalize", "truncate")
    assert truncated["dataset"]["n_timepoints"] == lengths.min()
    with pytest.raises(SystemExit) as info:
        main(["classify", "--method", "minirocket", *files])
    assert info.value.code == 2
    assert "pass --equalize pad or --equalize truncate" in capsys.readouterr().err


def test_missing_values_inside_a_series_are_named_not_blamed_on_lengths(tmp_path, capsys):
    text = _unittest_rows("test")
    rows = text.splitlines()
    fields = rows[3].split("\t")
    fields[5] = "NaN"
    rows[3] = "\t".join(fields)
    files = _files(tmp_path, _unittest_rows("train"), "\n".join(rows) + "\n")
    with pytest.raises(SystemExit):
        main(["classify", "--method", "minirocket", "--equalize", "pad", *files])
    err = capsys.readouterr().err
    assert "test.tsv" in err and "case 4" in err and "missing" in err and "--equalize" not in err


def test_labels_spelled_as_floats_in_one_file_match_integers_in_the_other(tmp_path):
    """Old UCR .txt (whitespace, 1.0000000e+00 labels, full precision) against a 2018 .tsv."""
    train_txt = _unittest_rows("train", label=lambda s: f"{float(s):16.7e}", value="{:25.17e}", sep="")
    assert train_txt.split()[0] in ("1.0000000e+00", "2.0000000e+00")
    files = _files(tmp_path, train_txt, _unittest_rows("test"), train_name="train.txt")
    result = _classify(tmp_path, "minirocket", *files)
    reference = _classify(tmp_path, "minirocket", "--dataset", "UnitTest")
    assert result["accuracy"] == reference["accuracy"] and result["accuracy"] > 0.6
    assert result["dataset"]["n_classes"] == 2


def test_test_labels_unknown_to_the_classifier_fail_clearly(tmp_path, capsys):
    renamed = {"1": "one", "2": "two"}
    files = _files(tmp_path, _unittest_rows("train"), _unittest_rows("test", label=renamed.get))
    with pytest.raises(SystemExit) as info:
        main(["classify", "--method", "minirocket", *files])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "none of the test labels" in err
    assert "['one', 'two']" in err and "['1', '2']" in err


def test_some_test_labels_unknown_to_the_classifier_warn(tmp_path):
    files = _files(tmp_path, _unittest_rows("train"), _unittest_rows("test", label=lambda s: "3" if s == "2" else s))
    with pytest.warns(UserWarning, match=r"test label\(s\) \['3'\] .* not among the trained classes \['1', '2'\]"):
        result = _classify(tmp_path, "minirocket", *files)
    assert any("'3'" in w for w in result["warnings"])


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("empty.tsv", ""),
        ("empty.ts", "@problemName x\n@classLabel true 1 2\n@data\n"),
        ("empty.arff", "@relation x\n@attribute a numeric\n@attribute c {1,2}\n@data\n"),
    ],
)
def test_file_without_cases_is_named(tmp_path, capsys, name, text):
    files = _files(tmp_path, text, _unittest_rows("test"), train_name=name)
    with pytest.raises(SystemExit) as info:
        main(["classify", "--method", "minirocket", *files])
    err = capsys.readouterr().err
    assert info.value.code == 2 and f"{tmp_path / name}: the file has no cases" in err
