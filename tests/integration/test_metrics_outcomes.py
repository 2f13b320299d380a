"""Every outcome the offices name is counted on its own, through the real system: hosts steer visitors at
check-in to each alternative, and complete conversations with each outcome, at NAV Frogner; the
footfall API, the region's view, the CSV export and /metrics/offices each show every outcome's count
(docs/METRICS.md, *Outcomes*), and only self-service at home or at a public PC as steered to
self-service.

Each alternative is chosen a different number of times, so that two outcomes counted together, or one
counted as another, cannot add up to the expected figures by chance.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from visitflow_devstack.testing import System, eventually
from visitflow_events import Alternative, Outcome
from visitflow_platform.access import Role

pytestmark = pytest.mark.integration
OFFICE, REGION = "frogner", "oslo"
REDIRECTS = {
    Alternative.SELF_SERVICE_ONLINE: 1,
    Alternative.SELF_SERVICE_PC: 3,
    Alternative.CONTACT_CENTRE: 5,
    Alternative.BOOK_APPOINTMENT: 7,
}
COMPLETIONS = list(Outcome)  # one visitor called and completed with each
EXPECTED = {  # at check-in + after a conversation
    "self_service_online": 1 + 1,
    "self_service_pc": 3,
    "contact_centre": 5 + 1,
    "appointment_booked": 7 + 1,
    "served": 1,
}


def footfall(system: System) -> dict[str, Any]:
    answer = system.metrics.get(f"/api/offices/{OFFICE}/footfall")
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def region_office(system: System) -> dict[str, Any]:
    today = system.metrics.get(f"/api/regions/{REGION}/today").json()
    office: dict[str, Any] = next(o for o in today["offices"] if o["office_id"] == OFFICE)
    return {"office": office, "totals": today["totals"]}


def scraped_outcomes(system: System) -> dict[str, float]:
    token = {"Authorization": f"Bearer {system.token(Role.SCRAPER)}"}
    text = httpx.get(system.stack.url("metrics") + "/metrics/offices", headers=token, timeout=20).text
    return {
        sample.labels["outcome"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "visitflow_office_outcomes_today" and sample.labels["office"] == OFFICE
    }


def csv_outcomes(system: System, day: str) -> dict[str, int]:
    answer = system.metrics.get(f"/api/offices/{OFFICE}/history.csv", params={"from": day, "to": day})
    (row,) = csv.DictReader(io.StringIO(answer.text))
    return {
        column.removeprefix("outcome_"): int(n) for column, n in row.items() if column.startswith("outcome_")
    }


def gained(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {key: after[key] - before.get(key, 0) for key in after}


def steer_and_complete(system: System) -> None:
    for alternative, times in REDIRECTS.items():
        for _ in range(times):
            body = {"kind": "drop_in", "reason": "case_status", "redirect_to": alternative.value}
            answer = system.check_in(OFFICE, body)
            assert answer.status_code == 201, answer.text
            assert answer.json()["outcome"] == "redirected"
    for outcome in COMPLETIONS:
        answer = system.check_in(OFFICE, {"kind": "drop_in", "reason": "benefit_question"})
        assert answer.status_code == 201, answer.text
        visit = f"visits/{answer.json()['visit_id']}"
        called = system.command(OFFICE, f"{visit}/call", {"room_id": "samtalerom-1"})
        assert called.status_code == 200, called.text
        done = system.command(OFFICE, f"{visit}/complete", {"outcome": outcome.value})
        assert done.status_code == 200, done.text


def until(read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        now = read()
        return now if done(now) else None

    return eventually(probe, timeout_s=30)


@pytest.fixture(scope="module")
def played(system: System) -> dict[str, Any]:
    """The figures before and after Frogner's hosts steered and completed the visitors above."""
    system.clear(OFFICE)  # samtalerom-1 free, and nobody of an earlier test left to end meanwhile
    first = until(lambda: footfall(system), lambda now: now["live"]["in_office"] == 0)
    before = {
        "footfall": first,
        "region": region_office(system),
        "scraped": until(lambda: scraped_outcomes(system), lambda now: now == first["kpis"]["outcomes"]),
    }
    steer_and_complete(system)
    arrivals = first["kpis"]["arrivals"] + sum(REDIRECTS.values()) + len(COMPLETIONS)
    completed = first["kpis"]["completed"] + len(COMPLETIONS)
    after = until(
        lambda: footfall(system),
        lambda now: (now["kpis"]["arrivals"], now["kpis"]["completed"]) == (arrivals, completed),
    )
    outcomes = after["kpis"]["outcomes"]
    return {
        "before": before,
        "footfall": after,
        "region": region_office(system),
        "scraped": until(lambda: scraped_outcomes(system), lambda now: now == outcomes),
    }


def test_the_footfall_api_counts_each_outcome_on_its_own(played: dict[str, Any]) -> None:
    before, after = played["before"]["footfall"]["kpis"], played["footfall"]["kpis"]

    assert gained(before["outcomes"], after["outcomes"]) == EXPECTED
    assert after["redirected"] - before["redirected"] == sum(REDIRECTS.values())
    assert after["steered_to_self_service"] - before["steered_to_self_service"] == 2 + 3
    assert gained(
        played["before"]["footfall"]["live"]["outcomes"], played["footfall"]["live"]["outcomes"]
    ) == (EXPECTED)


def test_the_region_shows_each_outcome_per_office_and_in_its_totals(played: dict[str, Any]) -> None:
    before, after = played["before"]["region"], played["region"]

    assert gained(before["office"]["outcomes"], after["office"]["outcomes"]) == EXPECTED
    assert gained(before["totals"]["outcomes"], after["totals"]["outcomes"]) == EXPECTED


def test_prometheus_shows_each_outcome(played: dict[str, Any]) -> None:
    assert gained(played["before"]["scraped"], played["scraped"]) == EXPECTED


def test_the_history_export_has_a_column_per_outcome(system: System, played: dict[str, Any]) -> None:
    day = played["footfall"]["business_date"]

    assert csv_outcomes(system, day) == played["footfall"]["kpis"]["outcomes"]
