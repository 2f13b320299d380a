"""After a simulated stretch of an office day (SMS opt-ins and imported bookings included) and every other
test's traffic, no topic and no log line holds a phone number, a national identity number or a name."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import orjson
import pytest
from visitflow_devstack.testing import System
from visitflow_platform.tables import stored_json
from visitflow_platform.topics import topic_specs

pytestmark = pytest.mark.integration

UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP = re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?")
PHONE = re.compile(rb"(?<![\d.])(?:\+47 ?)?[49]\d{7}(?![\d.])")  # Norwegian mobile numbers
NATIONAL_ID = re.compile(rb"(?<!\d)[0-7]\d[01]\d{3}\d{5}(?!\d)")  # fødselsnummer: ddmmyy + 5 digits
NAMES = [b"Ola Nordmann", b"Kari Nordmann"]  # what the bad-input tests tried to send
PLAYED = ("halden", "fredrikstad", "sarpsborg")


def _scrub(data: bytes) -> bytes:
    """Ids and timestamps are long digit runs that are not personal data."""
    return TIMESTAMP.sub(b"<t>", UUID.sub(b"<id>", data))


def test_a_simulated_day_leaves_no_personal_data_in_topics_or_logs(system: System) -> None:
    env = {**os.environ, **system.stack.env()}
    played = subprocess.run(
        [
            sys.executable,
            "-m",
            "visitflow_simulator",
            "--checkin-url",
            system.stack.url("checkin"),
            "--queue-url",
            system.stack.url("queue"),
            *(arg for office in PLAYED for arg in ("--office", office)),
            "--scale",
            "40",
            "--duration",
            "15",
        ],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert played.returncode == 0, played.stderr.decode(errors="replace")[-3000:]
    tallies = orjson.loads(played.stdout.splitlines()[-1])
    assert set(tallies) == set(PLAYED)  # never Moss, whose day the metrics test counts exactly
    assert sum(t.get("queued", 0) for t in tallies.values()) > 0, tallies  # visitors came (and some opted in)
    assert sum(t.get("booked:200", 0) for t in tallies.values()) > 0, tallies  # and their bookings first

    findings: list[str] = []
    for topic in (spec.name for spec in topic_specs(system.stack.settings())):  # changelogs too
        for stored in system.read_topic(topic):
            value = stored_json(stored)  # the workers' table changelogs are compressed
            clean = _scrub(value)
            for pattern in (PHONE, NATIONAL_ID):
                if match := pattern.search(clean):
                    findings.append(f"{topic}: {match.group().decode()}")
            findings += [f"{topic}: a name" for name in NAMES if name in value]
    for log in (system.stack.home / "logs").glob("*.log"):
        clean = _scrub(log.read_bytes())
        for pattern in (PHONE, NATIONAL_ID):
            findings += [f"{log.name}: {m.decode()}" for m in pattern.findall(clean)[:3]]
        findings += [f"{log.name}: a name" for name in NAMES if name in clean]
    assert findings == []
