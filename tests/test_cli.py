"""The ``anyconv`` command line: layers, tasks, train and bench (reduced), errors, log-friendly progress."""

from __future__ import annotations

import csv
import json

import pytest

from anyconv.cli import main

TINY = ["--seq-len", "24", "--steps", "3", "--d-model", "8", "--n-layers", "1", "--n-val", "16", "--n-test", "16"]


def test_layers_lists_sequence_layers(capsys):
    assert main(["layers", "*conv1d", "--kind", "sequence"]) == 0
    out = capsys.readouterr().out
    assert "longconv1d" in out and "sgconv1d" in out and "shortconv1d" in out and "hyena1d" not in out


def test_layers_without_match_is_a_clean_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["layers", "nothing*"])
    assert exit_info.value.code == 2
    assert "no layer matches" in capsys.readouterr().err


def test_tasks_lists_kinds_and_options(capsys):
    assert main(["tasks", "--kind", "sequence"]) == 0
    out = capsys.readouterr().out
    assert "mqar" in out and "n_pairs=4" in out and "digits" not in out


def test_train_writes_a_run_folder_and_json(tmp_path, capsys):
    out = tmp_path / "result.json"
    code = main(["train", "--layer", "sgconv1d", "--task", "mqar", *TINY, "--task-option", "n_pairs=2",
                 "--task-option", "vocab_size=8", "--stream", "--no-progress", "--out", str(out),
                 "--run-dir", str(tmp_path / "run")])
    assert code == 0
    result = json.loads(out.read_text())
    assert result["config"]["task_options"] == {"seq_len": 24, "n_pairs": 2, "vocab_size": 8, "n_queries": 0}
    assert result["config"]["stream"] and result["steps_done"] == 3 and result["status"] == "finished"
    assert 0.0 <= result["test"]["metric"] <= 1.0 and result["params"] > 0 and result["engines"]
    assert (tmp_path / "run" / "result.json").exists() and (tmp_path / "run" / "latest.json").exists()
    assert "sgconv1d" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--layer", "longconv", "--task", "copying"], "longconv1d"),
        (["--layer", "longconv1d", "--task", "adding_problem"], "did you mean 'adding'"),
        (["--layer", "longconv1d", "--task", "mqar", "--task-option", "pairs=2"], "did you mean 'n_pairs'"),
        (["--layer", "longconv1d", "--task", "mqar", "--task-option", "n_pairs=two"], "expects a int"),
        (["--layer", "longconv1d", "--task", "digits"], "does not fit"),
        (["--layer", "conv2d", "--task", "digits", "--stream"], "cannot stream"),
        (["--layer", "longconv1d", "--task", "mqar", "--model-option", "d_modle=4"], "did you mean 'd_model'"),
    ],
)
def test_train_errors_are_clear(extra, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *extra, "--steps", "1"])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_bench_quick_reduced_writes_results_leaderboard_and_report(tmp_path, capsys):
    code = main(["bench", "--quick", "--out-dir", str(tmp_path), "--layers", "shortconv1d,sgconv1d",
                 "--tasks", "copying,adding", "--steps-scale", "0.01", "--seeds", "0,1", "--workers", "1"])
    assert code == 0
    results = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert {(r["config"]["task"], r["config"]["layer"], r["config"]["seed"]) for r in results} == {
        (t, layer, s) for t in ("copying", "adding") for layer in ("shortconv1d", "sgconv1d") for s in (0, 1)
    }
    with open(tmp_path / "leaderboard.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4 and all(row["n_seeds"] == "2" for row in rows)
    assert (tmp_path / "report.html").stat().st_size > 0
    captured = capsys.readouterr()
    # not a terminal: a line per finished run, no progress bars
    assert captured.err.count("test ") >= 8 and "it/s" not in captured.err and "\r" not in captured.err
    assert "sgconv1d" in captured.out


def test_bench_needs_a_suite_and_checks_it(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["bench"])
    assert "--suite" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('layers = ["sgconv1"]\n[[task]]\nname = "copying"\n')
    with pytest.raises(SystemExit):
        main(["bench", "--suite", str(bad), "--out-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert str(bad) in err and "did you mean 'sgconv1d'" in err and not (tmp_path / "out").exists()


def test_bench_overrides_precision_for_every_run(tmp_path):
    code = main(["bench", "--quick", "--out-dir", str(tmp_path), "--layers", "sgconv1d", "--tasks", "copying",
                 "--steps-scale", "0.01", "--seeds", "0", "--workers", "1", "--precision", "bf16", "--no-report"])
    assert code == 0
    (result,) = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert result["config"]["precision"] == "bf16" and result["status"] == "finished"
