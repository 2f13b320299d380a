"""The figures read from office-day summaries: percentiles, KPIs, the live view, the region's totals,
the daily history row and the weekly drop-in trend."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from visitflow_metrics.domain import (
    HISTORY_COLUMNS,
    DaySummary,
    drop_in_trend,
    history_row,
    kpis,
    live_view,
    longest_wait_s,
    percentile,
    region_totals,
    wait_histogram,
)
from visitflow_offices import OSLO, load_offices
from visitflow_platform.settings import DEFAULT_OFFICES_FILE

OFFICES = load_offices(DEFAULT_OFFICES_FILE)
HALDEN = OFFICES.offices["halden"]
DAY = date(2026, 11, 23)


def halden_day(**changes: object) -> DaySummary:
    """The reported Halden day: 100 drop-ins, 44 of them documents or case status, 10 steered away."""
    counters = {
        "arrivals": 102,
        "kind:drop_in": 100,
        "kind:emergency": 2,
        "drop_ins": 100,
        "drop_in_reason:deliver_documents": 24,
        "drop_in_reason:case_status": 20,
        "drop_in_reason:other": 56,
        "redirected": 10,
        "alternative:self_service_pc": 10,
        "outcome:steered_to_self_service": 2,
        "called": 8,
        "called_within_target": 6,
        "no_shows": 1,
    }
    fields: dict[str, object] = {
        "office_id": "halden",
        "business_date": DAY,
        "version": 300,
        "counters": counters,
        "waits_s": {"drop_in": [60, 300, 600, 900, 1200, 2400], "emergency": [0, 30]},
        "service_s": {"drop_in": [600, 720, 900]},
        "in_office": 5,
        "waiting": 3,
        "oldest_waiting_since": datetime(2026, 11, 23, 11, 0, tzinfo=UTC),
    }
    return DaySummary.model_validate({**fields, **changes})


@pytest.mark.parametrize(
    ("samples", "share", "expected"),
    [
        ([], 0.5, None),
        ([7], 0.9, 7),
        ([1, 2, 3, 4], 0.5, 2),
        ([5, 1, 4, 2, 3], 0.5, 3),
        (list(range(1, 11)), 0.9, 9),
    ],
)
def test_percentile_is_the_nearest_rank(samples: list[int], share: float, expected: int | None) -> None:
    assert percentile(samples, share) == expected


def test_the_kpis_of_the_reported_halden_day() -> None:
    figures = kpis(halden_day(), HALDEN)

    assert figures["drop_ins"] == 100
    assert figures["drop_in_target"] == 50
    assert figures["drop_ins_over_target"] == 50
    assert figures["documents_or_case_status"] == 44
    assert figures["documents_or_case_status_share"] == 0.44
    assert figures["redirected"] == 10
    assert figures["steered_to_self_service_share"] == round(12 / 102, 4)
    assert figures["service_level"] == 0.75
    assert figures["wait_median_s"] == 300  # of the 8 waits: 0 30 60 300 600 900 1200 2400
    assert figures["wait_p90_s"] == 2400
    assert figures["waits_by_line"]["drop_in"] == {"median_s": 600, "p90_s": 2400, "count": 6}
    assert figures["service_by_line"]["drop_in"]["median_s"] == 720


def test_an_empty_day_has_no_shares_rather_than_zero() -> None:
    figures = kpis(DaySummary(office_id="halden", business_date=DAY, version=0), HALDEN)

    assert figures["drop_ins"] == 0
    assert figures["documents_or_case_status_share"] is None
    assert figures["service_level"] is None
    assert figures["wait_median_s"] is None


def test_waits_fall_into_minute_buckets() -> None:
    assert wait_histogram([0, 300, 301, 900, 1800, 3600, 3601]) == [2, 1, 1, 1, 1, 1]


def test_the_live_view_and_the_longest_wait() -> None:
    summary = halden_day(hourly={"12": {"arrivals": 3, "kind:drop_in": 2, "kind:emergency": 1}, "13": {}})
    view = live_view(summary, HALDEN)

    assert view["in_office"] == 5
    assert view["drop_ins"] == 100
    assert view["drop_in_target"] == 50
    assert view["hourly_arrivals"] == {"12": {"appointment": 0, "drop_in": 2, "emergency": 1}}
    assert view["drop_in_reasons"] == {"deliver_documents": 24, "case_status": 20, "other": 56}
    assert sum(view["wait_histogram"]) == 8
    assert longest_wait_s(summary, datetime(2026, 11, 23, 11, 40, tzinfo=UTC)) == 2400


def test_region_totals_add_offices_up() -> None:
    other = DaySummary(
        office_id="fredrikstad",
        business_date=DAY,
        version=3,
        counters={"drop_ins": 10, "drop_in_reason:case_status": 6, "called": 2},
        waits_s={"drop_in": [10_000, 20_000]},
        in_office=2,
    )
    totals = region_totals([halden_day(), other], OFFICES.offices)

    assert totals["drop_ins"] == 110
    assert totals["drop_in_target"] == 110
    assert totals["documents_or_case_status_share"] == 0.4545
    assert totals["in_office"] == 7
    assert totals["service_level"] == 0.6
    assert totals["wait_p90_s"] == 10_000


def test_a_history_row_has_every_column() -> None:
    row = history_row(halden_day(), HALDEN)

    assert set(row) == set(HISTORY_COLUMNS)
    assert (row["business_date"], row["region_id"], row["drop_ins"], row["emergencies"]) == (
        "2026-11-23",
        "ostfold",
        100,
        2,
    )
    assert row["drop_in_reason_deliver_documents"] == 24


def test_the_drop_in_trend_counts_targets_only_on_drop_in_days() -> None:
    loten = OFFICES.offices["loten"]  # drop-in Monday, Wednesday and Friday
    weeks = drop_in_trend(
        [loten],
        {("loten", date(2026, 11, 16)): 9, ("loten", date(2026, 11, 23)): 20},
        date(2026, 11, 16),
        date(2026, 11, 23),
        OSLO,
    )

    assert weeks == [
        {"week_start": "2026-11-16", "drop_ins": 9, "target": 36, "drop_in_days": 3},
        {"week_start": "2026-11-23", "drop_ins": 20, "target": 12, "drop_in_days": 1},
    ]
