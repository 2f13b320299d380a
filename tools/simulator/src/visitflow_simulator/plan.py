"""A realistic office day, planned in advance from the figures in docs/DOMAIN.md (pure, seeded).

Counts are exact, not drawn, so a simulated day has a known ground truth: NAV Halden plays its
`expected_drop_ins_per_day` (100) drop-ins, 44 % of them to deliver documents or ask about their case,
and hosts steer 10 % of all drop-ins to self-service at the door.

Appointments are booked ahead (the booking import) and then played: most visitors come a little early,
some late (within the office's late window), and some not at all, which the queue records as missed.
The shares are assumptions of the order public services report for booked meetings, not measured here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from visitflow_events import Alternative, Reason, VisitKind
from visitflow_offices import OSLO, Office
from visitflow_offices.calendar import Span, office_hours

# Why drop-in visitors come (percent): documents and case status together are 44 % (NAV Halden).
DROP_IN_REASONS: dict[Reason, int] = {
    Reason.DELIVER_DOCUMENTS: 24,
    Reason.CASE_STATUS: 20,
    Reason.SELF_SERVICE_HELP: 12,
    Reason.JOB_SEEKING: 12,
    Reason.BENEFIT_QUESTION: 12,
    Reason.SOCIAL_ASSISTANCE: 12,
    Reason.OTHER: 8,
}
REDIRECT_SHARE = 0.10  # of drop-ins, steered by the host at the door (mostly documents and status)
APPOINTMENTS_PER_ROOM = 6
EMERGENCIES_PER_DAY = 2
SMS_SHARE = 0.3
NO_SHOW_SHARE = 0.05
APPOINTMENT_LATE_SHARE = 0.15  # arrive 1 to 12 minutes after the start
APPOINTMENT_MISSED_SHARE = 0.08  # booked, and never come
APPOINTMENT_MINUTES = (30, 30, 30, 45, 60)  # a booking's length, drawn from these


@dataclass(frozen=True)
class Arrival:
    at: datetime
    kind: VisitKind
    reason: Reason
    redirect_to: Alternative | None = None
    appointment_at: datetime | None = None
    counsellor_id: str | None = None
    sms: bool = False
    shows_up: bool = True  # False: checked in, then gone when called
    booking_id: str | None = None  # an appointment booked ahead through the import, by its reference
    duration_minutes: int = 30
    comes: bool = True  # False: booked, and the visitor never comes (missed)

    def booking(self, office_id: str) -> dict[str, object]:
        """The booking as the booking system imports it."""
        assert self.booking_id is not None
        assert self.appointment_at is not None
        return {
            "booking_id": self.booking_id,
            "office_id": office_id,
            "counsellor_id": self.counsellor_id,
            "starts_at": self.appointment_at.isoformat(),
            "duration_minutes": self.duration_minutes,
            "reason": self.reason.value,
        }

    def body(self, reference: str, phone: str) -> dict[str, object]:
        body: dict[str, object] = {"kind": self.kind.value, "reason": self.reason.value}
        if self.redirect_to is not None:
            body["redirect_to"] = self.redirect_to.value
        if self.appointment_at is not None:
            body["appointment"] = {
                "reference": reference,
                "starts_at": self.appointment_at.isoformat(),
                "counsellor_id": self.counsellor_id,
            }
        if self.sms:
            body["sms"] = {"phone": phone}
        return body


def booking_reference(number: int, day: date | None = None) -> str:
    """The reference of the booking of a day's `number`th arrival, in the check-in's format: SIM-A0042,
    or with the day in its letters (SIBC-A0042), so that each day's bookings are new bookings."""
    prefix = "SIM"
    if day is not None:
        ordinal = day.toordinal()
        prefix = f"SI{chr(ord('A') + ordinal % 26)}{chr(ord('A') + ordinal // 26 % 26)}"
    return f"{prefix}-{chr(ord('A') + number // 10_000 % 26)}{number % 10_000:04d}"


def apportion(total: int, weights: dict[Reason, int]) -> dict[Reason, int]:
    """Splits `total` by weight with the largest-remainder method, so the parts add up exactly."""
    whole = sum(weights.values())
    exact = {reason: total * weight / whole for reason, weight in weights.items()}
    counts = {reason: int(value) for reason, value in exact.items()}
    for reason in sorted(exact, key=lambda r: exact[r] - counts[r], reverse=True)[
        : total - sum(counts.values())
    ]:
        counts[reason] += 1
    return counts


def _moment(rng: random.Random, day: date, spans: tuple[Span, ...], zone: ZoneInfo) -> datetime:
    seconds = [(s, (datetime.combine(day, s.end) - datetime.combine(day, s.start)).seconds) for s in spans]
    pick = rng.uniform(0, sum(length for _, length in seconds))
    for span, length in seconds:
        if pick <= length:
            return datetime.combine(day, span.start, tzinfo=zone) + timedelta(seconds=pick)
        pick -= length
    raise AssertionError("unreachable")


def plan_day(
    office: Office, day: date, seed: int = 0, scale: float = 1.0, zone: ZoneInfo = OSLO
) -> list[Arrival]:
    """Every arrival of one office day, in time order. An empty list on a closed day."""
    rng = random.Random(f"{office.id}:{day}:{seed}")
    noon = office_hours(office, datetime.combine(day, time(12, 0), tzinfo=zone), zone)
    opening, drop_in = noon.opening_today, noon.drop_in_today
    if not opening:
        return []
    arrivals: list[Arrival] = []
    drop_ins = round(office.expected_drop_ins_per_day * scale) if drop_in else 0
    reasons = [reason for reason, n in apportion(drop_ins, DROP_IN_REASONS).items() for _ in range(n)]
    rng.shuffle(reasons)
    steer = set(rng.sample(range(drop_ins), round(drop_ins * REDIRECT_SHARE))) if drop_ins else set()
    for index, reason in enumerate(reasons):
        arrivals.append(
            Arrival(
                at=_moment(rng, day, drop_in, zone),
                kind=VisitKind.DROP_IN,
                reason=reason,
                redirect_to=(
                    Alternative.SELF_SERVICE_PC if office.public_pcs else Alternative.SELF_SERVICE_ONLINE
                )
                if index in steer
                else None,
                sms=rng.random() < SMS_SHARE,
                shows_up=rng.random() >= NO_SHOW_SHARE,
            )
        )
    rooms = sum(1 for room in office.rooms if room.kind.value == "conversation")
    counsellors = office.counsellors[:rooms]  # one at work per conversation room
    first, last = opening[0].start, opening[-1].end
    slots = [datetime.combine(day, first, tzinfo=zone) + timedelta(minutes=30 * n) for n in range(1, 15)]
    slots = [slot for slot in slots if slot.time() < last]
    for n in range(round(rooms * APPOINTMENTS_PER_ROOM * scale)):
        starts = rng.choice(slots)
        late = rng.random() < APPOINTMENT_LATE_SHARE
        offset = timedelta(minutes=rng.uniform(1, 12) if late else -rng.uniform(2, 20))
        arrivals.append(
            Arrival(
                at=starts + offset,
                kind=VisitKind.APPOINTMENT,
                reason=Reason.COUNSELLOR_APPOINTMENT,
                appointment_at=starts,
                counsellor_id=counsellors[n % len(counsellors)].id if counsellors else None,
                sms=rng.random() < SMS_SHARE,
                booking_id=booking_reference(n, day) if counsellors else None,
                duration_minutes=rng.choice(APPOINTMENT_MINUTES),
                comes=rng.random() >= APPOINTMENT_MISSED_SHARE,
            )
        )
    for _ in range(round(EMERGENCIES_PER_DAY * scale)):
        arrivals.append(
            Arrival(
                at=_moment(rng, day, opening, zone),
                kind=VisitKind.EMERGENCY,
                reason=Reason.EMERGENCY_ASSISTANCE,
            )
        )
    return sorted(arrivals, key=lambda arrival: arrival.at)
