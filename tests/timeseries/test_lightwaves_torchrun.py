"""The torchrun example: 2 ranks launched by torch's own launcher fit what one process fits."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from anyconv.data.timeseries_datasets import load_ucr
from anyconv.timeseries import LightWaveSClassifier

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "lightwaves_torchrun.py")
pytestmark = [
    pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without distributed"),
    pytest.mark.slow,  # ~10 s idle (two fresh interpreters); test_lightwaves_torch_distributed.py runs in CI
]


def test_torchrun_two_ranks_equal_one_process(tmp_path) -> None:
    out = tmp_path / "fit.npz"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               EXAMPLE, "--n-features", "60", "--out", str(out)]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 ranks: 60 features" in done.stdout
    saved = np.load(out)

    (X, y), (X_test, _) = load_ucr("BasicMotions", "train"), load_ucr("BasicMotions", "test")
    one = LightWaveSClassifier(n_features=60, random_state=0).fit(np.asarray(X), y)
    np.testing.assert_array_equal(saved["ids"], one.transformer_.kernels_.feature_ids())
    np.testing.assert_array_equal(saved["pred"], one.predict(np.asarray(X_test)))
