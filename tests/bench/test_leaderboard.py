"""Cells and leaderboards from hand-built results, checked against hand-computed numbers."""

from __future__ import annotations

import csv
import math
from typing import Any

import pytest
from rich.console import Console

from anyconv.bench.aggregate import cells, separation
from anyconv.bench.tables import (
    leaderboard_rows,
    markdown_table,
    rich_table,
    write_leaderboard,
)


def make_result(layer: str, seed: int, metric: float | None, *, task: str = "copying", seq_len: int = 64,
                chance: float = 0.125, metric_name: str = "accuracy", params: int = 1000, wall: float = 10.0,
                steps: int = 300, status: str = "finished", baseline: bool = False, lr: float = 0.003,
                history: list[dict[str, Any]] | None = None, suite: str | None = "quick") -> dict[str, Any]:
    """One run result in the harness's format (only the fields the report reads)."""
    result: dict[str, Any] = {
        "run_id": f"{task}-{layer}-{seq_len}-{seed}-{lr}",
        "config": {"layer": layer, "task": task, "task_options": {"seq_len": seq_len, "n_copy": 8}, "seed": seed,
                   "steps": 300, "batch_size": 32, "lr": lr, "n_train": 2000, "stream": False,
                   "model": {"d_model": 32, "n_layers": 2}, "device": "cpu", "precision": "fp32",
                   "anyconv_version": "0.3.0"},
        "task": {"name": task, "kind": "sequence", "metric": metric_name, "chance": chance},
        "metric": metric_name, "chance": chance,
        "test": {"metric": metric, "loss": 0.1}, "val": {"metric": metric, "loss": 0.1},
        "params": params, "wall_time_s": wall, "steps_done": steps, "status": status, "baseline": baseline,
        "history": history or [],
    }
    if suite is not None:
        result["suite"] = {"name": suite, "cell": task}
    return result


def test_mean_and_sample_std_over_seeds_and_order_best_first():
    results = [make_result("hyena1d", s, m, wall=w) for s, m, w in ((0, 0.5, 10.0), (1, 0.7, 20.0), (2, 0.9, 30.0))]
    results += [make_result("shortconv1d", s, m, baseline=True) for s, m in ((0, 0.2), (1, 0.4))]
    results += [make_result("longconv1d", 0, 0.95, status="interrupted", steps=120)]
    got = cells(results)
    assert [c.layer for c in got] == ["longconv1d", "hyena1d", "shortconv1d"]
    long, hyena, short = got
    assert hyena.mean == pytest.approx(0.7) and hyena.std == pytest.approx(0.2)  # sqrt((.04+0+.04)/2)
    assert (hyena.n_seeds, hyena.seeds, hyena.wall_time_s) == (3, (0, 1, 2), pytest.approx(20.0))
    assert short.mean == pytest.approx(0.3) and short.std == pytest.approx(math.sqrt(0.02))  # ddof=1
    assert short.baseline and not hyena.baseline
    assert long.std == 0.0 and long.n_seeds == 1 and long.interrupted and long.steps == 120
    assert all(c.variant == "" and c.chance == 0.125 and c.metric == "accuracy" for c in got)


def test_variants_name_only_what_varies_within_a_layer():
    results = [make_result("hyena1d", 0, 0.9, seq_len=64), make_result("hyena1d", 0, 0.6, seq_len=1024),
               make_result("shortconv1d", 0, 0.5, seq_len=64, lr=0.01),  # lr differs between layers only
               make_result("hyena1d", 0, 30.0, task="denoise", metric_name="psnr", chance=20.0)]
    got = cells(results)
    assert [(c.task, c.variant, c.layer) for c in got] == [
        ("copying", "seq_len=64", "hyena1d"), ("copying", "seq_len=64", "shortconv1d"),
        ("copying", "seq_len=1024", "hyena1d"),  # numeric order, not "1024" < "64"
        ("denoise", "", "hyena1d")]
    assert got[2].seq_len == 1024 and got[0].label == "hyena1d [seq_len=64]"


def test_a_repeated_seed_counts_once_the_latest_wins_and_devices_stay_apart():
    results = [make_result("hyena1d", 0, 0.1), make_result("hyena1d", 1, 0.5), make_result("hyena1d", 0, 0.3)]
    gpu = make_result("hyena1d", 2, 0.9)
    gpu["config"]["device"] = "cuda"
    got = cells([*results, gpu])
    assert [(c.variant, c.n_seeds, c.mean) for c in got] == [("device=cpu", 2, pytest.approx(0.4)),
                                                              ("device=cuda", 1, 0.9)]


def test_missing_test_metric_gives_no_mean_and_sorts_last():
    got = cells([make_result("a1d", 0, None, status="interrupted"), make_result("b1d", 0, 0.2)])
    assert [(c.layer, c.mean, c.std, c.n_seeds) for c in got] == [("b1d", 0.2, 0.0, 1), ("a1d", None, None, 0)]
    assert "— (0)" in markdown_table(got)


def test_bad_results_raise_clear_errors():
    with pytest.raises(TypeError, match="result 0 is a list"):
        cells([[1, 2]])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"result 0 .* no config with 'task' and 'layer'"):
        cells([{"run_id": "x", "config": {"task": "copying"}}])


def test_separation_is_mean_gap_over_the_larger_sample_std():
    results = [make_result("hyena1d", s, m) for s, m in ((0, 0.8), (1, 0.9), (2, 1.0))]  # mean .9, std .1
    results += [make_result("shortconv1d", s, m) for s, m in ((0, 0.3), (1, 0.5), (2, 0.7))]  # mean .5, std .2
    got = cells(results)
    assert separation(got, "copying", "hyena1d", "shortconv1d") == pytest.approx((0.9 - 0.5) / 0.2)
    assert separation(got, "copying", "shortconv1d", "hyena1d") == pytest.approx(-2.0)
    with pytest.raises(ValueError, match="did you mean 'hyena1d'"):
        separation(got, "copying", "hyena1", "shortconv1d")
    with pytest.raises(ValueError, match="no cells for task 'copyng'; did you mean 'copying'"):
        separation(got, "copyng", "hyena1d", "shortconv1d")
    single = cells([make_result("hyena1d", 0, 0.9), make_result("shortconv1d", 0, 0.1)])
    with pytest.raises(ValueError, match="needs >= 2 seeds per cell; 'hyena1d' on 'copying' has 1"):
        separation(single, "copying", "hyena1d", "shortconv1d")
    sweep = cells([make_result("hyena1d", 0, 0.9, seq_len=64), make_result("hyena1d", 0, 0.9, seq_len=128)])
    with pytest.raises(ValueError, match=r"several variants .* pass variant="):
        separation(sweep, "copying", "hyena1d", "hyena1d")


def test_rows_csv_and_markdown_show_mean_std_n_and_chance(tmp_path):
    results = [make_result("hyena1d", s, m, params=12345) for s, m in ((0, 0.5), (1, 0.7), (2, 0.9))]
    results += [make_result("shortconv1d", 0, 0.25, baseline=True, status="interrupted", wall=4.0)]
    got = cells(results)
    rows = leaderboard_rows(got)
    assert rows[0]["seeds"] == "0 1 2" and rows[0]["best"] and not rows[1]["best"]
    assert rows[1]["interrupted"] and rows[1]["baseline"] and rows[1]["std"] == 0.0

    paths = write_leaderboard(got, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["leaderboard.csv", "leaderboard.md"]
    with open(paths["csv"], newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [(r["layer"], r["n_seeds"], r["seeds"], r["params"], r["chance"]) for r in table] == [
        ("hyena1d", "3", "0 1 2", "12345", "0.125"), ("shortconv1d", "1", "0", "1000", "0.125")]
    assert float(table[0]["mean"]) == pytest.approx(0.7) and float(table[0]["std"]) == pytest.approx(0.2)

    md = paths["md"].read_text()
    assert "| copying |  | hyena1d | accuracy | **0.700 ± 0.200 (3)** | 0.125 | 12,345 | 10.0 | 300 |" in md
    assert "| shortconv1d (baseline) | accuracy | 0.250 ± 0.000 (1) ⚠ interrupted | 0.125 |" in md


def test_rich_table_lists_every_cell():
    got = cells([make_result("hyena1d", 0, 0.5), make_result("hyena1d", 1, 0.7), make_result("x[1]d", 0, 0.1)])
    console = Console(width=160, record=True)
    console.print(rich_table(got, title="quick suite"))
    text = console.export_text()
    assert "quick suite" in text and "0.600 ± 0.141 (2)" in text and "x[1]d" in text and "0.100 ± 0.000 (1)" in text
