"""The figures the region reads from an office's day summary (definitions in docs/METRICS.md). Pure."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from visitflow_events import Reason, VisitKind
from visitflow_offices import Office, office_hours

from .day import DaySummary
from .footfall import kept_by, missed_by
from .outcomes import VisitOutcome, outcome_counts, self_service

DOCUMENTS_OR_CASE_STATUS = (Reason.DELIVER_DOCUMENTS, Reason.CASE_STATUS)
WAIT_BUCKETS_MIN = (5, 10, 15, 30, 60)  # the wait histogram's upper bounds; one more bucket above


def percentile(samples: Iterable[int], share: float) -> int | None:
    """Nearest rank: the smallest sample with at least `share` of all samples at or below it."""
    ordered = sorted(samples)
    if not ordered:
        return None
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _all(samples: Mapping[str, list[int]]) -> list[int]:
    return [value for values in samples.values() for value in values]


_WAIT_BOUNDS_S = [bound * 60 for bound in WAIT_BUCKETS_MIN]


def wait_histogram(waits: Iterable[int]) -> list[int]:
    """How many waits fell in each bucket: at most each bound, then above the last."""
    counts = [0] * (len(WAIT_BUCKETS_MIN) + 1)
    for seconds in waits:
        counts[bisect_left(_WAIT_BOUNDS_S, seconds)] += 1  # the first bound not below it
    return counts


def empty_summary(office_id: str, day: date) -> DaySummary:
    return DaySummary(office_id=office_id, business_date=day, version=0)


def kpis(summary: DaySummary, office: Office) -> dict[str, Any]:
    """An office-day's KPIs: the figures of the API, the CSV export and Prometheus."""
    c = summary.counters
    drop_ins = c.get("drop_ins", 0)
    documents_or_status = sum(c.get(f"drop_in_reason:{r.value}", 0) for r in DOCUMENTS_OR_CASE_STATUS)
    waits = _all(summary.waits_s)
    outcomes = outcome_counts(c)
    return {
        "arrivals": c.get("arrivals", 0),
        "arrivals_by_kind": {kind.value: c.get(f"kind:{kind.value}", 0) for kind in VisitKind},
        "drop_ins": drop_ins,
        "drop_in_target": office.drop_in_target_per_day,
        "drop_ins_over_target": max(0, drop_ins - office.drop_in_target_per_day),
        "drop_in_reasons": {r.value: c.get(f"drop_in_reason:{r.value}", 0) for r in Reason},
        "reasons": {r.value: c.get(f"reason:{r.value}", 0) for r in Reason},
        "documents_or_case_status": documents_or_status,
        "documents_or_case_status_share": ratio(documents_or_status, drop_ins),
        "redirected": c.get("redirected", 0),
        "outcomes": outcomes,
        "steered_to_self_service": self_service(outcomes),
        "steered_to_self_service_share": ratio(self_service(outcomes), c.get("arrivals", 0)),
        "queued": c.get("queued", 0),
        "called": c.get("called", 0),
        "called_within_target": c.get("called_within_target", 0),
        "service_level": ratio(c.get("called_within_target", 0), c.get("called", 0)),
        "service_level_minutes": office.policy.service_level_minutes,
        "completed": c.get("completed", 0),
        "no_shows": c.get("no_shows", 0),
        "cancelled": c.get("cancelled", 0),
        "wait_median_s": percentile(waits, 0.5),
        "wait_p90_s": percentile(waits, 0.9),
        "waits_by_line": {
            line: {
                "median_s": percentile(values, 0.5),
                "p90_s": percentile(values, 0.9),
                "count": len(values),
            }
            for line, values in sorted(summary.waits_s.items())
        },
        "service_by_line": {
            line: {
                "median_s": percentile(values, 0.5),
                "p90_s": percentile(values, 0.9),
                "count": len(values),
            }
            for line, values in sorted(summary.service_s.items())
        },
        "estimates_by_line": estimate_accuracy(summary.quote_errors_s, summary.quotes_held),
        **missed_appointments(c, office),
    }


def missed_appointments(c: Mapping[str, int], office: Office) -> dict[str, Any]:
    """Appointments kept (checked in for) and missed (nobody came by the start plus the grace period),
    and the missed share of those, for the office and each of its counsellors."""
    kept, missed = c.get("appointments_kept", 0), c.get("appointments_missed", 0)
    by_counsellor = {}
    for counsellor in office.counsellors:
        mine_kept, mine_missed = c.get(kept_by(counsellor.id), 0), c.get(missed_by(counsellor.id), 0)
        by_counsellor[counsellor.id] = {
            "kept": mine_kept,
            "missed": mine_missed,
            "missed_rate": ratio(mine_missed, mine_kept + mine_missed),
        }
    return {
        "appointments_kept": kept,
        "appointments_missed": missed,
        "missed_appointment_rate": ratio(missed, kept + missed),
        "missed_by_counsellor": by_counsellor,
    }


WITHIN_S = 5 * 60  # the wait came within five minutes of the estimate


def estimate_accuracy(
    errors: dict[str, list[int]], held: dict[str, list[int]] | None = None
) -> dict[str, dict[str, Any]]:
    """Quoted against actual, per line and `all`: how many, the mean absolute error, the bias (quoted
    minus actual: above zero, waits were shorter than said), the share within five minutes and, of
    those whose quote's range is known (`held`: 1 or 0 each), the share for whom what they were told
    held."""
    held = held or {}

    def figures(values: list[int], told: list[int]) -> dict[str, Any]:
        return {
            "count": len(values),
            "mean_abs_error_s": round(sum(map(abs, values)) / len(values)),
            "bias_s": round(sum(values) / len(values)),
            # counted by built-ins (not a generator): a day's samples are hundreds, summed per batch
            "within_5_min_share": round(sum(map(WITHIN_S.__ge__, map(abs, values))) / len(values), 3),
            "said_held_share": round(sum(told) / len(told), 3) if told else None,
        }

    lines = {line: figures(values, held.get(line, [])) for line, values in sorted(errors.items()) if values}
    every = [value for values in errors.values() for value in values]
    told = [value for line in errors for value in held.get(line, [])]
    return {"all": figures(every, told), **lines} if every else {}


def longest_wait_s(summary: DaySummary, now: datetime) -> int:
    since = summary.oldest_waiting_since
    return max(0, round((now - since).total_seconds())) if since else 0


def live_view(summary: DaySummary, office: Office) -> dict[str, Any]:
    """An office's row and chart inputs on the regional dashboard (a live frame; no clock in it)."""
    c = summary.counters
    hourly = {
        hour: {kind.value: counts.get(f"kind:{kind.value}", 0) for kind in VisitKind}
        for hour, counts in sorted(summary.hourly.items())
        if counts.get("arrivals")
    }
    outcomes = outcome_counts(c)
    return {
        "office_id": office.id,
        "name": office.name,
        "business_date": summary.business_date.isoformat(),
        "in_office": summary.in_office,
        "waiting": summary.waiting,
        "in_service": summary.called + summary.in_service,
        "oldest_waiting_since": summary.oldest_waiting_since.isoformat()
        if summary.oldest_waiting_since
        else None,
        "drop_ins": c.get("drop_ins", 0),
        "drop_in_target": office.drop_in_target_per_day,
        "arrivals": c.get("arrivals", 0),
        "drop_in_reasons": {r.value: n for r in Reason if (n := c.get(f"drop_in_reason:{r.value}", 0))},
        "hourly_arrivals": hourly,
        "wait_histogram": wait_histogram(_all(summary.waits_s)),
        "outcomes": outcomes,
        "steered_to_self_service": self_service(outcomes),
        "called": c.get("called", 0),
        "called_within_target": c.get("called_within_target", 0),
        "no_shows": c.get("no_shows", 0),
        "appointments_kept": c.get("appointments_kept", 0),
        "appointments_missed": c.get("appointments_missed", 0),
        "estimates": estimate_accuracy(summary.quote_errors_s, summary.quotes_held).get("all"),
        "staffing": [option.model_dump() for option in summary.staffing],
    }


def region_totals(summaries: Iterable[DaySummary], offices: Mapping[str, Office]) -> dict[str, Any]:
    """Sums over a region's offices, and the region's own wait percentiles over all its samples."""
    listed = list(summaries)
    counters: dict[str, int] = {}
    for summary in listed:
        for name, value in summary.counters.items():
            counters[name] = counters.get(name, 0) + value
    waits = [w for s in listed for w in _all(s.waits_s)]
    drop_ins = counters.get("drop_ins", 0)
    documents_or_status = sum(counters.get(f"drop_in_reason:{r.value}", 0) for r in DOCUMENTS_OR_CASE_STATUS)
    outcomes = outcome_counts(counters)
    return {
        "in_office": sum(s.in_office for s in listed),
        "waiting": sum(s.waiting for s in listed),
        "arrivals": counters.get("arrivals", 0),
        "drop_ins": drop_ins,
        "drop_in_target": sum(offices[s.office_id].drop_in_target_per_day for s in listed),
        "documents_or_case_status_share": ratio(documents_or_status, drop_ins),
        "outcomes": outcomes,
        "steered_to_self_service": self_service(outcomes),
        "service_level": ratio(counters.get("called_within_target", 0), counters.get("called", 0)),
        "no_shows": counters.get("no_shows", 0),
        "wait_median_s": percentile(waits, 0.5),
        "wait_p90_s": percentile(waits, 0.9),
    }


HISTORY_COLUMNS = (
    "business_date",
    "region_id",
    "office_id",
    "arrivals",
    "appointments",
    "drop_ins",
    "emergencies",
    "drop_in_target",
    "documents_or_case_status",
    "documents_or_case_status_share",
    "redirected",
    "steered_to_self_service",
    "steered_to_self_service_share",
    *(f"outcome_{o.value}" for o in VisitOutcome),
    "called",
    "called_within_target",
    "service_level",
    "wait_median_s",
    "wait_p90_s",
    "completed",
    "no_shows",
    *(f"drop_in_reason_{r.value}" for r in Reason),
)


def history_row(summary: DaySummary, office: Office) -> dict[str, Any]:
    """One office-day of the daily history, as the CSV export carries it (columns: HISTORY_COLUMNS)."""
    k = kpis(summary, office)
    row: dict[str, Any] = {
        "business_date": summary.business_date.isoformat(),
        "region_id": office.region_id,
        "office_id": office.id,
        "appointments": k["arrivals_by_kind"][VisitKind.APPOINTMENT.value],
        "emergencies": k["arrivals_by_kind"][VisitKind.EMERGENCY.value],
        **{f"drop_in_reason_{reason}": n for reason, n in k["drop_in_reasons"].items()},
        **{f"outcome_{outcome}": n for outcome, n in k["outcomes"].items()},
    }
    row.update({column: k[column] for column in HISTORY_COLUMNS if column not in row})
    return row


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def drop_in_trend(
    offices: Iterable[Office],
    drop_ins: Mapping[tuple[str, date], int],
    first: date,
    last: date,
    zone: ZoneInfo,
) -> list[dict[str, Any]]:
    """Per week (Monday first): drop-ins recorded and the targets of the days each office had drop-in."""
    weeks: dict[date, dict[str, Any]] = {}
    day = first
    listed = list(offices)
    while day <= last:
        week = weeks.setdefault(week_start(day), {"drop_ins": 0, "target": 0, "drop_in_days": 0})
        for office in listed:
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=zone)
            if office_hours(office, noon, zone).drop_in_today:
                week["target"] += office.drop_in_target_per_day
                week["drop_in_days"] += 1
            week["drop_ins"] += drop_ins.get((office.id, day), 0)
        day += timedelta(days=1)
    return [{"week_start": start.isoformat(), **figures} for start, figures in sorted(weeks.items())]
