from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from visitflow_devstack import paths


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A checkout of its own for the test (its own VISITFLOW_HOME, and var/ in it): no real process lies
    in it, so `stop` finds only what the test starts there."""
    root = tmp_path / "checkout"
    (root / "var").mkdir(parents=True)
    monkeypatch.setenv("VISITFLOW_HOME", str(root))
    paths.root.cache_clear()
    yield root
    paths.root.cache_clear()
