"""The system under benchmark, started as `make run` starts it, and the calls a host's tablet makes."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import yaml
from visitflow_devstack.paths import var
from visitflow_devstack.stack import Stack
from visitflow_platform.auth import Role, issue_token

from .country import office_ids, working_morning, write_country
from .live import LiveClient


def bench_env(offices_file: Path) -> dict[str, str]:
    holidays = yaml.safe_load(offices_file.read_text())["defaults"]["holidays"]
    return {
        "VISITFLOW_OFFICES_FILE": str(offices_file),
        "VISITFLOW_CLOCK_START": working_morning(holidays).isoformat(),
        "VISITFLOW_CLOCK_EPOCH": f"{time.time():.3f}",
        "VISITFLOW_CHECKIN_RATE_PER_MINUTE": "1000000",  # the load comes from one token per office
        # the fleet scenario's 10,000 screens share one token and one machine
        "VISITFLOW_LIVE_STREAMS_PER_SUBJECT": "100000",
        "VISITFLOW_MAX_CONNECTIONS": "20000",
        "VISITFLOW_LOG_LEVEL": "WARNING",
    }


def country_stack() -> Stack:
    offices_file = write_country(var() / "bench-country" / "offices.yaml")
    return Stack("bench", bench_env(offices_file), fresh=True)


@dataclass
class CheckIn:
    office_id: str
    sent_at: float
    answered_at: float = 0.0
    status: int = 0
    ticket: str | None = None
    visit_id: str | None = None


@dataclass
class Called:
    office_id: str
    sent_at: float
    answered_at: float
    status: int
    event: dict[str, Any]


@dataclass
class Bench:
    stack: Stack
    offices: list[str] = field(default_factory=office_ids)
    checkins: list[CheckIn] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    left: set[str] = field(default_factory=set)  # visits the bench cancelled (`send_home`)
    _rooms: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.settings = settings = self.stack.settings()  # once: it parses the country's offices
        self.token = issue_token(settings, Role.ADMIN, "bench", hours=4)
        self.devices = {office.id: office.devices[0].id for office in settings.offices}  # a host's tablet
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.http = aiohttp.ClientSession(
            headers=self.headers,
            connector=aiohttp.TCPConnector(limit=400),
            timeout=aiohttp.ClientTimeout(total=30),
        )

    async def close(self) -> None:
        await self.http.close()

    def next_room(self) -> str:
        """Every call goes to a fresh room, so no call waits for a room to be freed."""
        return f"rom-{next(self._rooms):02d}"

    async def check_in(self, office_id: str) -> CheckIn:
        record = CheckIn(office_id, time.perf_counter())
        url = f"{self.stack.url('checkin')}/api/offices/{office_id}/check-ins"
        headers = {"Idempotency-Key": uuid.uuid4().hex, "X-Device-Id": self.devices[office_id]}
        try:
            async with self.http.post(
                url, json={"kind": "drop_in", "reason": "case_status"}, headers=headers
            ) as answer:
                body = await answer.read()
                record.status = answer.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            record.answered_at = time.perf_counter()
            self.problems.append(f"check-in failed: {exc!r}")
            return record
        record.answered_at = time.perf_counter()
        if record.status in (201, 202):
            answer_body = orjson.loads(body)
            record.ticket = answer_body.get("ticket")
            record.visit_id = answer_body.get("visit_id")
        else:
            self.problems.append(f"check-in answered {record.status}: {body[:200]!r}")
        self.checkins.append(record)
        return record

    async def call_next(self, office_id: str, room_id: str, must_answer: bool = True) -> Called:
        url = f"{self.stack.url('queue')}/api/offices/{office_id}/call-next"
        sent = time.perf_counter()
        async with self.http.post(url, json={"room_id": room_id}) as answer:
            body = orjson.loads(await answer.read())
        called = Called(office_id, sent, time.perf_counter(), answer.status, body.get("event", {}))
        if must_answer and answer.status != 200:
            self.problems.append(f"call-next answered {answer.status}: {body}")
        return called

    async def steady_load(self, rate: float, duration_s: float) -> list[CheckIn]:
        """Open-loop check-ins at `rate` per second over every office, for `duration_s`."""
        total = int(rate * duration_s)
        start = time.perf_counter()
        tasks: list[asyncio.Task[CheckIn]] = []
        for number in range(total):
            due = start + number / rate
            if (delay := due - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.check_in(self.offices[number % len(self.offices)])))
        return list(await asyncio.gather(*tasks))

    def clients(self, kind: str, per_office: int, keep_data: bool = False) -> list[LiveClient]:
        service, path = {"display": ("notify", "display/stream"), "tablet": ("queue", "queue/stream")}[kind]
        base = self.stack.url(service)
        return [
            LiveClient(f"{base}/api/offices/{office_id}/{path}", office_id, keep_data)
            for office_id in self.offices
            for _ in range(per_office)
        ]

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of each service process (and its children), in MB."""
        sizes: dict[str, float] = {}
        for key, child in self.stack.children.items():
            if child.pid is None or key in ("kafka", "redis", "simulator"):
                continue
            sizes[key] = round(_rss_kb(child.pid) / 1024, 1)
        return sizes

    def cpu_s(self) -> dict[str, float]:
        """CPU time (user and system) each process of the system has used so far: the broker, Redis and
        every service, each with its child processes; not the load generator."""
        return {
            key: sum(_cpu_s(pid) for pid in _tree(child.pid))
            for key, child in self.stack.children.items()
            if child.pid is not None and key != "simulator"
        }


TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    pids, at = [pid], 0
    while at < len(pids):
        for task in Path(f"/proc/{pids[at]}/task").glob("*"):
            with contextlib.suppress(OSError):  # gone meanwhile
                pids += [int(c) for c in (task / "children").read_text().split()]
        at += 1
    return pids


def _cpu_s(pid: int) -> float:
    try:
        # after the command's closing parenthesis: state is field 3, utime and stime fields 14 and 15
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


TICKET = b'"ticket":"'


def event_ticket(data: bytes) -> str | None:
    """The ticket of the event a live frame carries (the frame may also hold a whole board)."""
    start = data.find(b'"event":{')
    if start < 0:
        return None
    at = data.find(TICKET, start)
    if at < 0:
        return None
    at += len(TICKET)
    return data[at : data.find(b'"', at)].decode()
