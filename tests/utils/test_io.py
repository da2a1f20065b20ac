"""atomic_write_json: full file or old file, never a partial one."""

from __future__ import annotations

import json

import numpy as np
import pytest

from anyconv.utils import atomic_write_json


def test_writes_numpy_values_and_creates_folders(tmp_path):
    path = tmp_path / "a" / "b" / "result.json"
    atomic_write_json(path, {"acc": np.float32(0.5), "shape": np.array([2, 3]), "n": np.int64(7)})
    assert json.loads(path.read_text()) == {"acc": 0.5, "shape": [2, 3], "n": 7}
    assert [p.name for p in path.parent.iterdir()] == ["result.json"]
    assert path.stat().st_mode & 0o644 == 0o644  # readable like any file, not mkstemp's 0600


def test_failure_keeps_the_old_file_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "result.json"
    atomic_write_json(path, {"ok": 1})
    with pytest.raises(TypeError, match="cannot write a object"):
        atomic_write_json(path, {"bad": object()})
    assert json.loads(path.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]
