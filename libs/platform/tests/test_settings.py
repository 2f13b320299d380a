"""Settings read from the environment: an empty optional setting means unset, as `.env.example` shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from visitflow_platform.settings import DEV_SECRET, ServiceSettings


def test_empty_optional_settings_are_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OFFICES_CACHE_DIR", "AUTH_JWKS_URL", "AUTH_SECRET"):
        monkeypatch.setenv(f"VISITFLOW_{name}", "")

    settings = ServiceSettings()

    assert settings.offices_cache_dir is None  # not the working directory
    assert settings.auth_jwks_url is None
    assert settings.auth_secret == DEV_SECRET


def test_the_office_file_is_read_through_the_cache_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VISITFLOW_OFFICES_CACHE_DIR", str(tmp_path / "cache"))

    settings = ServiceSettings()

    assert settings.offices.office("loten") is not None
    assert len(list((tmp_path / "cache").glob("offices-*.json"))) == 1
