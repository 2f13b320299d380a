"""Today's appointments on the screens, in Chromium against the real running system: the host's
"expected today" on the tablet (the next hour first, then the rest of the day, narrowed by the booking
code the visitor shows) checks a visitor in with one tap; the counsellor's day shows their bookings as
booked, late, arrived (with how long they have waited) and missed. axe-core finds nothing serious in
either, in Norwegian or English; the Norwegian screens are kept in docs/screens/."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from visitflow_devstack.paths import root
from visitflow_devstack.testing import System, axe_violations, eventually
from visitflow_platform.access import Role

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OFFICE = "elverum"  # open on the test clock; counsellors from the defaults (Veileder 1-6)
SCREENS = root() / "docs" / "screens"
SAYS = {
    "nb": {
        "check_in": "Sjekk inn",
        "queued": "Kølapp",
        "late": "Forsinket",
        "missed": "Ikke møtt",
        "waiting": "har ventet",
    },
    "en": {
        "check_in": "Check in",
        "queued": "Ticket",
        "late": "Late",
        "missed": "Missed",
        "waiting": "waiting",
    },
}


def _code() -> str:
    return "EL-" + "".join(chr(ord("A") + int(c, 16) % 26) for c in uuid.uuid4().hex[:5])


def _import(system: System, *bookings: tuple[str, int, str]) -> list[str]:
    """Books (counsellor, minutes from now, reference) through the import API; answers the references."""
    body = {
        "bookings": [
            {
                "booking_id": code,
                "office_id": OFFICE,
                "counsellor_id": counsellor,
                "starts_at": (system.clock.now() + timedelta(minutes=minutes)).isoformat(),
                "duration_minutes": 30,
            }
            for counsellor, minutes, code in bookings
        ]
    }
    token = system.token(Role.BOOKING, (OFFICE,))
    answer = httpx.post(
        f"{system.stack.url('checkin')}/api/bookings",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=20,
    )
    assert answer.status_code == 200, answer.text
    return [code for _, _, code in bookings]


def _shown(system: System, code: str, part: str) -> bool:
    return any(b["booking_id"] == code for b in system.waiting_list(OFFICE)["appointments"][part])


def _late_one_arrived(system: System, day: dict[str, str]) -> None:
    """The late visitor checked in: by the tablet's test, or else here, through the API."""
    if not _shown(system, day["late"], "arrived"):
        arrival = system.waiting_list(OFFICE)["appointments"]["next_hour"]
        (late,) = [b for b in arrival if b["booking_id"] == day["late"]]
        appointment = {k: late[k] for k in ("starts_at", "counsellor_id")} | {"reference": late["booking_id"]}
        body = {"kind": "appointment", "reason": "counsellor_appointment", "appointment": appointment}
        assert system.check_in(OFFICE, body).status_code == 201
    eventually(lambda: _shown(system, day["late"], "arrived"), what="the arrival")


@pytest.fixture(scope="module")
def day(system: System) -> dict[str, str]:
    """A counsellor's day: one missed (started past the grace period), one late, one soon, one later."""
    system.clear(OFFICE)
    missed, late, soon, later, other = _code(), _code(), _code(), _code(), _code()
    _import(
        system,
        ("veileder-1", -20, missed),
        ("veileder-1", -5, late),
        ("veileder-1", 15, soon),
        ("veileder-1", 150, later),
        ("veileder-2", 25, other),
    )
    eventually(lambda: _shown(system, missed, "missed"), 90, "the missed booking")
    return {"missed": missed, "late": late, "soon": soon, "later": later, "other": other}


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_hosts_expected_today_checks_a_visitor_in_with_one_tap(
    system: System, browser: Any, day: dict[str, str], language: str
) -> None:
    says = SAYS[language]
    page = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="nb-NO").new_page()
    page.goto(system.page_url("queue", f"/tablet/{OFFICE}?lang={language}", Role.HOST, OFFICE))
    soon = page.locator(f"#expected-soon li[data-booking='{day['soon']}']")
    expect(soon).to_contain_text("Veileder 1")
    expect(page.locator(f"#expected-soon li[data-booking='{day['late']}']")).to_contain_text(says["late"])
    expect(page.locator(f"#expected-later li[data-booking='{day['later']}']")).to_be_visible()
    order = page.locator("#expected-soon li").evaluate_all("(nodes) => nodes.map((n) => n.dataset.booking)")
    assert order.index(day["late"]) < order.index(day["soon"]) < order.index(day["other"])  # by start
    if language == "nb":
        page.locator("#expected").scroll_into_view_if_needed()
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "tablet-expected-today.png"))
    assert axe_violations(page) == []

    if language == "en":  # the code the visitor shows narrows the list; one tap checks them in
        page.locator("#booking-code").fill(day["late"][:5])
        expect(page.locator("#expected-soon li[data-booking]")).to_have_count(1)
        page.locator(f"#expected-soon li[data-booking='{day['late']}']").get_by_role(
            "button", name=says["check_in"]
        ).click()
        expect(page.locator("#result")).to_contain_text(says["queued"])
        eventually(lambda: _shown(system, day["late"], "arrived"), what="the arrival")
        expect(page.locator(f"#expected-soon li[data-booking='{day['late']}']")).to_have_count(0)
    page.context.close()


@pytest.mark.parametrize("language", ["en", "nb"])
def test_the_counsellors_day_shows_booked_late_arrived_and_missed(
    system: System, browser: Any, day: dict[str, str], language: str
) -> None:
    says = SAYS[language]
    _late_one_arrived(system, day)
    page = browser.new_context(viewport={"width": 1024, "height": 900}).new_page()
    page.goto(
        system.page_url(
            "notify", f"/counsellor/{OFFICE}?counsellor=veileder-1&lang={language}", Role.COUNSELLOR, OFFICE
        )
    )
    expect(page.locator("#day li")).to_have_count(4)  # veileder-2's booking is not there
    expect(page.locator(f"#day li[data-booking='{day['missed']}']")).to_contain_text(says["missed"])
    expect(page.locator(f"#day li[data-booking='{day['late']}']")).to_contain_text(says["waiting"])
    expect(page.locator(f"#day li[data-booking='{day['soon']}']")).to_have_class("booked")
    order = page.locator("#day li").evaluate_all("(nodes) => nodes.map((n) => n.dataset.booking)")
    assert order == [day["missed"], day["late"], day["soon"], day["later"]]
    assert axe_violations(page) == []
    if language == "nb":
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "counsellor-day.png"), full_page=True)
    page.context.close()


def test_the_dashboard_shows_each_offices_missed_appointment_rate(
    system: System, browser: Any, day: dict[str, str]
) -> None:
    _late_one_arrived(system, day)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(
        system.page_url("metrics", "/dashboard?region=hedmark&lang=en", Role.REGIONAL, region="hedmark")
    )
    # one kept (checked in from the tablet) and one missed at Elverum
    expect(page.locator('tr[data-office="elverum"] td.missed')).to_have_text("50%")
    expect(page.locator("#offices thead")).to_contain_text("Appointments missed")
    assert axe_violations(page) == []
    page.context.close()
