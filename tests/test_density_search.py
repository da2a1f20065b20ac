"""Density search: DIRECT-L finds a planted density; optimize_density and its CLI run on digits."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from anyconv.bench.config import RunConfig
from anyconv.bench.train import train
from anyconv.cli import main
from anyconv.density_search import default_bounds, direct_search, optimize_density
from anyconv.layers.weighted import WeightedConv2d

TINY = RunConfig(layer="weightedconv2d", task="digits", steps=2, batch_size=16, n_train=64, n_val=64, n_test=32,
                 model={"width": 4, "depth": 1})


def test_direct_l_finds_a_planted_density():
    """Teacher and student share the weights; the teacher's density is the known optimum (loss 0)."""
    torch.manual_seed(0)
    planted = [0.3, 0.8]
    teacher = WeightedConv2d(3, 4, 5, padding=2, density=planted, dtype=torch.float64)
    student = WeightedConv2d(3, 4, 5, padding=2, dtype=torch.float64)
    student.load_state_dict({k: v for k, v in teacher.state_dict().items() if k != "kernel.den"}, strict=False)
    x = torch.randn(2, 3, 8, 8, dtype=torch.float64)
    with torch.no_grad():
        target = teacher(x)

    def loss(den: list[float]) -> float:
        student.set_density(den)
        with torch.no_grad():
            return float((student(x) - target).square().mean())

    result = direct_search(loss, default_bounds(5), max_evals=120)
    assert result.density == pytest.approx(planted, abs=5e-3)
    assert result.n_evals == 120 and result.loss < 1e-6 and result.loss == min(v for _, v in result.evaluations)
    assert all(0.05 <= d[0] <= 1.0 and 0.5 <= d[1] <= 1.5 for d, _ in result.evaluations)
    assert result.evaluations[0][0] == pytest.approx([0.525, 1.0])  # DIRECT starts at the box centre


def test_optimize_density_on_digits_selects_by_validation_loss():
    seen: list[tuple[list[float], float]] = []
    result = optimize_density(TINY, [(0.5, 1.5)], max_evals=3, on_evaluation=lambda d, v: seen.append((d, v)))
    assert result.n_evals == 3 and seen == result.evaluations
    assert result.evaluations[0][0] == [1.0]  # the centre first, then the thirds of the box
    assert sorted(d[0] for d, _ in result.evaluations) == pytest.approx([2 / 3, 1.0, 4 / 3])
    losses = [v for _, v in result.evaluations]
    assert len(set(losses)) == len(losses)  # the density reaches the network: every candidate differs
    assert result.loss == min(losses)
    rerun = train(dataclasses.replace(TINY, model={**TINY.model, "layer_options": {"density": result.density}},
                                      eval_every=TINY.steps), None, progress="off")
    assert rerun["val"]["loss"] == pytest.approx(result.loss, rel=1e-6)  # the objective is that run's validation loss


def test_cli_writes_the_search(tmp_path, capsys):
    out = tmp_path / "density.json"
    argv = ["optimize-density", "--task", "digits", "--steps", "2", "--max-evals", "2", "--batch-size", "16",
            "--n-train", "64", "--n-val", "64", "--n-test", "32", "--model-option", "width=4",
            "--model-option", "depth=1", "--bounds", "0.5:1.5", "--out", str(out)]
    assert main(argv) == 0
    data = json.loads(out.read_text())
    assert len(data["evaluations"]) == 2
    assert data["loss"] == min(e["loss"] for e in data["evaluations"])
    assert "best density" in capsys.readouterr().out


def test_errors():
    with pytest.raises(ValueError, match="needs a model with weighted layers"):
        optimize_density(dataclasses.replace(TINY, layer="conv2d"), [(0.5, 1.5)])
    with pytest.raises(ValueError, match="kernel size 3 has 1 density values, got 2 bounds"):
        optimize_density(TINY, [(0.5, 1.5), (0.5, 1.5)])
    with pytest.raises(ValueError, match="low < high"):
        direct_search(lambda d: 0.0, [(1.0, 0.5)])
    with pytest.raises(ValueError, match="max_evals"):
        direct_search(lambda d: 0.0, [(0.0, 1.0)], max_evals=0)
    with pytest.raises(SystemExit):
        main(["optimize-density", "--task", "digits", "--bounds", "0.5-1.5"])
