"""Smoke tests of ``anyconv layers``, ``anyconv train`` and ``anyconv bench --quick``."""

from __future__ import annotations

import csv
import json

import pytest

from anyconv.cli import main


def test_layers_lists_sequence_layers(capsys):
    assert main(["layers", "*conv1d", "--kind", "sequence"]) == 0
    out = capsys.readouterr().out
    assert "longconv1d" in out and "sgconv1d" in out and "shortconv1d" in out and "hyena1d" not in out


def test_layers_without_match_is_a_clean_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["layers", "nothing*"])
    assert exit_info.value.code == 2
    assert "no layer matches" in capsys.readouterr().err


def test_train_writes_valid_json(tmp_path, capsys):
    out = tmp_path / "result.json"
    code = main(["train", "--layer", "sgconv1d", "--task", "copying", "--seq-len", "24", "--steps", "3",
                 "--d-model", "8", "--no-progress", "--out", str(out)])
    assert code == 0
    result = json.loads(out.read_text())
    assert result["config"]["layer"] == "sgconv1d" and result["steps_done"] == 3 and not result["interrupted"]
    assert 0.0 <= result["accuracy"] <= 1.0 and result["params"] > 0 and result["wall_time_s"] > 0
    assert result["engines"] and result["history"][-1]["step"] == 3
    assert "sgconv1d" in capsys.readouterr().out


def test_train_unknown_layer_suggests(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--layer", "longconv", "--task", "copying", "--steps", "1"])
    assert "longconv1d" in capsys.readouterr().err


def test_train_unknown_task_suggests(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--layer", "longconv1d", "--task", "adding_problem", "--steps", "1"])
    assert "adding" in capsys.readouterr().err


def test_bench_quick_reduced(tmp_path, capsys):
    code = main(["bench", "--quick", "--out-dir", str(tmp_path), "--layers", "shortconv1d,sgconv1d",
                 "--tasks", "copying,adding", "--steps-scale", "0.01", "--no-progress"])
    assert code == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert {(r["config"]["task"], r["config"]["layer"]) for r in results} == {
        (t, l) for t in ("copying", "adding") for l in ("shortconv1d", "sgconv1d")
    }
    with open(tmp_path / "leaderboard.csv", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 4
    assert (tmp_path / "leaderboard.png").stat().st_size > 0
    assert (tmp_path / "runs" / "copying-sgconv1d.json").exists()
    assert "sgconv1d" in capsys.readouterr().out


def test_bench_requires_quick(capsys):
    with pytest.raises(SystemExit):
        main(["bench"])
    assert "--quick" in capsys.readouterr().err
