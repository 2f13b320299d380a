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
