"""Every office's figures of today for Prometheus (labels office, region, kind, reason, outcome, line,
counsellor; never anything per visit), and its open follow-ups, from values refreshed in the
background. Served only to the scraper role (`/metrics/offices`), never on the public `/metrics`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from visitflow_events import Reason, VisitKind
from visitflow_offices import Office

from ..domain import DaySummary, OpenFollowUps, kpis, longest_wait_s, oldest_open_seconds

OFFICE = ["office", "region"]


class OfficeFigures(Collector):
    def __init__(
        self,
        today: Callable[[], list[tuple[Office, DaySummary]]],
        now: Callable[[], datetime],
        follow_ups: Callable[[], Mapping[str, OpenFollowUps]],
        zone: ZoneInfo,
    ) -> None:
        self._today = today
        self._now = now
        self._follow_ups = follow_ups
        self._zone = zone

    def collect(self) -> Iterator[GaugeMetricFamily]:
        def gauge(
            name: str, documentation: str, extra: tuple[str, ...] = (), unit: str = ""
        ) -> GaugeMetricFamily:
            return GaugeMetricFamily(name, documentation, labels=[*OFFICE, *extra], unit=unit)

        in_office = gauge("visitflow_office_visitors_in_office", "Visitors queued and not yet gone")
        waiting = gauge("visitflow_office_visitors_waiting", "Visitors waiting to be called")
        longest = gauge("visitflow_office_longest_wait", "The longest current wait", unit="seconds")
        arrivals = gauge("visitflow_office_arrivals_today", "Arrivals today, by kind of visit", ("kind",))
        reasons = gauge(
            "visitflow_office_drop_in_reasons_today", "Drop-in arrivals today, by reason", ("reason",)
        )
        drop_ins = gauge("visitflow_office_drop_ins_today", "Drop-in arrivals today (redirected included)")
        target = gauge("visitflow_office_drop_in_target", "The office's drop-in target per day")
        redirected = gauge(
            "visitflow_office_redirected_today", "Visitors steered elsewhere at check-in today"
        )
        outcomes = gauge(
            "visitflow_office_outcomes_today",
            "Visits today by outcome, steered at check-in or after a conversation",
            ("outcome",),
        )
        steered = gauge(
            "visitflow_office_steered_to_self_service_today",
            "Steered to self-service today, at home or at a public PC",
        )
        no_shows = gauge("visitflow_office_no_shows_today", "No-shows today")
        called = gauge("visitflow_office_called_today", "Visitors called for the first time today")
        service_level = gauge(
            "visitflow_office_service_level_ratio", "Share of today's first calls within the office's target"
        )
        wait_median = gauge(
            "visitflow_office_wait_median", "Median wait today, check-in to first call", ("line",), "seconds"
        )
        wait_p90 = gauge(
            "visitflow_office_wait_p90",
            "90th percentile wait today, check-in to first call",
            ("line",),
            "seconds",
        )
        service_median = gauge(
            "visitflow_office_service_time_median", "Median service time today", ("line",), "seconds"
        )
        estimate_error = gauge(
            "visitflow_office_estimate_abs_error_mean",
            "Today's waits against the wait quoted at check-in, mean absolute error (line all: every line)",
            ("line",),
            "seconds",
        )
        estimate_bias = gauge(
            "visitflow_office_estimate_bias",
            "Today's quoted minus actual waits, on average (above zero: waits shorter than quoted)",
            ("line",),
            "seconds",
        )
        estimate_within = gauge(
            "visitflow_office_estimate_within_5_min_ratio",
            "Share of today's waits within five minutes of the wait quoted at check-in",
            ("line",),
        )
        estimate_said_held = gauge(
            "visitflow_office_estimate_said_held_ratio",
            "Share of today's waits within what the visitor was told at check-in (the figure or range the "
            "screens said, give or take the rounding)",
            ("line",),
        )
        follow_ups_open = gauge(
            "visitflow_office_follow_ups_open",
            "Emergencies carried over at a day's end and not yet resolved, whatever day they came",
        )
        oldest_follow_up = gauge(
            "visitflow_office_oldest_follow_up_open_time",
            "The office's opening time since its oldest open follow-up was carried over (0 with none)",
            unit="seconds",
        )
        missed = gauge(
            "visitflow_office_appointments_missed_today",
            "Appointments today nobody came for by the start plus the office's grace period",
        )
        missed_rate = gauge(
            "visitflow_office_missed_appointment_ratio",
            "Share of today's decided appointments that were missed (absent before the first)",
        )
        missed_rate_counsellor = gauge(
            "visitflow_office_counsellor_missed_appointment_ratio",
            "Share of a counsellor's decided appointments today that were missed (absent before the first)",
            ("counsellor",),
        )
        now = self._now()
        follow_ups = self._follow_ups()
        for office, summary in self._today():
            labels = [office.id, office.region_id]
            open_ = follow_ups.get(office.id)
            follow_ups_open.add_metric(labels, len(open_.since) if open_ else 0)
            oldest_follow_up.add_metric(labels, oldest_open_seconds(open_, office, now, self._zone))
            k = kpis(summary, office)
            in_office.add_metric(labels, summary.in_office)
            waiting.add_metric(labels, summary.waiting)
            longest.add_metric(labels, longest_wait_s(summary, now))
            for kind in VisitKind:
                arrivals.add_metric([*labels, kind.value], k["arrivals_by_kind"][kind.value])
            for reason in Reason:
                reasons.add_metric([*labels, reason.value], k["drop_in_reasons"][reason.value])
            drop_ins.add_metric(labels, k["drop_ins"])
            target.add_metric(labels, k["drop_in_target"])
            redirected.add_metric(labels, k["redirected"])
            for outcome, count in k["outcomes"].items():
                outcomes.add_metric([*labels, outcome], count)
            steered.add_metric(labels, k["steered_to_self_service"])
            no_shows.add_metric(labels, k["no_shows"])
            called.add_metric(labels, k["called"])
            if k["service_level"] is not None:
                service_level.add_metric(labels, k["service_level"])
            for line, figures in k["waits_by_line"].items():
                wait_median.add_metric([*labels, line], figures["median_s"])
                wait_p90.add_metric([*labels, line], figures["p90_s"])
            for line, figures in k["service_by_line"].items():
                service_median.add_metric([*labels, line], figures["median_s"])
            for line, figures in k["estimates_by_line"].items():
                estimate_error.add_metric([*labels, line], figures["mean_abs_error_s"])
                estimate_bias.add_metric([*labels, line], figures["bias_s"])
                estimate_within.add_metric([*labels, line], figures["within_5_min_share"])
                if figures["said_held_share"] is not None:
                    estimate_said_held.add_metric([*labels, line], figures["said_held_share"])
            missed.add_metric(labels, k["appointments_missed"])
            if k["missed_appointment_rate"] is not None:
                missed_rate.add_metric(labels, k["missed_appointment_rate"])
            for counsellor, figures in k["missed_by_counsellor"].items():
                if figures["missed_rate"] is not None:
                    missed_rate_counsellor.add_metric([*labels, counsellor], figures["missed_rate"])
        yield from (
            in_office,
            waiting,
            longest,
            arrivals,
            reasons,
            drop_ins,
            target,
            redirected,
            outcomes,
            steered,
            no_shows,
            called,
            service_level,
            wait_median,
            wait_p90,
            service_median,
            estimate_error,
            estimate_bias,
            estimate_within,
            estimate_said_held,
            follow_ups_open,
            oldest_follow_up,
            missed,
            missed_rate,
            missed_rate_counsellor,
        )
