"""What the metrics API reads, with a dict as the read model: the days a request may ask for, an
office's day and the daily history, today's figures for the exporter, and the history kept loaded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

import pytest
from visitflow_metrics.domain import DaySummary, OpenFollowUps
from visitflow_metrics.handlers import (
    FIRST_DAY,
    BadRange,
    HistoryReload,
    Overview,
    TodayFigures,
    day_range,
    known_day,
)
from visitflow_offices import FixedClock, load_offices
from visitflow_platform.settings import DEFAULT_OFFICES_FILE

OFFICES = load_offices(DEFAULT_OFFICES_FILE)
NOW = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # Tuesday 00:30 in Oslo, still Monday in UTC
TODAY = date(2026, 11, 24)


class Summaries:
    def __init__(self, *summaries: DaySummary) -> None:
        self.summaries = {(s.office_id, s.business_date): s for s in summaries}
        self.follow_ups: dict[str, OpenFollowUps] = {}

    async def read(self, wanted: Iterable[tuple[str, date]]) -> dict[tuple[str, date], DaySummary]:
        return {key: self.summaries[key] for key in wanted if key in self.summaries}

    async def read_follow_ups(self, office_ids: Iterable[str]) -> dict[str, OpenFollowUps]:
        return {
            office_id: self.follow_ups[office_id] for office_id in office_ids if office_id in self.follow_ups
        }


def summary(office_id: str, day: date, drop_ins: int) -> DaySummary:
    return DaySummary(
        office_id=office_id, business_date=day, version=drop_ins, counters={"drop_ins": drop_ins}
    )


def test_today_is_the_offices_business_day_not_utcs() -> None:
    assert Overview(Summaries(), OFFICES, FixedClock(NOW)).today() == TODAY


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (None, None, (date(2026, 10, 28), TODAY)),  # 28 days to today
        (None, date(2026, 1, 10), (date(2025, 12, 14), date(2026, 1, 10))),
        (date(2026, 11, 1), date(2026, 11, 25), (date(2026, 11, 1), date(2026, 11, 25))),  # tomorrow
        (None, date(2026, 11, 26), BadRange(f"Ask for days from {FIRST_DAY} to tomorrow.")),
        (date(1999, 12, 31), None, BadRange(f"Ask for days from {FIRST_DAY} to tomorrow.")),
        (date(2026, 11, 2), date(2026, 11, 1), BadRange("`from` must not be after `to`.")),
        (date(2026, 1, 1), date(2026, 1, 31), BadRange("Ask for at most 30 days at a time.")),
        (date(2026, 1, 1), date(2026, 1, 30), (date(2026, 1, 1), date(2026, 1, 30))),
    ],
)
def test_a_history_asks_for_known_days_in_order_and_not_too_many(
    first: date | None, last: date | None, expected: tuple[date, date] | BadRange
) -> None:
    assert day_range(first, last, TODAY, 30) == expected


def test_the_first_day_of_a_default_range_is_never_before_the_first_day_there_is() -> None:
    assert day_range(None, date(2000, 1, 5), TODAY, 30) == (FIRST_DAY, date(2000, 1, 5))
    assert known_day(FIRST_DAY, TODAY) == FIRST_DAY


async def test_an_office_without_visits_has_an_empty_day_and_the_history_leaves_such_days_out() -> None:
    halden, moss = OFFICES.office("halden"), OFFICES.office("moss")
    assert halden is not None
    assert moss is not None
    overview = Overview(Summaries(summary("halden", date(2026, 11, 20), 7)), OFFICES, FixedClock(NOW))
    [(_, empty)] = await overview.days([moss], TODAY)
    assert (empty.office_id, empty.business_date, empty.counters) == ("moss", TODAY, {})
    rows = await overview.history([halden, moss], date(2026, 11, 19), TODAY)
    assert [(row["office_id"], row["business_date"]) for row in rows] == [("halden", "2026-11-20")]


async def test_the_trend_counts_todays_drop_ins_of_the_offices_asked_for() -> None:
    halden, moss = OFFICES.office("halden"), OFFICES.office("moss")
    assert halden is not None
    assert moss is not None
    store = Summaries(
        summary("halden", TODAY, 3), summary("moss", TODAY, 4), summary("halden", date(2026, 11, 2), 9)
    )
    trend = await Overview(store, OFFICES, FixedClock(NOW)).trend([halden], 2)
    assert trend["today"] == {"business_date": "2026-11-24", "drop_ins": 3}
    assert len(trend["weeks"]) == 2


async def test_todays_figures_are_every_offices_day_and_follow_ups_as_last_refreshed() -> None:
    store = Summaries(summary("halden", TODAY, 5))
    figures = TodayFigures(Overview(store, OFFICES, FixedClock(NOW)), OFFICES)
    await figures.refresh()
    by_id = {office.id: day for office, day in figures.today}
    assert by_id["halden"].counters == {"drop_ins": 5}
    assert by_id.keys() == {office.id for office in OFFICES}
    store.summaries[("halden", TODAY)] = summary("halden", TODAY, 6)
    await figures.refresh()
    assert {office.id: day for office, day in figures.today}["halden"].counters == {"drop_ins": 6}
    assert len(figures.today) == len(list(OFFICES))


class Loaded:
    def __init__(self, loaded: bool) -> None:
        self.loaded = loaded

    async def history_loaded(self) -> bool:
        return self.loaded


async def test_the_history_is_replayed_only_when_the_read_model_lost_it() -> None:
    replays: list[int] = []

    async def replay() -> int:
        replays.append(1)
        return 1

    assert await HistoryReload(Loaded(True), replay, 1.0).once() is False
    assert replays == []
    assert await HistoryReload(Loaded(False), replay, 1.0).once() is True
    assert replays == [1]
