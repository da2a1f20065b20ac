"""docs/architecture.md's worked examples run as written (a stale architecture doc fails here).

Every ```python block is executed in order, in one namespace, like tests/test_readme.py does
for the README. The examples register a layer and a task; both registries are restored
afterwards so no other test sees them.
"""

from __future__ import annotations

import pathlib
import re

import pytest
import torch

from anyconv.data.tasks import registry as task_registry
from anyconv.layers import registry as layer_registry

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def _blocks() -> list[str]:
    """The python blocks, each padded with blank lines so tracebacks give the doc's line numbers."""
    text = DOC.read_text(encoding="utf-8")
    return [
        "\n" * text.count("\n", 0, match.start(1)) + match.group(1)
        for match in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M)
    ]


@pytest.fixture
def restored_registries():
    layer_registry._ensure_loaded()
    task_registry._ensure_loaded()
    layers, tasks = dict(layer_registry._REGISTRY), dict(task_registry._TASKS)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny examples: one thread is fastest on a shared machine
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        layer_registry._REGISTRY.clear()
        layer_registry._REGISTRY.update(layers)
        task_registry._TASKS.clear()
        task_registry._TASKS.update(tasks)


def test_doc_has_the_worked_examples():
    code = "\n".join(_blocks())
    for needed in ("@register(", "@register_task(", "BaseRandomKernelTransformer", "RandomKernelClassifier"):
        assert needed in code, f"docs/architecture.md lost its example using {needed}"


def test_doc_examples_run(restored_registries):
    namespace: dict = {"__name__": "architecture_doc"}
    for block in _blocks():
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    assert "gaussconv1d" in layer_registry._REGISTRY and "majority" in task_registry._TASKS


def test_examples_leave_the_registries_as_they_were():
    assert "gaussconv1d" not in layer_registry._REGISTRY
    assert not {"majority", "majority-fixed"} & set(task_registry._TASKS)
