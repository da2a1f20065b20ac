"""A run killed mid-way (SIGKILL, in a subprocess) and resumed equals an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import load_file

from anyconv.cli import main

ARGS = ["train", "--layer", "hyena1d", "--task", "mqar", "--stream", "--seq-len", "24",
        "--task-option", "n_pairs=2", "--task-option", "vocab_size=8", "--d-model", "8", "--n-layers", "1",
        "--steps", "120", "--batch-size", "8", "--n-val", "32", "--n-test", "32", "--eval-every", "20",
        "--checkpoint-every", "5", "--threads", "1", "--no-progress"]


def _weights(run_dir):
    pointer = json.loads((run_dir / "latest.json").read_text())
    return load_file(str(run_dir / pointer["dir"] / "model.safetensors"))


def _kill_when_checkpointed(run_dir, min_step: int, timeout: float = 120.0) -> int:
    process = subprocess.Popen([sys.executable, "-m", "anyconv.cli", *ARGS, "--run-dir", str(run_dir)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    step = 0
    try:
        while time.monotonic() < deadline and process.poll() is None:
            pointer = run_dir / "latest.json"
            if pointer.exists():
                step = json.loads(pointer.read_text())["step"]
                if step >= min_step:
                    os.kill(process.pid, signal.SIGKILL)
                    break
            time.sleep(0.02)
    finally:
        process.wait(timeout=30)
    if process.returncode != -signal.SIGKILL:
        pytest.fail(f"the run was not killed mid-way (exit {process.returncode}): {process.stderr.read().decode()[-500:]}")
    return step


def test_killed_and_resumed_run_equals_uninterrupted_run(tmp_path):
    killed = tmp_path / "killed"
    step = _kill_when_checkpointed(killed, min_step=30)
    assert step < 120 and not (killed / "result.json").exists()
    assert main([*ARGS, "--run-dir", str(killed), "--resume"]) == 0
    assert main([*ARGS, "--run-dir", str(tmp_path / "straight")]) == 0
    resumed = json.loads((killed / "result.json").read_text())
    straight = json.loads((tmp_path / "straight" / "result.json").read_text())
    assert resumed["resumed_from"] >= 30 and resumed["steps_done"] == straight["steps_done"] == 120
    assert resumed["test"] == straight["test"] and resumed["val"] == straight["val"]
    drop = {"elapsed_s"}
    assert [{k: v for k, v in h.items() if k not in drop} for h in resumed["history"]] == \
           [{k: v for k, v in h.items() if k not in drop} for h in straight["history"]]
    a, b = _weights(killed), _weights(tmp_path / "straight")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_resume_without_checkpoint_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main([*ARGS, "--run-dir", str(tmp_path / "none"), "--resume"])
    assert "no checkpoint to continue from" in capsys.readouterr().err
