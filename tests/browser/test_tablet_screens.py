"""The host's tablet in its main states, checked by axe-core in Norwegian and in English: portrait with
the undo bar showing and landscape in a busy moment (kept as docs/screens/tablet-*.png), and the
follow-up list with the closing banner. In English every word the page writes is English, its title too.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from uuid import uuid4

import orjson
import pytest
from playwright.sync_api import expect
from visitflow_devstack.paths import root
from visitflow_devstack.testing import System, axe_violations
from visitflow_platform.access import Role

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OFFICE = "hamar"  # drop-in open on the test clock; four conversation rooms and a meeting room
PORTRAIT = {"width": 800, "height": 1280}
LANDSCAPE = {"width": 1280, "height": 800}
SCREENS = root() / "docs" / "screens"
CATALOGUES = root() / "libs" / "platform" / "src" / "visitflow_platform" / "static" / "i18n"
WORDS = {language: json.loads((CATALOGUES / f"{language}.json").read_text()) for language in ("nb", "en")}
# The catalogue entries the tablet writes (its own, and the shared words for kinds, reasons, outcomes, ...)
SHOWN = (
    "tablet.",
    "error.",
    "status.",
    "kind.",
    "reason.",
    "outcome.",
    "stage.",
    "alternative.",
    "display.line_",
)


@pytest.fixture(params=["nb", "en"])
def language(request: pytest.FixtureRequest) -> str:
    """Each state in Norwegian and in English; the Norwegian one is kept as the screenshot."""
    result: str = request.param
    return result


@pytest.fixture
def busy(system: System) -> Any:
    """A busy moment at the office: someone called, two in conversation, visitors in every line."""
    system.clear(OFFICE)

    def appointment(minutes: int, counsellor: str) -> dict[str, Any]:
        starts = (system.clock.now() + timedelta(minutes=minutes)).isoformat()
        booking = {"reference": f"HA-{3100 + minutes}", "starts_at": starts, "counsellor_id": counsellor}
        return {"kind": "appointment", "reason": "counsellor_appointment", "appointment": booking}

    def arrive(*bodies: dict[str, Any]) -> None:
        for body in bodies:
            answer = system.check_in(OFFICE, body)
            assert answer.status_code == 201, answer.text

    arrive(
        {"kind": "emergency", "reason": "emergency_assistance"},
        appointment(5, "veileder-2"),
        {"kind": "drop_in", "reason": "deliver_documents"},
    )
    for room in ("samtalerom-1", "samtalerom-2", "samtalerom-3"):
        called = system.command(OFFICE, "call-next", {"room_id": room}).json()["event"]
        if room != "samtalerom-1":
            assert system.command(OFFICE, f"visits/{called['visit_id']}/start").status_code == 200
    arrive(
        {"kind": "drop_in", "reason": "case_status", "needs": {"interpreter": True}},
        {"kind": "emergency", "reason": "social_assistance"},
        appointment(10, "veileder-4"),
        {"kind": "drop_in", "reason": "benefit_question"},
        {"kind": "drop_in", "reason": "job_seeking", "needs": {"accessibility": True}},
        {"kind": "drop_in", "reason": "self_service_help"},
        {"kind": "drop_in", "reason": "deliver_documents"},
    )
    yield
    system.clear(OFFICE)


def _open(browser: Any, system: System, language: str, viewport: dict[str, int], stream: Any = None) -> Any:
    context = browser.new_context(viewport=viewport, locale="nb-NO")
    page = context.new_page()
    if stream is not None:  # the snapshot as the queue sends it then, given to the page
        frame = orjson.dumps({"snapshot": stream}).decode()
        body = f"retry: 600000\nid: 1-1\nevent: snapshot\ndata: {frame}\n\n"
        page.route(
            "**/queue/stream?**",
            lambda route: route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=body),
        )
    page.goto(system.page_url("queue", f"/tablet/{OFFICE}?lang={language}", Role.HOST, OFFICE))
    expect(page.locator("#hints li")).not_to_have_count(0)
    expect(page.locator("#rooms li")).not_to_have_count(0)
    return page


def _norwegian_left(page: Any, system: System) -> list[str]:
    """Norwegian words of the catalogue on an English page: its text, title and labels, less the office's
    own names (rooms, counsellors), which are the same in any language."""
    text = page.evaluate(
        """() => [document.title, document.body.innerText,
                  ...[...document.querySelectorAll("[aria-label]")].map((n) => n.getAttribute("aria-label"))]
                 .join("\\n")"""
    )
    for counsellor in system.waiting_list(OFFICE)["counsellors"]:
        text = text.replace(counsellor["name"], "")
    left = []
    for key, words in WORDS["nb"].items():
        if not key.startswith(SHOWN) or words == WORDS["en"][key]:
            continue
        for chunk in (chunk.strip(" .,:;–·()«»") for chunk in re.split(r"\{\w+\}", words)):
            if len(chunk) >= 4 and chunk not in WORDS["en"][key] and chunk in text:
                left.append(f"{key}: {chunk}")
    return left


def _keep(page: Any, system: System, name: str, language: str) -> None:
    """The screen as it is now, checked by axe-core; in Norwegian kept as docs/screens/<name>.png, in
    English checked for Norwegian words."""
    assert axe_violations(page) == []
    if language == "nb":
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"{name}.png"))
    else:
        assert _norwegian_left(page, system) == []
        assert page.title() == "NAV Hamar – Host tablet"


def test_portrait_with_the_undo_bar(system: System, browser: Any, busy: None, language: str) -> None:
    page = _open(browser, system, language, PORTRAIT)
    served = WORDS[language]["outcome.served"]
    page.locator("#rooms li[data-room='samtalerom-3']").get_by_role("button", name=served).click()
    expect(page.locator("#undo li")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    _keep(page, system, "tablet-portrait", language)
    page.context.close()


def test_landscape_in_a_busy_moment(system: System, browser: Any, busy: None, language: str) -> None:
    page = _open(browser, system, language, LANDSCAPE)
    expect(page.locator("#status")).to_have_attribute("data-status", "live")
    expect(page.locator(".line li")).to_have_count(7)
    _keep(page, system, "tablet-landscape", language)
    page.context.close()


def test_follow_up_and_closing(system: System, browser: Any, busy: None, language: str) -> None:
    carried = {
        "visit_id": str(uuid4()),
        "ticket": "A-004",
        "kind": "emergency",
        "since": "2026-11-20T15:10:00+01:00",
    }
    closing = {"at": "15:30", "waiting": 6, "in_service": 2, "emergencies": 1}
    page = _open(
        browser,
        system,
        language,
        LANDSCAPE,
        stream=system.waiting_list(OFFICE) | {"follow_up": [carried], "closing": closing},
    )
    expect(page.locator("#follow-ups li")).to_have_count(1)
    expect(page.locator("#closing")).to_be_visible()
    assert axe_violations(page) == []
    if language == "en":
        assert _norwegian_left(page, system) == []
    page.context.close()
