"""Where the tools keep things is read from the environment when first asked, not when imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from visitflow_devstack import paths


def test_the_home_is_read_when_first_asked_and_then_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths.root.cache_clear()
    monkeypatch.setenv("VISITFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("VISITFLOW_PORT_OFFSET", "3000")
    try:
        assert paths.root() == tmp_path
        assert paths.home_of("test") == tmp_path / "var" / "test-3000"
        assert paths.kafka_file("pom.xml") == tmp_path / "deploy" / "kafka" / "pom.xml"
        monkeypatch.setenv("VISITFLOW_HOME", str(tmp_path / "elsewhere"))
        assert paths.root() == tmp_path
    finally:
        paths.root.cache_clear()
