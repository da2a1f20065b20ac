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


def test_atomic_write_text_and_bytes_write_exactly_and_keep_old_file_on_bad_input(tmp_path):
    from anyconv.utils.io import atomic_write_bytes, atomic_write_text

    text_path = tmp_path / "sub" / "table.csv"
    atomic_write_text(text_path, "a,b\r\n1,é\r\n")
    assert text_path.read_bytes() == "a,b\r\n1,é\r\n".encode()  # no newline translation
    assert text_path.stat().st_mode & 0o644 == 0o644
    with pytest.raises(TypeError, match="needs a str, got bytes"):
        atomic_write_text(text_path, b"x")
    assert text_path.read_bytes() == "a,b\r\n1,é\r\n".encode()

    bin_path = tmp_path / "plot.png"
    atomic_write_bytes(bin_path, b"\x89PNG\x00\x01")
    assert bin_path.read_bytes() == b"\x89PNG\x00\x01"
    with pytest.raises(TypeError, match="needs bytes, got str"):
        atomic_write_bytes(bin_path, "text")
    assert bin_path.read_bytes() == b"\x89PNG\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png", "sub"]
