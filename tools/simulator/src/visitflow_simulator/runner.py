"""Plays planned office days through the public HTTP APIs, on the system's own (injected) clock.

The day's appointments are booked first, through the booking import; then arrivals check in at their
planned time (a drop-in refused by the policy is steered to booking an appointment, as a host would; an
appointment by its booking's reference; a booked visitor who never comes does not), and hosts look at
the live waiting list every `host_step` of simulated time (a minute unless told) and call, start and
complete. So that a day played twice plays the same whatever the machine's pace, the hosts look at
fixed moments of the simulated clock (each whole step), arrivals come halfway between two looks (the
system has half a step to take them in before the next), and the hosts reckon from their own looks.
With an accelerated clock (make run) a day passes in minutes.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, cast

import httpx
from visitflow_offices import Clock, Office, business_date
from visitflow_platform.ids import uuid7

from .hosts import hosts_seed, next_actions
from .plan import Arrival, booking_reference, plan_day

log = logging.getLogger("visitflow.simulator")
BOOKINGS_PER_IMPORT = 50  # a batch well within the import's body limit
LOOK_TRIES, LOOK_PAUSE_S = 100, 0.02  # how long a look waits for the list to show every check-in


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, what: str) -> None:
        self.counts[what] += 1


@dataclass
class OfficeSimulation:
    office: Office
    clock: Clock
    speed: float
    checkin: httpx.AsyncClient
    queue: httpx.AsyncClient
    seed: int = 0
    scale: float = 1.0
    tally: Tally = field(default_factory=Tally)
    no_shows: set[str] = field(default_factory=set)
    host_step: timedelta = timedelta(minutes=1)
    checking_in: int = 0  # check-ins sent and not yet answered
    queued_today: int = 0  # check-ins answered "queued" today

    async def sleep_until(self, moment: datetime) -> None:
        delay = (moment - self.clock.now()).total_seconds() / self.speed
        if delay > 0:
            await asyncio.sleep(delay)

    def _tap(self) -> dict[str, str]:
        """A tap on the host's tablet: a UUIDv7 key, as the tablet makes, from the office's first device."""
        device = {"X-Device-Id": self.office.devices[0].id} if self.office.devices else {}
        return {"Idempotency-Key": str(uuid7()), **device}

    async def arrive(self, arrival: Arrival, number: int) -> None:
        path = f"/api/offices/{self.office.id}/check-ins"
        reference = arrival.booking_id or booking_reference(number)
        body = arrival.body(reference=reference, phone=f"+47 4{number % 10_000_000:07d}")
        self.checking_in += 1
        try:
            answer = await self.checkin.post(path, json=body, headers=self._tap())
            if answer.status_code == 409 and answer.json().get("error") == "drop_in_closed":
                self.tally.add("refused_drop_in")
                body["redirect_to"] = "book_appointment"
                answer = await self.checkin.post(path, json=body, headers=self._tap())
        finally:
            self.checking_in -= 1
        outcome = answer.json().get("outcome", answer.json().get("error", str(answer.status_code)))
        self.tally.add(outcome)
        self.queued_today += outcome == "queued"
        if outcome == "queued" and not arrival.shows_up:
            self.no_shows.add(answer.json()["visit_id"])

    async def book(self, arrivals: list[Arrival]) -> None:
        """Imports the day's bookings still to come, as the booking system would, in batches."""
        now = self.clock.now()
        booked = [
            a.booking(self.office.id)
            for a in arrivals
            if a.booking_id and a.appointment_at and a.appointment_at > now
        ]
        for start in range(0, len(booked), BOOKINGS_PER_IMPORT):
            try:
                answer = await self.checkin.post(
                    "/api/bookings", json={"bookings": booked[start:][:BOOKINGS_PER_IMPORT]}
                )
                self.tally.add(f"booked:{answer.status_code}")
            except httpx.HTTPError as exc:
                self.tally.add("http_error")
                log.warning("booking import failed", extra={"office": self.office.id, "error": repr(exc)})

    async def play_arrivals(self, arrivals: list[Arrival]) -> None:
        for number, arrival in enumerate(arrivals):
            if arrival.at < self.clock.now() - timedelta(minutes=1):
                continue  # planned before the simulation started
            if not arrival.comes:
                self.tally.add("appointment_not_met")
                continue
            await self.sleep_until(self.between_looks(arrival.at))
            try:
                await self.arrive(arrival, number)
            except httpx.HTTPError as exc:
                self.tally.add("http_error")
                log.warning("check-in failed", extra={"office": self.office.id, "error": repr(exc)})

    async def play_room_closures(self, spans: list[tuple[datetime, datetime, tuple[str, ...]]]) -> None:
        """Rooms taken out of service for a while (lunch, a meeting) and back, as a host does on the
        tablet, saying when each will be back (the span's end); a visitor in a room taken out finishes
        their conversation."""
        acts: list[tuple[datetime, str, dict[str, str] | None]] = sorted(
            [
                (start, f"rooms/{room}/close", {"until": end.isoformat()})
                for start, end, rooms in spans
                for room in rooms
            ]
            + [(end, f"rooms/{room}/open", None) for _, end, rooms in spans for room in rooms],
            key=lambda act: (act[0], act[1]),
        )
        for at, path, body in acts:
            await self.sleep_until(self.between_looks(at))
            try:
                answer = await self.queue.post(
                    f"/api/offices/{self.office.id}/{path}", json=body, headers=self._tap()
                )
                self.tally.add(f"{path.rsplit('/', 1)[-1]}:{answer.status_code}")
            except httpx.HTTPError as exc:
                self.tally.add("http_error")
                log.warning("room change failed", extra={"office": self.office.id, "error": repr(exc)})

    def _steps(self, moment: datetime) -> tuple[datetime, float]:
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight, (moment - midnight).total_seconds() // self.host_step.total_seconds()

    def _next_look(self) -> datetime:
        """The next whole `host_step` of the simulated clock (never the moment just looked at)."""
        midnight, steps = self._steps(self.clock.now())
        return midnight + (steps + 1) * self.host_step

    def between_looks(self, moment: datetime) -> datetime:
        """`moment` moved to the middle between two looks of the hosts (by half a step at most): what
        happens there is in the system by the next look, whatever its pace."""
        midnight, steps = self._steps(moment)
        return midnight + (steps + 0.5) * self.host_step

    async def see_list(self) -> dict[str, Any]:
        """The live list once it shows every visitor queued so far: the hosts wait for the check-ins
        still being answered and for the list to count them (`issued_today`), a second or two at most,
        so that a slow moment of the system does not hide an arrival from a look."""
        path = f"/api/offices/{self.office.id}/queue"
        for _ in range(LOOK_TRIES):
            if not self.checking_in:
                snapshot: dict[str, Any] = (await self.queue.get(path)).json()
                if snapshot.get("issued_today", 0) >= self.queued_today:
                    return snapshot
            await asyncio.sleep(LOOK_PAUSE_S)
        return cast("dict[str, Any]", (await self.queue.get(path)).json())

    async def host(self, until: datetime) -> None:
        """The hosts look at the list at each whole `host_step` and act on what they see, reckoning
        walks and conversations from the looks at which they called and started them (`since`), not
        from the system's stamps, which come a moment later or earlier with the machine's pace. A look
        the machine was too slow for is made late, never left out."""
        seed = hosts_seed(self.office.id, self.seed)
        calls = self.office.policy.no_show_after_calls
        since: dict[str, datetime] = {}
        look = self._next_look()
        while look < until:
            await self.sleep_until(look)
            try:
                snapshot = await self.see_list()
                for action in next_actions(snapshot, look, self.no_shows, seed, calls, since):
                    answer = await self.queue.post(
                        f"/api/offices/{self.office.id}/{action.path}", json=action.body
                    )
                    self.tally.add(f"{action.path.rsplit('/', 1)[-1]}:{answer.status_code}")
                    if answer.status_code == 200:
                        for event in answer.json().get("events", []):
                            if "visit_id" in event:
                                since[event["visit_id"]] = look
            except httpx.HTTPError as exc:
                log.warning("host action failed", extra={"office": self.office.id, "error": repr(exc)})
            look += self.host_step

    async def play_day(self) -> None:
        today = business_date(self.clock.now())
        arrivals = plan_day(self.office, today, self.seed, self.scale)
        self.queued_today = 0
        await self.book(arrivals)
        closing = datetime.combine(today, time(17, 0), tzinfo=self.clock.now().tzinfo)
        for arrival in arrivals:
            closing = max(closing, arrival.at + timedelta(hours=1))
        await asyncio.gather(self.play_arrivals(arrivals), self.host(closing))

    async def play(self, days: int | None) -> None:
        played = 0
        while days is None or played < days:
            await self.play_day()
            played += 1
            tomorrow = datetime.combine(
                business_date(self.clock.now()) + timedelta(days=1),
                time(7, 30),
                tzinfo=self.clock.now().tzinfo,
            )
            await self.sleep_until(tomorrow)
