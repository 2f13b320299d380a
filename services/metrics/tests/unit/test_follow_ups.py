"""Open follow-ups as Prometheus sees them: how many per office, and the office's opening time since the
oldest came (nights, weekends and holidays count nothing), which the follow-up alert watches."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from visitflow_metrics.adapters.exporter import OfficeFigures
from visitflow_metrics.domain import (
    OfficeDays,
    empty_summary,
    oldest_open_seconds,
    open_follow_ups,
    opening_seconds,
)
from visitflow_offices import OSLO, load_offices
from visitflow_platform.settings import DEFAULT_OFFICES_FILE

OFFICES = load_offices(DEFAULT_OFFICES_FILE)
LOTEN = OFFICES.offices["loten"]  # open weekdays 08:00-15:30
HOUR = 3600


def oslo(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=OSLO)


def test_opening_time_counts_only_the_hours_the_office_is_open() -> None:
    assert opening_seconds(LOTEN, oslo(23, 9), oslo(23, 10, 30), OSLO) == 90 * 60
    assert opening_seconds(LOTEN, oslo(23, 15, 20), oslo(24, 9), OSLO) == 10 * 60 + HOUR  # the night is free
    assert opening_seconds(LOTEN, oslo(27, 15), oslo(30, 8, 30), OSLO) == 30 * 60 + 30 * 60  # Fri to Mon
    assert opening_seconds(LOTEN, oslo(23, 16), oslo(23, 23), OSLO) == 0
    assert (
        opening_seconds(
            LOTEN, datetime(2026, 12, 23, 15, tzinfo=OSLO), datetime(2026, 12, 28, 8, tzinfo=OSLO), OSLO
        )
        == 30 * 60
    )  # Christmas


def test_the_oldest_follow_up_counts_and_none_is_zero() -> None:
    newer, older = uuid4(), uuid4()
    days = OfficeDays(follow_ups={newer: oslo(23, 15), older: oslo(23, 14)}, follow_ups_version=2)
    follow_ups = open_follow_ups("loten", days)

    assert follow_ups.since == (oslo(23, 14), oslo(23, 15))
    assert oldest_open_seconds(follow_ups, LOTEN, oslo(24, 8, 30), OSLO) == 90 * 60 + 30 * 60
    assert oldest_open_seconds(None, LOTEN, oslo(24, 8, 30), OSLO) == 0
    assert oldest_open_seconds(open_follow_ups("loten", OfficeDays()), LOTEN, oslo(24, 8, 30), OSLO) == 0


def test_the_exporter_shows_each_offices_open_follow_ups_and_the_oldests_opening_time() -> None:
    day = date(2026, 11, 24)
    offices = [LOTEN, OFFICES.offices["halden"]]
    follow_ups = {
        "loten": open_follow_ups(
            "loten", OfficeDays(follow_ups={uuid4(): oslo(23, 15)}, follow_ups_version=1)
        )
    }
    registry = CollectorRegistry()
    registry.register(
        OfficeFigures(
            lambda: [(office, empty_summary(office.id, day)) for office in offices],
            lambda: oslo(24, 9).astimezone(UTC),
            lambda: follow_ups,
            OSLO,
        )
    )

    samples = {
        (sample.name, sample.labels["office"]): sample.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for sample in family.samples
        if "follow_up" in sample.name
    }

    assert samples == {
        ("visitflow_office_follow_ups_open", "loten"): 1,
        ("visitflow_office_follow_ups_open", "halden"): 0,
        ("visitflow_office_oldest_follow_up_open_time_seconds", "loten"): 30 * 60 + HOUR,
        ("visitflow_office_oldest_follow_up_open_time_seconds", "halden"): 0,
    }
