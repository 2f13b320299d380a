"""Shared facts for the deployment tests: the repository, the settings the services read, YAML loading.

These tests need no Docker engine, Kafka or Redis: they read the files and run the validation tools that
the project installs itself (hadolint, docker-compose and kubernetes-validate as dev dependencies,
kustomize by `make install`).
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
# Every process the system runs: (service, role). checkin only has an API.
PROCESSES = {
    ("checkin", "api"),
    ("queue", "api"),
    ("queue", "worker"),
    ("notify", "api"),
    ("notify", "worker"),
    ("metrics", "api"),
    ("metrics", "worker"),
}
API_PORTS = {"checkin": 8101, "queue": 8102, "notify": 8103, "metrics": 8104}
IMAGE_UID = 10001  # the Dockerfile's USER, and Kubernetes' runAsUser


@pytest.fixture(scope="session")
def facts() -> SimpleNamespace:
    """The constants above, for the test modules (conftest itself cannot be imported under importlib)."""
    return SimpleNamespace(root=ROOT, processes=PROCESSES, api_ports=API_PORTS, image_uid=IMAGE_UID)


def env_names_of(model: type[BaseSettings]) -> set[str]:
    """The environment variables a settings class reads (its prefix + field name, or its aliases)."""
    prefix = str(model.model_config.get("env_prefix", "")).upper()
    names: set[str] = set()
    for name, field in model.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(choice.upper() for choice in alias.choices if isinstance(choice, str))
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(f"{prefix}{name.upper()}")
    return names


@pytest.fixture(scope="session")
def setting_names() -> set[str]:
    """Every environment variable some service reads: the only names a deployment may set for them."""
    from visitflow_checkin.config import CheckinSettings
    from visitflow_metrics.config import MetricsSettings
    from visitflow_notify.config import NotifySettings
    from visitflow_queue.config import QueueSettings

    names: set[str] = set()
    for model in (CheckinSettings, QueueSettings, NotifySettings, MetricsSettings):
        names |= env_names_of(model)
    return names


@pytest.fixture(scope="session")
def env_example_names() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=", line)
        if match:
            names.add(match.group(1))
    return names


def load_yaml_documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


@pytest.fixture(scope="session")
def find_tool() -> Callable[[str], str | None]:
    """A command the project installs: beside this Python (a dev dependency), in .cache/bin, or on PATH."""

    def find(name: str) -> str | None:
        for candidate in (Path(sys.executable).parent / name, ROOT / ".cache" / "bin" / name):
            if candidate.is_file():
                return str(candidate)
        return shutil.which(name)

    return find
