"""Settings read from the environment: an empty optional setting means unset, as `.env.example` shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from visitflow_platform.settings import DEV_SECRET, ServiceSettings
from visitflow_platform.streams import make_faust_app


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


@pytest.mark.parametrize(
    ("secrets", "refused"),
    [
        ({}, "VISITFLOW_AUTH_JWKS_URL"),
        ({"auth_secret": "a" * 32}, "VISITFLOW_PSEUDONYM_SECRET"),
        ({"auth_secret": "a" * 32, "pseudonym_secret": "a" * 32}, "VISITFLOW_PSEUDONYM_SECRET"),
    ],
)
def test_production_refuses_the_development_secrets_and_one_secret_for_two_uses(
    secrets: dict[str, str], refused: str
) -> None:
    with pytest.raises(ValueError, match=refused):
        ServiceSettings.model_validate({"environment": "production", **secrets})


def test_production_starts_with_secrets_of_its_own() -> None:
    settings = ServiceSettings(environment="production", auth_secret="a" * 32, pseudonym_secret="p" * 32)
    assert settings.pseudonym_secret != settings.auth_secret


def test_the_workers_producers_linger_as_the_apis_do() -> None:
    assert make_faust_app(ServiceSettings(), "linger-test").conf.producer_linger == 0.0
    lingering = make_faust_app(ServiceSettings(kafka_linger_ms=5), "linger-test")
    assert lingering.conf.producer_linger == 0.005
