"""The training loop on every task kind, the objectives against hand computation, load_run."""

from __future__ import annotations

import math

import pytest
import torch

from anyconv.bench import load_run
from anyconv.bench.config import RunConfig, resolve
from anyconv.bench.objectives import batch_sums
from anyconv.bench.train import train
from anyconv.data.tasks import TaskSpec, TaskSplit, get_task_info, list_tasks

TINY_MODEL = {
    "sequence": {"d_model": 8, "n_layers": 1},
    "sequence-classification": {"d_model": 8, "n_layers": 1},
    "image-classification": {"width": 4, "depth": 1},
    "image-denoising": {"width": 4, "depth": 3},
}
TINY_OPTIONS = {"copying": {"seq_len": 16, "n_copy": 2}, "adding": {"seq_len": 16},
                "mqar": {"seq_len": 16, "n_pairs": 2, "vocab_size": 8}, "denoise-samples": {"patch": 16}}
LAYER_FOR = {"sequence": "sgconv1d", "sequence-classification": "longconv1d",
             "image-classification": "conv2d", "image-denoising": "conv2d"}


def _tiny(task: str, layer: str | None = None, **changes) -> RunConfig:
    kind = get_task_info(task).kind
    settings = dict(layer=layer or LAYER_FOR[kind], task=task, task_options=TINY_OPTIONS.get(task, {}), steps=4,
                    batch_size=8, n_val=16, n_test=16, model=TINY_MODEL[kind], eval_every=2)
    settings.update(changes)
    return RunConfig(**settings)


@pytest.mark.parametrize("task", list_tasks())
def test_every_task_trains_through_build_model(task, tmp_path):
    result = train(_tiny(task), tmp_path / "run", progress="off")
    spec = get_task_info(task)
    assert result["status"] == "finished" and result["steps_done"] == 4
    assert [h["step"] for h in result["history"]] == [2, 4]
    assert math.isfinite(result["test"]["metric"]) and math.isfinite(result["test"]["loss"])
    assert result["task"]["kind"] == spec.kind and result["params"] > 0
    assert (tmp_path / "run" / "result.json").exists()


def test_a_conv1d_kind_layer_is_benchmarked_through_the_mixer_block(tmp_path):
    result = train(_tiny("copying", layer="conv1d"), tmp_path / "run", progress="off")
    assert result["layer_kind"] == "conv1d" and result["baseline"]
    model, _, _ = load_run(tmp_path / "run")
    assert any(type(m).__name__ == "ConvMixer" for m in model.modules())


def test_load_run_returns_the_trained_model(tmp_path):
    config = _tiny("mqar")
    result = train(config, tmp_path / "run", progress="off")
    loaded = load_run(tmp_path / "run")
    model, saved_config, saved_result = loaded
    assert resolve(config) == saved_config and saved_result["test"] == result["test"]
    assert not model.training and loaded.step == config.steps
    # the reloaded model's test metric, recomputed from scratch, equals the run's
    from anyconv.bench.train import build, evaluate

    task, _ = build(saved_config)
    assert evaluate(model, task.test, task.spec) == pytest.approx(result["test"], rel=1e-6)


def test_load_run_errors_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a run folder"):
        load_run(tmp_path)


def _spec(**changes) -> TaskSpec:
    base = dict(name="t", kind="sequence", input_kind="tokens", input_shape=(3,), n_outputs=2, loss="cross_entropy",
                metric="accuracy", chance=0.5, vocab_size=2)
    base.update(changes)
    return TaskSpec(**base)


def test_accuracy_and_loss_sums_count_scored_positions_only():
    logits = torch.tensor([[[2.0, 0.0], [0.0, 1.0], [5.0, -5.0]]])  # (1, 3, 2)
    y = torch.tensor([[0, 0, 1]])
    mask = torch.tensor([[True, True, False]])
    sums = batch_sums(logits, TaskSplit(torch.zeros(1, 3, dtype=torch.long), y, mask), _spec())
    expected = -math.log(math.exp(2) / (math.exp(2) + 1)) - math.log(1 / (1 + math.e))
    assert float(sums.loss) == pytest.approx(expected, rel=1e-6)
    assert (float(sums.metric), float(sums.metric_count), float(sums.loss_count)) == (1.0, 2.0, 2.0)


def test_tolerance_accuracy_counts_within_tolerance():
    spec = _spec(input_kind="features", input_shape=(1, 2), n_outputs=1, loss="mse", metric="tolerance-accuracy",
                 tolerance=0.1, vocab_size=None)
    out = torch.tensor([[[0.0], [1.05]], [[0.0], [0.5]]])  # (2, 2, 1)
    y = torch.tensor([[0.0, 1.0], [0.0, 0.7]])
    mask = torch.tensor([[False, True], [False, True]])
    sums = batch_sums(out, TaskSplit(torch.zeros(2, 1, 2), y, mask), spec)
    assert float(sums.metric) == 1.0 and float(sums.loss) == pytest.approx(0.05**2 + 0.2**2)


def test_psnr_is_per_image_on_clamped_outputs():
    spec = _spec(kind="image-denoising", input_kind="image", input_shape=(1, 2, 2), n_outputs=1, loss="mse",
                 metric="psnr", chance=20.0, vocab_size=None)
    clean = torch.full((2, 1, 2, 2), 0.5)
    out = clean.clone()
    out[0] += 0.1  # mse 0.01 -> 20 dB
    out[1, 0, 0, 0] = 1.7  # clamped to 1.0: mse 0.25 / 4 -> 10 log10(16) dB
    sums = batch_sums(out, TaskSplit(clean, clean), spec)
    assert float(sums.metric) / float(sums.metric_count) == pytest.approx((20.0 + 10 * math.log10(16)) / 2, rel=1e-5)
