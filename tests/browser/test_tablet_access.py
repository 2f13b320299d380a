"""The host's tablet opened with a token that does not let it in, in Chromium against the real system.

A token for another office says "no access to this office", an expired token says it has expired, in the
page's language; neither pretends to be a lost connection that will come back by itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from visitflow_devstack.testing import System, artifacts, axe_violations
from visitflow_platform.access import Role
from visitflow_platform.auth import issue_token

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OFFICE = "hamar"
SAYS = {
    "nb": {
        "forbidden": "Ingen tilgang til dette kontoret. Åpne siden med lenken for ditt kontor.",
        "expired": "Tilgangsnøkkelen din er utløpt. Be om en ny lenke og åpne siden med den.",
        "no_access": "Ingen tilgang",
    },
    "en": {
        "forbidden": "No access to this office. Open the page with the link for your office.",
        "expired": "Your access token has expired. Ask for a new link and open the page with it.",
        "no_access": "No access",
    },
}


@pytest.fixture(params=["nb", "en"])
def language(request: pytest.FixtureRequest) -> str:
    result: str = request.param
    return result


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nb-NO")
    tablet = context.new_page()
    try:
        yield tablet
    finally:
        tablet.screenshot(path=str(artifacts() / f"{request.node.name}.png"))
        context.close()


def _refused(page: Any, language: str, reason: str) -> None:
    expect(page.locator("#access")).to_have_text(SAYS[language][reason])
    expect(page.locator("#status")).to_have_text(SAYS[language]["no_access"])
    expect(page.locator("#offline")).to_be_hidden()  # not "disconnected – retrying"
    assert axe_violations(page) == []


def test_a_token_for_another_office_says_so(system: System, page: Any, language: str) -> None:
    page.goto(system.page_url("queue", f"/tablet/{OFFICE}?lang={language}", Role.HOST, "arendal"))
    _refused(page, language, "forbidden")


def test_an_expired_token_says_so(system: System, page: Any, language: str) -> None:
    token = issue_token(system.settings, Role.HOST, "test-host", (OFFICE,), hours=-1)
    page.goto(f"{system.stack.url('queue')}/tablet/{OFFICE}?lang={language}#token={token}")
    _refused(page, language, "expired")
