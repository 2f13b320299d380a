"""What became of a visit, in the outcomes the offices name (docs/METRICS.md, *Outcomes*). Pure.

A host steers a visitor at check-in (`VisitRedirected.alternative`) or records how a conversation
ended (`ServiceCompleted.outcome`); both land on one of five outcomes. The day's flat counters keep
what the events said (`alternative:*`, `outcome:*`), so the mapping is applied when a figure is read,
to every stored day alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from visitflow_events import Alternative, Outcome


class VisitOutcome(StrEnum):
    SELF_SERVICE_ONLINE = "self_service_online"  # at home, on nav.no
    SELF_SERVICE_PC = "self_service_pc"  # a public PC in the waiting room, with help
    CONTACT_CENTRE = "contact_centre"
    APPOINTMENT_BOOKED = "appointment_booked"
    SERVED = "served"  # helped in the office


SELF_SERVICE = (VisitOutcome.SELF_SERVICE_ONLINE, VisitOutcome.SELF_SERVICE_PC)

AT_CHECK_IN: Mapping[Alternative, VisitOutcome] = {
    Alternative.SELF_SERVICE_ONLINE: VisitOutcome.SELF_SERVICE_ONLINE,
    Alternative.SELF_SERVICE_PC: VisitOutcome.SELF_SERVICE_PC,
    Alternative.CONTACT_CENTRE: VisitOutcome.CONTACT_CENTRE,
    Alternative.BOOK_APPOINTMENT: VisitOutcome.APPOINTMENT_BOOKED,
}
# A completion names no place for self-service: the visitor has had the office's help, and is steered to
# doing it themselves, at home (a public PC is named by a redirect at check-in).
AFTER_CONVERSATION: Mapping[Outcome, VisitOutcome] = {
    Outcome.STEERED_TO_SELF_SERVICE: VisitOutcome.SELF_SERVICE_ONLINE,
    Outcome.REFERRED_TO_CONTACT_CENTRE: VisitOutcome.CONTACT_CENTRE,
    Outcome.APPOINTMENT_BOOKED: VisitOutcome.APPOINTMENT_BOOKED,
    Outcome.SERVED: VisitOutcome.SERVED,
}


def redirected_to(alternative: Alternative) -> str:
    """The flat counter of redirects to `alternative`."""
    return f"alternative:{alternative.value}"


def completed_as(outcome: Outcome) -> str:
    """The flat counter of completions with `outcome`."""
    return f"outcome:{outcome.value}"


def outcome_counts(counters: Mapping[str, int]) -> dict[str, int]:
    """Every outcome's count (zero included) from an office-day's (or a region's summed) flat counters."""
    counts = dict.fromkeys(VisitOutcome, 0)
    for alternative, outcome in AT_CHECK_IN.items():
        counts[outcome] += counters.get(redirected_to(alternative), 0)
    for ending, outcome in AFTER_CONVERSATION.items():
        counts[outcome] += counters.get(completed_as(ending), 0)
    return {outcome.value: n for outcome, n in counts.items()}


def self_service(outcomes: Mapping[str, int]) -> int:
    """Steered to self-service: at home or at a public PC."""
    return sum(outcomes[outcome.value] for outcome in SELF_SERVICE)
