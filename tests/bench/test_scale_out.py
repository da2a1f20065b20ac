"""Scale-out on existing engines: torchrun DDP equals one process; dask and local workers equal serial."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from anyconv.bench.config import RunConfig, resolve
from anyconv.bench.execute import run_all
from anyconv.bench.train import build, train

TRAIN = ["train", "--layer", "longconv1d", "--task", "copying", "--seq-len", "24", "--task-option", "n_copy=3",
         "--d-model", "8", "--n-layers", "1", "--steps", "6", "--batch-size", "32", "--n-val", "16", "--n-test", "16",
         "--eval-every", "3", "--threads", "1", "--no-progress"]


def _weights(run_dir):
    pointer = json.loads((run_dir / "latest.json").read_text())
    return load_file(str(run_dir / pointer["dir"] / "model.safetensors"))


def test_ddp_two_gloo_ranks_of_16_equal_one_rank_of_32(tmp_path):
    ddp_dir, single_dir = tmp_path / "ddp", tmp_path / "single"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "anyconv.cli", *TRAIN, "--run-dir", str(ddp_dir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    single = subprocess.run([sys.executable, "-m", "anyconv.cli", *TRAIN, "--run-dir", str(single_dir)],
                            capture_output=True, text=True, timeout=300)
    assert single.returncode == 0, single.stderr[-2000:]
    ddp_result = json.loads((ddp_dir / "result.json").read_text())
    single_result = json.loads((single_dir / "result.json").read_text())
    assert ddp_result["world_size"] == 2 and single_result["world_size"] == 1
    a, b = _weights(ddp_dir), _weights(single_dir)
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=1e-5, msg=f"weight {key}")
    _, fresh = build(RunConfig.from_dict(single_result["config"]))
    init = fresh.state_dict()
    assert any((a[k] - init[k]).abs().max() > 1e-3 for k in a)  # training moved the weights: the match means something
    assert ddp_result["test"]["metric"] == pytest.approx(single_result["test"]["metric"], abs=1 / 48)


def _configs():
    base = dict(task="copying", task_options={"seq_len": 16, "n_copy": 2}, steps=3, batch_size=8, n_val=8, n_test=8,
                model={"d_model": 8, "n_layers": 1})
    return [resolve(RunConfig(layer=layer, seed=seed, **base)) for layer in ("sgconv1d", "shortconv1d") for seed in (0, 1)]


def _by_id(results):
    return {r["run_id"]: (r["test"], r["val"], [h["val_metric"] for h in r["history"]]) for r in results}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    torch.set_num_threads(1)
    return run_all(_configs(), tmp_path_factory.mktemp("serial"), progress="off")


def test_dask_local_cluster_with_two_workers_equals_serial(serial, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        results = run_all(_configs(), tmp_path, dask=cluster.scheduler_address, progress="off")
    assert _by_id(results) == _by_id(serial)


def test_local_worker_processes_equal_serial(serial, tmp_path):
    results = run_all(_configs(), tmp_path, workers=2, progress="off")
    assert _by_id(results) == _by_id(serial)


def test_finished_runs_are_skipped_when_a_suite_is_rerun(serial, tmp_path, monkeypatch):
    first = run_all(_configs(), tmp_path, progress="off")

    def fail(*args, **kwargs):
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr("anyconv.bench.execute.train", fail)
    again = run_all(_configs(), tmp_path, progress="off")
    assert _by_id(again) == _by_id(first) == _by_id(serial)


def test_single_process_train_equals_run_all(serial, tmp_path):
    config = _configs()[0]
    result = train(config, tmp_path / "one", progress="off")
    assert _by_id([result]) == {k: v for k, v in _by_id(serial).items() if k == result["run_id"]}
