"""The notify service's pages with the tokens they are given: the waiting-room display with a display's,
the counsellor's page with a counsellor's. Each goes live on what its role may read (a display may not
list offices or regions, and needs to); and an error answer never quotes the office asked for."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from visitflow_devstack.testing import System
from visitflow_platform.access import Role

pytestmark = pytest.mark.integration
OFFICE = "halden"


@pytest.mark.browser
@pytest.mark.parametrize(
    ("path", "role"), [(f"/display/{OFFICE}", Role.DISPLAY), (f"/counsellor/{OFFICE}", Role.COUNSELLOR)]
)
def test_a_page_goes_live_with_only_its_roles_token(system: System, page: Any, path: str, role: Role) -> None:
    refused: list[str] = []

    def note(answer: Any) -> None:
        if answer.status in (401, 403):
            refused.append(answer.url)

    page.on("response", note)

    page.goto(system.page_url("notify", path, role, OFFICE))

    expect(page.locator("#status")).to_have_attribute("data-status", "live")
    assert refused == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/offices/zz-echo-probe/display",
        "/api/offices/zz-echo-probe/counsellor-alerts/stream",
        "/display/zz-echo-probe",
        "/counsellor/zz-echo-probe",
    ],
)
def test_an_error_answer_never_quotes_the_request(system: System, path: str) -> None:
    answer = system.notify.get(path)

    assert answer.status_code == 404
    assert answer.json()["error"] == "unknown_office"
    assert "echo-probe" not in answer.text
