"""Where the project keeps its caches and run-time data (both git-ignored)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("VISITFLOW_HOME", Path(__file__).resolve().parents[4]))
CACHE = ROOT / ".cache"
VAR = ROOT / "var"
KAFKA_POM = ROOT / "deploy" / "kafka" / "pom.xml"
KAFKA_LOG4J = ROOT / "deploy" / "kafka" / "log4j2.xml"
KAFKA_TEMPLATE = ROOT / "deploy" / "kafka" / "server.properties.template"
KAFKA_LIBS = CACHE / "kafka" / "libs"


def port_offset() -> int:
    """VISITFLOW_PORT_OFFSET: how far this checkout's ports are moved (so two can test side by side)."""
    return int(os.environ.get("VISITFLOW_PORT_OFFSET", "0"))


def home_of(profile: str) -> Path:
    """var/<profile>, or var/<profile>-<offset> when the ports are moved."""
    offset = port_offset()
    return VAR / (profile if offset == 0 else f"{profile}-{offset}")
