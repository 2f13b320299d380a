"""Who is called next: emergencies first, appointments by their time, then first come, first served.

Each line says its priority and its order (`fifo` or `appointment_time`) in the office configuration.
"""

from __future__ import annotations

from datetime import datetime

from visitflow_offices import Office, QueueOrder

from .state import OfficeQueue, OpenVisit


def call_order_key(office: Office, visit: OpenVisit) -> tuple[int, datetime, datetime, str]:
    line = office.line(visit.line_id)
    priority = line.priority if line else 99
    first = visit.checked_in_at
    if line is not None and line.order is QueueOrder.APPOINTMENT_TIME and visit.appointment_at is not None:
        first = visit.appointment_at
    return (priority, first, visit.checked_in_at, visit.ticket)


def waiting_in_order(
    state: OfficeQueue, office: Office, line_id: str | None = None, counsellor_id: str | None = None
) -> list[OpenVisit]:
    candidates = [
        visit
        for visit in state.waiting()
        if (line_id is None or visit.line_id == line_id)
        and (counsellor_id is None or visit.counsellor_id in (None, counsellor_id))
    ]
    if counsellor_id is not None:  # a counsellor's own appointments before anyone else's
        return sorted(candidates, key=lambda v: (v.counsellor_id != counsellor_id, call_order_key(office, v)))
    return sorted(candidates, key=lambda v: call_order_key(office, v))
