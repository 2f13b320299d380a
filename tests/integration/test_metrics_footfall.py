"""A simulated office day with a known ground truth, played through the real check-in and queue APIs,
shows exactly that truth in the metrics API, the CSV export, Prometheus and the history topic.

NAV Moss (in the config for this test only) plays the Halden figures of the reports: 100 drop-ins, 44
of them to deliver documents or ask about their case, 10 steered to a public PC at the door, and two
emergencies. The planned appointments are left out: the test clock stands at 12:30, so most of them
would be refused as too early or taken as drop-ins when late, which is the check-in's policy, not
the plan's truth.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families
from visitflow_devstack.testing import System, eventually
from visitflow_events import Outcome, Reason, VisitKind
from visitflow_metrics.pacing import BATCH_PAUSE_S
from visitflow_offices import business_date
from visitflow_platform.topics import metrics_history_topic
from visitflow_simulator.plan import plan_day

pytestmark = pytest.mark.integration
OFFICE = "moss"


def scrape(client: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = client.get("/metrics/offices").text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def office_gauge(
    scraped: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **extra: str
) -> float:
    labels = tuple(sorted({"office": OFFICE, "region": "ostfold", **extra}.items()))
    return scraped[(name, labels)]


@pytest.fixture(scope="module")
def played_day(system: System) -> dict[str, Any]:
    """Plays Moss's drop-ins and emergencies, then serves two visitors; returns the footfall answer."""
    office = system.settings.offices.office(OFFICE)
    assert office is not None
    today = business_date(system.clock.now())
    arrivals = [a for a in plan_day(office, today) if a.kind is not VisitKind.APPOINTMENT]
    assert len(arrivals) == 102
    played_from = time.monotonic()
    for number, arrival in enumerate(arrivals):
        body = dataclasses.replace(arrival, sms=False).body(reference="-", phone="")
        answer = system.check_in(OFFICE, body, key=f"metrics-moss-{number:04d}")
        assert answer.status_code == 201, answer.text

    for room, outcome in (
        ("samtalerom-1", Outcome.SERVED),
        ("samtalerom-2", Outcome.STEERED_TO_SELF_SERVICE),
    ):
        call = system.command(OFFICE, "call-next", {"room_id": room}, key=f"metrics-moss-call-{room}")
        assert call.status_code == 200, call.text
        visit_id = call.json()["event"]["visit_id"]
        done = system.command(
            OFFICE, f"visits/{visit_id}/complete", {"outcome": outcome.value}, key=f"metrics-moss-done-{room}"
        )
        assert done.status_code == 200, done.text

    def settled() -> dict[str, Any] | None:
        answer = system.metrics.get(f"/api/offices/{OFFICE}/footfall").json()
        kpis = answer["kpis"]
        return answer if kpis["arrivals"] == 102 and kpis["completed"] == 2 else None

    footfall = eventually(settled, timeout_s=30, what="Moss's day in the metrics API")
    return {**footfall, "played_from": played_from}


def test_the_api_shows_the_ground_truth(played_day: dict[str, Any]) -> None:
    kpis = played_day["kpis"]
    live = played_day["live"]

    assert kpis["drop_ins"] == 100
    assert kpis["arrivals_by_kind"] == {"appointment": 0, "drop_in": 100, "emergency": 2}
    assert kpis["documents_or_case_status"] == 44
    assert kpis["documents_or_case_status_share"] == 0.44
    assert kpis["redirected"] == 10
    assert kpis["steered_to_self_service"] == 11  # 10 at the door, 1 completed as steered
    assert kpis["drop_in_target"] == 50
    assert kpis["drop_ins_over_target"] == 50
    assert kpis["queued"] == 92
    assert kpis["called"] == 2
    assert kpis["service_level"] == 1.0  # both called at once, well within 15 minutes
    assert kpis["waits_by_line"]["emergency"]["count"] == 2  # emergencies are called first
    assert live["in_office"] == live["waiting"] == 90
    assert live["longest_wait_s"] >= 0


def test_the_csv_export_shows_the_ground_truth(system: System, played_day: dict[str, Any]) -> None:
    day = played_day["business_date"]
    answer = system.metrics.get("/api/regions/ostfold/history.csv", params={"from": day, "to": day})

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = [row for row in csv.DictReader(io.StringIO(answer.text)) if row["office_id"] == OFFICE]
    assert len(rows) == 1
    row = rows[0]
    assert (row["business_date"], row["region_id"]) == (day, "ostfold")
    assert row["drop_ins"] == "100"
    assert row["documents_or_case_status"] == "44"
    assert row["documents_or_case_status_share"] == "0.44"
    assert row["redirected"] == "10"
    assert row["emergencies"] == "2"
    assert int(row["drop_in_reason_deliver_documents"]) + int(row["drop_in_reason_case_status"]) == 44


def test_prometheus_shows_the_ground_truth(system: System, played_day: dict[str, Any]) -> None:
    def current() -> dict[tuple[str, tuple[tuple[str, str], ...]], float] | None:
        """The figures once both calls and the last completion (steered to self-service, after the ten
        at the door) are counted: the calls alone may be scraped before their completions."""
        scraped = scrape(system.metrics)
        labels = (("office", OFFICE), ("region", "ostfold"))
        called = scraped.get(("visitflow_office_called_today", labels))
        steered = scraped.get(("visitflow_office_steered_to_self_service_today", labels))
        return scraped if (called, steered) == (2, 11) else None

    scraped = eventually(current, what="Moss's figures for Prometheus")

    assert office_gauge(scraped, "visitflow_office_drop_ins_today") == 100
    assert office_gauge(scraped, "visitflow_office_drop_in_target") == 50
    assert office_gauge(scraped, "visitflow_office_redirected_today") == 10
    assert office_gauge(scraped, "visitflow_office_arrivals_today", kind="emergency") == 2
    documents_or_status = sum(
        office_gauge(scraped, "visitflow_office_drop_in_reasons_today", reason=reason.value)
        for reason in (Reason.DELIVER_DOCUMENTS, Reason.CASE_STATUS)
    )
    assert documents_or_status == 44
    assert office_gauge(scraped, "visitflow_office_visitors_in_office") == 90
    assert office_gauge(scraped, "visitflow_office_service_level_ratio") == 1.0


def test_the_history_topic_holds_the_day_and_rebuilds_a_lost_read_model(
    system: System, played_day: dict[str, Any]
) -> None:
    day = played_day["business_date"]
    summaries = [
        orjson.loads(value)
        for value in system.read_topic(metrics_history_topic(system.settings.topic_prefix))
    ]
    moss = [s for s in summaries if s["office_id"] == OFFICE and s["business_date"] == day]
    newest = max(moss, key=lambda s: s["version"])
    # one summary per batch that changed the day, and a batch at most every BATCH_PAUSE_S (the 102
    # check-ins came one at a time, each in two records)
    assert len(moss) <= (time.monotonic() - played_day["played_from"]) / BATCH_PAUSE_S + 2
    assert newest["counters"]["drop_ins"] == 100
    assert newest["counters"]["redirected"] == 10

    system.redis.delete(f"vf:metrics:{OFFICE}:{day}", f"vf:metrics:{OFFICE}:{day}:summary")
    lost = system.metrics.get(f"/api/offices/{OFFICE}/footfall").json()
    assert lost["kpis"]["drop_ins"] == 0

    rebuild = subprocess.run(
        [sys.executable, "-m", "visitflow_metrics", "rebuild"],
        env={**os.environ, **system.stack.env()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rebuild.returncode == 0, rebuild.stderr
    rebuilt = system.metrics.get(f"/api/offices/{OFFICE}/footfall").json()
    assert rebuilt["kpis"] == played_day["kpis"]


def test_the_region_stream_sends_a_snapshot_then_each_change(system: System) -> None:
    with system.live(system.metrics, "/api/regions/agder/stream") as frames:
        first = next(frames)
        assert first["event"] == "clock"
        snapshot = next(frames)
        assert snapshot["event"] == "snapshot"
        offices = {o["office_id"]: o for o in orjson.loads(snapshot["data"])["offices"]}
        assert set(offices) == {"arendal", "kristiansand"}
        before = offices["arendal"]["drop_ins"]

        answer = system.check_in("arendal", {"kind": "drop_in", "reason": "case_status"})
        assert answer.status_code == 201, answer.text

        for frame in frames:
            if frame["event"] != "office":
                continue
            changed = orjson.loads(frame["data"])
            if changed["office_id"] == "arendal" and changed["drop_ins"] == before + 1:
                break
        assert frame["id"]  # office frames carry an id to resume from
        assert changed["drop_in_reasons"]["case_status"] >= 1


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/regions/nowhere/today", 404, "unknown_region"),
        ("/api/regions/ostfold/history.csv?from=2026-11-23&to=2026-11-01", 422, "invalid_range"),
        ("/api/regions/ostfold/history?from=2020-01-01&to=2026-11-23", 422, "invalid_range"),
        ("/api/regions/ostfold/history?from=yesterday", 422, "invalid_request"),
        ("/api/regions/ostfold/drop-in-trend?weeks=0", 422, "invalid_request"),
        ("/api/offices/nowhere/history.csv", 404, "unknown_office"),
        ("/api/offices/nowhere/footfall", 404, "unknown_office"),
        ("/dashboard?region=nowhere", 404, "unknown_region"),
        # days outside what a history can hold: before 2000, after tomorrow (and past the calendar's end)
        ("/api/regions/ostfold/history?to=0001-01-05", 422, "invalid_range"),
        ("/api/regions/ostfold/history.csv?to=0001-01-05", 422, "invalid_range"),
        ("/api/offices/moss/history.csv?to=0001-01-05", 422, "invalid_range"),
        ("/api/regions/ostfold/history?from=1999-12-31&to=2000-01-02", 422, "invalid_range"),
        ("/api/regions/ostfold/history?from=9999-12-31&to=9999-12-31", 422, "invalid_range"),
        ("/api/regions/ostfold/history.csv?from=2026-11-25&to=2026-11-25", 422, "invalid_range"),
        ("/api/offices/moss/history.csv?from=9999-12-31", 422, "invalid_range"),
        ("/api/offices/moss/footfall?day=0001-01-01", 422, "invalid_range"),
        ("/api/offices/moss/footfall?day=9999-12-31", 422, "invalid_range"),
        # only ISO dates: a number is not read as a timestamp
        ("/api/offices/moss/footfall?day=0", 422, "invalid_request"),
        ("/api/offices/moss/footfall?day=1795392", 422, "invalid_request"),  # 2026-11-23 in days/1000
        ("/api/regions/ostfold/history?from=0&to=86400", 422, "invalid_request"),
        ("/api/regions/ostfold/history?to=2026-11-23T00:00:00", 422, "invalid_request"),
    ],
)
def test_bad_requests_get_a_clear_answer(system: System, path: str, status: int, code: str) -> None:
    answer = system.metrics.get(path)

    assert answer.status_code == status
    assert answer.json()["error"] == code
    assert answer.json()["message"]


def test_tomorrow_is_the_last_day_a_history_may_ask_for(system: System) -> None:
    """The edge of the rule above: a device whose calendar is a day ahead still gets its answer."""
    tomorrow = (business_date(system.clock.now()) + timedelta(days=1)).isoformat()
    answer = system.metrics.get("/api/regions/ostfold/history", params={"from": tomorrow, "to": tomorrow})

    assert answer.status_code == 200, answer.text
    assert answer.json()["days"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/regions/zz-echo-probe/today",
        "/api/regions/zz-echo-probe/history.csv",
        "/api/offices/zz-echo-probe/footfall",
        "/api/offices/zz-echo-probe/history.csv",
        "/dashboard?region=zz-echo-probe",
        "/api/regions/ostfold/history?from=zz-echo-probe",
        "/api/offices/moss/footfall?day=zz-echo-probe",
    ],
)
def test_an_error_answer_never_quotes_the_request(system: System, path: str) -> None:
    answer = system.metrics.get(path)

    assert answer.status_code in (404, 422)
    assert "echo-probe" not in answer.text
