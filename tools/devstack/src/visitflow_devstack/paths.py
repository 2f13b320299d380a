"""Where the project keeps its caches and run-time data (both git-ignored), read from the environment
when first asked, never at import."""

from __future__ import annotations

import functools
import os
from pathlib import Path


@functools.cache
def root() -> Path:
    """VISITFLOW_HOME: the checkout whose files and var/ the tools use (default: this one)."""
    return Path(os.environ.get("VISITFLOW_HOME", Path(__file__).resolve().parents[4]))


def var() -> Path:
    return root() / "var"


def kafka_file(name: str) -> Path:
    """One of deploy/kafka's files: the Maven pom, the log4j2 config, the server.properties template."""
    return root() / "deploy" / "kafka" / name


def kafka_libs() -> Path:
    return root() / ".cache" / "kafka" / "libs"


def port_offset() -> int:
    """VISITFLOW_PORT_OFFSET: how far this checkout's ports are moved (so two can test side by side)."""
    return int(os.environ.get("VISITFLOW_PORT_OFFSET", "0"))


def home_of(profile: str) -> Path:
    """var/<profile>, or var/<profile>-<offset> when the ports are moved."""
    offset = port_offset()
    return var() / (profile if offset == 0 else f"{profile}-{offset}")
