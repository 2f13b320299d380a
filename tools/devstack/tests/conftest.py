from __future__ import annotations

from pathlib import Path

import pytest
from visitflow_devstack import paths


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout of its own for the test (ROOT, and var/ in it): no real process lies in it, so
    `stop` finds only what the test starts there."""
    root = tmp_path / "checkout"
    (root / "var").mkdir(parents=True)
    monkeypatch.setattr(paths, "ROOT", root)
    monkeypatch.setattr(paths, "VAR", root / "var")
    return root
