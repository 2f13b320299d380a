"""What `make run` adds for a person: a demo clock, the simulator, and the URLs to open."""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock_time

from visitflow_offices import OSLO
from visitflow_platform.access import Role
from visitflow_platform.auth import issue_token

from .processes import Child
from .stack import Stack


def demo_clock_env() -> dict[str, str]:
    """A clock that starts on a weekday at 09:00 in Oslo and runs DEMO_SPEED times faster (default 10).

    So the demo always shows open offices, whatever the hour. DEMO_CLOCK=real uses the real time.
    """
    if os.environ.get("DEMO_CLOCK", "demo") == "real":
        return {}
    day = datetime.now(OSLO).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime.combine(day, clock_time(9, 0), tzinfo=OSLO)
    return {
        "VISITFLOW_CLOCK_START": start.isoformat(),
        "VISITFLOW_CLOCK_SPEED": os.environ.get("DEMO_SPEED", "10"),
        "VISITFLOW_CLOCK_EPOCH": f"{time.time():.3f}",
    }


def start_simulator(stack: Stack) -> Child:
    child = Child(
        "simulator",
        [
            sys.executable,
            "-m",
            "visitflow_simulator",
            "--checkin-url",
            stack.url("checkin"),
            "--queue-url",
            stack.url("queue"),
            "--region",
            os.environ.get("DEMO_REGION", "all"),
        ],
        stack.home / "logs" / "simulator.log",
        env=stack.env(),
        cwd=stack.home,  # which tells `make stop` whose it is
    )
    child.start()
    stack.add(child)
    return child


def print_urls(stack: Stack, services: bool = True) -> None:
    lines = ["", "Visitflow is running.", ""]
    lines.append(f"  Kafka      {stack.kafka_bootstrap}")
    lines.append(f"  Redis      {stack.redis_url}")
    if services:
        settings = stack.settings()

        def link(
            service: str,
            path: str,
            role: Role,
            office: str | None = None,
            region: str | None = None,
            hours: float = 12,
        ) -> str:
            token = issue_token(
                settings, role, f"demo-{role.value}", (office,) if office else (), region, hours
            )
            return f"{stack.url(service)}{path}#token={token}"

        urls = [stack.url(s) for s in ("checkin", "queue", "notify", "metrics")]
        pages = [
            ("Host tablet, Halden", link("queue", "/tablet/halden", Role.HOST, "halden")),
            (
                "Waiting-room display, Halden",
                link("notify", "/display/halden", Role.DISPLAY, "halden", hours=720),
            ),
            (
                "Counsellor alerts, Halden",
                link("notify", "/counsellor/halden?counsellor=veileder-1", Role.COUNSELLOR, "halden"),
            ),
            (
                "Regional dashboard, Østfold",
                link("metrics", "/dashboard?region=ostfold", Role.REGIONAL, region="ostfold"),
            ),
        ]
        lines += ["", "  Pages (each link carries a development access token for its role):"]
        lines += [f"  {name:<31} {url}" for name, url in pages]
        lines += [
            "",
            f"  API docs    {'  '.join(f'{url}/docs' for url in urls)}",
            f"  Metrics     {'  '.join(f'{url}/metrics' for url in urls)}",
            "  Tokens      make token ROLE=host OFFICE=halden  (host counsellor display regional admin)",
            f"  Logs        {stack.home / 'logs'}",
        ]
    lines += ["", "Ctrl-C (or `make stop`) stops everything.", ""]
    print("\n".join(lines), flush=True)
