"""Fixtures of the time-series tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from anyconv.timeseries import native


@pytest.fixture
def reload_native(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Re-run the native loader under the test's monkeypatches; restore the real library afterwards."""
    native._reset()
    yield monkeypatch
    monkeypatch.undo()
    native._reset()


@pytest.fixture
def without_library(reload_native: pytest.MonkeyPatch) -> None:
    """As if the extension had not been built (no C compiler at install)."""
    reload_native.setattr(native, "_extension_path", lambda: None)
