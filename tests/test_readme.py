"""The README's tour runs as written (a stale README fails here)."""

from __future__ import annotations

import pathlib
import re

import torch


def test_readme_tour_runs_and_its_two_engines_agree():
    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), re.S)
    assert blocks, "README has no python block"
    namespace: dict = {}
    exec(compile(blocks[0], str(readme), "exec"), namespace)  # noqa: S102 - our own README
    torch.testing.assert_close(namespace["y"], namespace["y2"], rtol=1e-3, atol=1e-3)
    assert namespace["y3"].shape == (8, 64, 4096)


def test_readme_operators_example_runs_and_baking_keeps_outputs():
    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), re.S)
    operators = [b for b in blocks if "anyconv.bake" in b]
    assert len(operators) == 1, "README lost its operators example"
    namespace: dict = {}
    exec(compile(operators[0], str(readme), "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["y"].shape == (4, 8, 100) and namespace["y_irr"].shape == (4, 8, 60)
    x, model, plain = namespace["x"], namespace["model"], namespace["plain"]
    with torch.no_grad():
        torch.testing.assert_close(plain(x), model(x), rtol=1e-5, atol=1e-5)
    assert any(isinstance(m, torch.nn.Conv2d) for m in plain.modules())
