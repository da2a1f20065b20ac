"""``anyconv classify`` and ``anyconv datasets`` through ``anyconv.cli.main``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from anyconv.cli import main
from anyconv.data import load_ucr
from anyconv.timeseries import native

# small settings per method: (n_kernels or None for the method default)
SMALL = {"minirocket": 84, "rocket": 100, "multirocket": 84, "hdc-minirocket": 84, "lightwaves": None}


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
