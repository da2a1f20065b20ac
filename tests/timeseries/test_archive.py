"""``anyconv classify --archive``: a UCR-layout folder built from the bundled datasets."""

from __future__ import annotations

import csv
import os
import shutil

import numpy as np
import pytest

from anyconv.cli import main
from anyconv.data import bundled_dataset_dir, load_ucr
from anyconv.timeseries import MiniRocketClassifier
from anyconv.timeseries import archive as archive_module
from anyconv.timeseries.archive import find_datasets, published_accuracy, run_archive

ITALY_PUBLISHED = 0.959572  # minirocket_results_ucr109_mean.csv (angus924/minirocket)


def _make_archive(root) -> None:
    for name in ("ItalyPowerDemand", "UnitTest"):  # .ts files
        os.makedirs(root / name)
        for split in ("TRAIN", "TEST"):
            shutil.copy(os.path.join(bundled_dataset_dir(name), f"{name}_{split}.ts"), root / name)
    os.makedirs(root / "Tsv")  # the UCR 2018 .tsv layout: label, then the values
    for split in ("train", "test"):
        X, y = load_ucr("UnitTest", split)
        lines = ["\t".join([label, *(repr(float(v)) for v in series[0])]) for series, label in zip(X, y, strict=True)]
        (root / "Tsv" / f"Tsv_{split.upper()}.tsv").write_text("\n".join(lines) + "\n")
    os.makedirs(root / "Lonely")  # no TEST file: not a dataset
    (root / "Lonely" / "Lonely_TRAIN.ts").write_text("")


def _rows(path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _counting(monkeypatch) -> list[int]:
    """Count classifier fits made by archive runs."""
    calls: list[int] = []
    original = archive_module._run_one

    def run_one(dataset, make_classifier, equalize):
        calls.append(1)
        return original(dataset, make_classifier, equalize)

    monkeypatch.setattr(archive_module, "_run_one", run_one)
    return calls


def test_archive_cli_results_and_resume(tmp_path, monkeypatch) -> None:
    root, out = tmp_path / "archive", tmp_path / "results.csv"
    _make_archive(root)
    assert [d.name for d in find_datasets(root)] == ["ItalyPowerDemand", "Tsv", "UnitTest"]
    argv = ["classify", "--archive", str(root), "--method", "minirocket", "--n-kernels", "84", "--out", str(out)]
    calls = _counting(monkeypatch)
    assert main(argv) == 0
    rows = {r["dataset"]: r for r in _rows(out)}
    assert sorted(rows) == ["ItalyPowerDemand", "Tsv", "UnitTest"] and len(calls) == 3
    assert all(r["status"] == "ok" for r in rows.values())
    # ours: the same classifier fitted directly; theirs: the published table
    (X, y), (Xt, yt) = load_ucr("ItalyPowerDemand", "train"), load_ucr("ItalyPowerDemand", "test")
    direct = float(np.mean(MiniRocketClassifier(n_kernels=84, random_state=0).fit(X, y).predict(Xt) == yt))
    italy = rows["ItalyPowerDemand"]
    assert float(italy["accuracy"]) == pytest.approx(direct, abs=1e-12) and int(italy["n_test"]) == 1029
    assert float(italy["published_accuracy"]) == ITALY_PUBLISHED
    assert float(italy["difference"]) == pytest.approx(direct - ITALY_PUBLISHED, abs=1e-6)
    assert rows["UnitTest"]["published_accuracy"] == ""  # not in the UCR tables
    assert rows["Tsv"]["accuracy"] == rows["UnitTest"]["accuracy"]  # same data through the .tsv reader
    # resume: nothing left to do; then one row removed -> only that dataset runs again
    assert main(argv) == 0 and len(calls) == 3
    kept = [r for r in _rows(out) if r["dataset"] != "Tsv"]
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=archive_module.COLUMNS)
        writer.writeheader()
        writer.writerows(kept)
    assert main(argv) == 0 and len(calls) == 4
    assert sorted(r["dataset"] for r in _rows(out)) == ["ItalyPowerDemand", "Tsv", "UnitTest"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive", "results.csv"]  # no temp files


def test_interrupted_run_keeps_finished_datasets(tmp_path) -> None:
    root, out = tmp_path / "archive", tmp_path / "results.csv"
    _make_archive(root)
    made: list[int] = []

    def make():
        made.append(1)
        if len(made) == 2:
            raise KeyboardInterrupt  # as Ctrl-C during the second dataset
        return MiniRocketClassifier(n_kernels=84, random_state=0)

    with pytest.raises(KeyboardInterrupt):
        run_archive(root, out, "minirocket", make, progress=False)
    assert [r["dataset"] for r in _rows(out)] == ["ItalyPowerDemand"]  # a complete CSV of what finished
    rows = run_archive(root, out, "minirocket", make, progress=False)
    assert len(made) == 4 and [r["dataset"] for r in rows] == ["ItalyPowerDemand", "Tsv", "UnitTest"]
    # another seed is another run: nothing skipped, earlier rows kept
    rows = run_archive(root, out, "minirocket", make, seed=1, progress=False)
    assert len(made) == 7 and len(_rows(out)) == 6


def test_failures_are_rows_and_bad_arguments_are_errors(tmp_path, capsys) -> None:
    root = tmp_path / "archive"
    os.makedirs(root / "Broken")
    for split in ("TRAIN", "TEST"):
        (root / "Broken" / f"Broken_{split}.tsv").write_text("a\tb\tc\n")
    rows = run_archive(root, tmp_path / "r.csv", "rocket", MiniRocketClassifier, progress=False)
    assert rows[0]["status"].startswith("error: ")
    for extra, message in ((), "needs --out"), (("--dataset", "UnitTest", "--out", "x.csv"), "not both"):
        with pytest.raises(SystemExit):
            main(["classify", "--archive", str(root), "--method", "minirocket", *extra])
        assert message in capsys.readouterr().err
    with pytest.raises(ValueError, match="folder of datasets"):
        find_datasets(tmp_path / "missing")
    with pytest.raises(ValueError, match="no dataset found"):
        find_datasets(tmp_path / "archive" / "Broken")
    assert published_accuracy("rocket")["GunPoint"] == pytest.approx(1.0, abs=0.05)
    assert published_accuracy("lightwaves") == {}


HYDRA_ITALY_PUBLISHED = 0.961581  # hydra_results_ucr112.csv (angus924/hydra)


def test_archive_hydra_and_multirocket_hydra(tmp_path, monkeypatch) -> None:
    from anyconv.timeseries import HydraClassifier, MultiRocketHydraClassifier

    built: list = []
    original = archive_module._run_one

    def run_one(dataset, make_classifier, equalize):  # record the classifiers the CLI builds
        def make():
            built.append(make_classifier())
            return built[-1]

        return original(dataset, make, equalize)

    monkeypatch.setattr(archive_module, "_run_one", run_one)
    out = tmp_path / "results.csv"
    for name in ("ItalyPowerDemand", "UnitTest"):
        os.makedirs(tmp_path / "a" / name)
        for split in ("TRAIN", "TEST"):
            shutil.copy(os.path.join(bundled_dataset_dir(name), f"{name}_{split}.ts"), tmp_path / "a" / name)
    os.makedirs(tmp_path / "b")
    shutil.copytree(tmp_path / "a" / "UnitTest", tmp_path / "b" / "UnitTest")
    argv = ["classify", "--archive", str(tmp_path / "a"), "--method", "hydra", "--n-kernels", "2", "--out", str(out)]
    assert main(argv) == 0
    assert [type(c) for c in built] == [HydraClassifier] * 2
    assert all(c.get_params()["n_kernels"] == 2 and c.get_params()["random_state"] == 0 for c in built)
    (X, y), (Xt, yt) = load_ucr("ItalyPowerDemand", "train"), load_ucr("ItalyPowerDemand", "test")
    direct = float(np.mean(HydraClassifier(n_kernels=2, random_state=0).fit(X, y).predict(Xt) == yt))
    italy = next(r for r in _rows(out) if r["dataset"] == "ItalyPowerDemand")
    assert italy["method"] == "hydra" and italy["status"] == "ok"
    assert float(italy["accuracy"]) == pytest.approx(direct, abs=1e-12)
    assert float(italy["published_accuracy"]) == HYDRA_ITALY_PUBLISHED
    # MultiRocket-Hydra (the aeon-style spelling is accepted) into the same CSV: no published table
    argv = ["classify", "--archive", str(tmp_path / "b"), "--method", "MultiRocketHydra", "--out", str(out)]
    assert main(argv) == 0
    assert type(built[-1]) is MultiRocketHydraClassifier and len(built) == 3
    rows = {(r["dataset"], r["method"]): r for r in _rows(out)}
    assert sorted(rows) == [("ItalyPowerDemand", "hydra"), ("UnitTest", "hydra"), ("UnitTest", "multirocket-hydra")]
    (X, y), (Xt, yt) = load_ucr("UnitTest", "train"), load_ucr("UnitTest", "test")
    direct = float(np.mean(MultiRocketHydraClassifier(random_state=0).fit(X, y).predict(Xt) == yt))
    mrh = rows[("UnitTest", "multirocket-hydra")]
    assert float(mrh["accuracy"]) == pytest.approx(direct, abs=1e-12) and mrh["published_accuracy"] == ""
    assert published_accuracy("multirocket-hydra") == {}
