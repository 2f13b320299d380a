"""A visitor's own page on their phone, in Chromium at phone size against the real running system.

The story: the host checks the visitor in on the tablet, which shows a QR code of the visitor's link;
the visitor opens it and sees their ticket, their place in their own line (labelled so: other lines are
called in between) and the display's expected wait, live; steps out and comes back (the tablet says
so); the phone sleeps (offline) and is called meanwhile: on waking the page catches up and shows the
room, vibrating; the conversation ends and so does the link. A forged
link and one past its day get a plain page saying so. An act the queue refuses says why, in the page's
language; the host withdraws a waiting visitor's link from their row on the tablet. axe-core finds
nothing serious; the screens are kept in docs/screens/ (visitor-*.png, tablet-visit-link.png,
tablet-row-link.png, display-follow-on-phone.png)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from visitflow_devstack.paths import root
from visitflow_devstack.testing import System, axe_violations
from visitflow_platform.access import Role
from visitflow_platform.visit_links import link_digest

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OFFICE = "hamar"  # drop-in open on the test clock; its display points to the visitors' page
PHONE = {"width": 360, "height": 740}  # a small, cheap phone
SCREENS = root() / "docs" / "screens"
CATALOGUES = root() / "libs" / "platform" / "src" / "visitflow_platform" / "static" / "i18n"
WORDS = {language: json.loads((CATALOGUES / f"{language}.json").read_text()) for language in ("nb", "en")}
NOTIFY_API = "notify-api"
# records what the page asks the phone to vibrate (Chromium has no vibration motor to ask)
VIBRATIONS = (
    "window.vibrations = []; navigator.vibrate = (pattern) => { vibrations.push(pattern); return true; };"
)

JSQR = root() / "node_modules" / "jsqr" / "dist" / "jsQR.js"  # a QR decoder (package.json, dev)


def _qr_code_on(page: Any, image: str) -> str | None:
    """What a phone's camera reads from the QR code the page shows as the image: the image drawn as
    shown (on white) and decoded by jsQR; None if it holds no readable code. Evaluated through the
    browser's debugging protocol, which the page's Content-Security-Policy does not govern."""
    if not page.evaluate("() => typeof jsQR !== 'undefined'"):
        page.evaluate(JSQR.read_text())
    read: str | None = page.locator(image).evaluate(
        """img => {
            const box = img.getBoundingClientRect();
            const canvas = document.createElement("canvas");
            Object.assign(canvas, {width: box.width, height: box.height});
            const context = canvas.getContext("2d");
            context.fillStyle = "#fff";
            context.fillRect(0, 0, canvas.width, canvas.height);
            context.drawImage(img, 0, 0, canvas.width, canvas.height);
            const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
            const code = jsQR(pixels.data, canvas.width, canvas.height);
            return code ? code.data : null;
        }"""
    )
    return read


@pytest.fixture
def office(system: System) -> Iterator[str]:
    system.clear(OFFICE)
    try:
        yield OFFICE
    finally:
        system.clear(OFFICE)


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="nb-NO")
    context.add_init_script(VIBRATIONS)
    try:
        yield context.new_page()
    finally:
        context.close()


def _accessible(page: Any) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    serious = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert serious == []


def _keep(page: Any, name: str, full_page: bool = True) -> None:
    """The page as it is now, accessible (`_accessible`), kept in docs/screens/."""
    _accessible(page)
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=full_page)


def _line_name(link: str) -> str:
    """The name of the line the link's visit waits in, as its own picture gives it."""
    notify, token = link.rsplit("/v/", 1)
    return str(httpx.get(f"{notify}/api/visit/{token}", timeout=10).json()["line"])


def _display_wait(system: System, office: str, line_id: str, language: str = "nb") -> str:
    """The expected wait of a line in the display's own words ("ca. 10 min", "10 to 25 min")."""
    lines = system.notify.get(f"/api/offices/{office}/display").json()["lines"]
    line = next(line for line in lines if line["line_id"] == line_id)
    low, high = line["expected_minutes"], line["expected_minutes_to"]
    if high is None:
        return str(WORDS[language]["wait.about"].format(minutes=low))
    return str(WORDS[language]["wait.range"].format(low=low, high=high))


def _tablet(system: System, browser: Any, office: str) -> Any:
    """The office's host tablet, live."""
    tablet = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nb-NO").new_page()
    tablet.goto(system.page_url("queue", f"/tablet/{office}", Role.HOST, office))
    expect(tablet.locator("#status")).to_have_attribute("data-status", "live")
    return tablet


def _check_in_on(tablet: Any) -> dict[str, Any]:
    """A drop-in checked in from the tablet's form; the check-in API's answer."""
    tablet.select_option("#reason", "case_status")
    with tablet.expect_response(
        lambda r: r.url.endswith("/check-ins") and r.request.method == "POST"
    ) as sent:
        tablet.click("button[type=submit]")
    answer: dict[str, Any] = sent.value.json()
    return answer


def test_a_visitor_follows_their_place_on_their_phone_from_check_in_to_their_conversation(
    system: System, browser: Any, phone: Any, office: str
) -> None:
    ahead = system.check_in(office, {"kind": "drop_in", "reason": "case_status"}).json()
    tablet = _tablet(system, browser, office)
    answer = _check_in_on(tablet)
    link = answer["visit_link"]["url"]
    expect(tablet.locator("#visit-link")).to_be_visible()
    assert _qr_code_on(tablet, "#visit-link-code") == link  # the code the tablet drew is of the link
    tablet.locator("#visit-link").evaluate("figure => figure.scrollIntoView({block: 'center'})")
    _keep(tablet, "tablet-visit-link", full_page=False)

    phone.goto(link)  # scanned
    expect(phone.locator("#ticket")).to_have_text(answer["ticket"])
    line = _line_name(link)
    expect(phone.locator("#place")).to_have_text(f"Du er nummer 2 i køen for {line}")
    expect(phone.locator("#other-lines")).to_have_text(WORDS["nb"]["visitor.other_lines"])
    wait = _display_wait(system, office, answer["line_id"])
    expect(phone.locator("#wait")).to_have_text(f"Forventet ventetid: {wait}")
    assert ahead["ticket"] not in phone.content()  # nothing about anyone else
    _keep(phone, "visitor-waiting")

    english = phone.context.new_page()
    english.goto(f"{link}?lang=en")
    expect(english.locator("#place")).to_have_text(f"You are number 2 in the line for {line}")
    expect(english.locator("#other-lines")).to_have_text(WORDS["en"]["visitor.other_lines"])
    _keep(english, "visitor-waiting-en")
    english.close()
    phone.evaluate("localStorage.setItem('visitflow.lang', 'nb')")

    called = system.command(office, f"visits/{ahead['visit_id']}/call", {"room_id": "samtalerom-1"})
    assert called.status_code == 200, called.text
    expect(phone.locator("#place")).to_have_text(f"Du er nummer 1 i køen for {line}")  # live

    phone.click("#hold")
    expect(phone.locator("#visit")).to_have_attribute("data-stage", "held")
    expect(tablet.locator("#said")).to_contain_text(f"{answer['ticket']} har gått ut")
    expect(phone.locator("#back")).to_be_visible()
    _keep(phone, "visitor-held")
    phone.click("#back")
    expect(phone.locator("#visit")).to_have_attribute("data-stage", "waiting")
    expect(tablet.locator("#said")).to_contain_text(f"{answer['ticket']} er tilbake")

    phone.click("#sound")  # the visitor allows sound (a browser plays none before a tap)
    system.stack.stop_service(NOTIFY_API)  # the phone's connection is gone (asleep, or the service away)
    try:
        expect(phone.locator("#offline")).to_be_visible()
        mine = system.command(office, f"visits/{answer['visit_id']}/call", {"room_id": "samtalerom-2"})
        assert mine.status_code == 200, mine.text
    finally:
        system.restart_stopped(NOTIFY_API)  # back: the page resumes from the last frame it had
    expect(phone.locator("#state")).to_have_text("Det er din tur! Gå til Samtalerom 2.")
    expect(phone.locator("#visit")).to_have_attribute("data-stage", "called")
    expect(phone.locator("#offline")).to_be_hidden()
    assert phone.evaluate("vibrations.length") >= 2  # the tap that allowed it, then the call
    _keep(phone, "visitor-called")

    for step, body in (("start", None), ("complete", {"outcome": "served"})):
        done = system.command(office, f"visits/{answer['visit_id']}/{step}", body)
        assert done.status_code == 200, done.text
    expect(phone.locator("#visit")).to_have_attribute("data-stage", "ended")
    expect(phone.locator("#state")).to_have_text("Besøket ditt er avsluttet. Takk for at du kom!")
    assert phone.reload().status == 410  # the link ended with the visit
    expect(phone.locator("#refusal")).to_have_text("Besøket som denne lenken hørte til, er avsluttet.")
    tablet.context.close()


def test_the_display_points_to_the_visitors_page_where_the_office_turned_it_on(
    system: System, browser: Any
) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 720}, locale="nb-NO").new_page()
    page.goto(system.page_url("notify", f"/display/{OFFICE}", Role.DISPLAY, OFFICE))
    expect(page.locator("#follow-on-phone")).to_have_text("Skann koden på lappen din for å følge plassen din")
    _keep(page, "display-follow-on-phone", full_page=False)
    page.goto(system.page_url("notify", "/display/loten", Role.DISPLAY, "loten"))  # turned off there
    expect(page.locator("#status")).to_have_attribute("data-status", "live")
    expect(page.locator("#follow-on-phone")).to_be_hidden()
    page.context.close()


def test_the_host_withdraws_a_link_from_the_tablet(system: System, browser: Any, office: str) -> None:
    tablet = _tablet(system, browser, office)
    answer = _check_in_on(tablet)
    assert httpx.get(answer["visit_link"]["url"], timeout=10).status_code == 200

    tablet.click("#visit-link-revoke")

    expect(tablet.locator("#said")).to_have_text(f"Lenken for {answer['ticket']} virker ikke lenger.")
    expect(tablet.locator("#visit-link")).to_be_hidden()
    assert httpx.get(answer["visit_link"]["url"], timeout=10).status_code == 404
    assert any(
        v["visit_id"] == answer["visit_id"] for v in system.waiting_list(office)["waiting"]
    )  # still in line
    tablet.context.close()


@pytest.mark.parametrize("language", ["nb", "en"])
def test_an_act_the_queue_refuses_says_why_and_the_page_stays_usable(
    system: System, phone: Any, office: str, language: str
) -> None:
    answer = system.check_in(office, {"kind": "drop_in", "reason": "case_status"}).json()
    phone.goto(f"{answer['visit_link']['url']}?lang={language}")
    expect(phone.locator("#visit")).to_have_attribute("data-stage", "waiting")
    error = phone.locator("#error")
    expect(error).to_have_attribute("role", "alert")  # read out as it appears
    expect(error).to_have_attribute("aria-live", "assertive")

    # a page behind the queue (another tab put the visitor back already): "I am back" when not held
    with phone.expect_response(lambda r: r.url.endswith("/return")) as sent:
        phone.locator("#back").evaluate("button => button.click()")
    assert sent.value.status == 409
    expect(error).to_have_text(WORDS[language]["visitor.refused_stage"])
    if language == "nb":
        _keep(phone, "visitor-refused")
    else:
        _accessible(phone)

    phone.click("#hold")  # still usable: the next act works and clears the refusal
    expect(phone.locator("#visit")).to_have_attribute("data-stage", "held")
    expect(error).to_be_empty()
    expect(phone.locator("#said")).not_to_be_empty()


def test_the_host_withdraws_a_waiting_visitors_link_from_their_row(
    system: System, browser: Any, office: str
) -> None:
    answer = system.check_in(office, {"kind": "drop_in", "reason": "case_status"}).json()
    link = answer["visit_link"]["url"]
    assert httpx.get(link, timeout=10).status_code == 200
    tablet = _tablet(system, browser, office)  # opened later, not at the check-in
    expect(tablet.locator("#visit-link")).to_be_hidden()
    row = tablet.locator(f"#lines li[data-id='{answer['visit_id']}']")
    withdraw = row.get_by_role("button", name=f"{WORDS['nb']['tablet.link_revoke']} {answer['ticket']}")
    row.scroll_into_view_if_needed()
    _keep(tablet, "tablet-row-link", full_page=False)

    withdraw.click()

    expect(tablet.locator("#said")).to_have_text(f"Lenken for {answer['ticket']} virker ikke lenger.")
    expect(withdraw).to_be_hidden()
    expect(row).to_be_visible()  # still in line
    assert httpx.get(link, timeout=10).status_code == 404
    assert any(v["visit_id"] == answer["visit_id"] for v in system.waiting_list(office)["waiting"])
    tablet.context.close()


def test_a_forged_and_an_expired_link_get_a_plain_page_saying_so(
    system: System, phone: Any, office: str
) -> None:
    notify = system.stack.url("notify")
    forged = phone.goto(f"{notify}/v/{'Q' * 32}")
    assert forged.status == 404
    expect(phone.locator("#refusal")).to_contain_text("Denne lenken fører ikke til noe besøk")
    _keep(phone, "visitor-unknown-link")
    assert phone.goto(f"{notify}/v/{'Q' * 32}?lang=en").status == 404
    expect(phone.locator("#refusal")).to_contain_text("This link does not lead to a visit")

    answer = system.check_in(office, {"kind": "drop_in", "reason": "case_status"}).json()
    link = answer["visit_link"]["url"]
    assert httpx.get(link, timeout=10).status_code == 200
    token = link.rsplit("/", 1)[1]
    system.redis.pexpire(f"vf:link:{link_digest(system.settings.pseudonym_secret, token)}", 1)  # the day ends
    time.sleep(0.1)
    assert phone.goto(link).status == 404
    expect(phone.locator("#refusal")).to_contain_text("Denne lenken fører ikke til noe besøk")
