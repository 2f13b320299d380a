"""The visitor's own page through the running system: the link a check-in gives, what it opens (the one
visit, nothing about anyone else), the visitor's acts as queue events the tablets and the display follow,
and what a guessed, revoked or ended link gets."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from visitflow_devstack.testing import System, eventually

pytestmark = pytest.mark.integration
OFFICE = "grunerlokka"  # drop-in open on the test clock; cleared before and after
DROP_IN = {"kind": "drop_in", "reason": "case_status"}
ROOM = "samtalerom-1"


@pytest.fixture
def office(system: System) -> Iterator[str]:
    system.clear(OFFICE)
    try:
        yield OFFICE
    finally:
        system.clear(OFFICE)


def _checked_in(system: System, office: str) -> dict[str, Any]:
    answer = system.check_in(office, DROP_IN)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _token(checked_in: dict[str, Any]) -> str:
    return str(checked_in["visit_link"]["url"].rsplit("/", 1)[1])


def _own(system: System, token: str, pause: bool = False) -> httpx.Response:
    if pause:
        time.sleep(0.3)  # a link is limited to 60 requests a minute
    return httpx.get(f"{system.stack.url('notify')}/api/visit/{token}", timeout=10)  # no access token


def _stage(system: System, token: str, stage: str) -> dict[str, Any]:
    def seen() -> dict[str, Any] | None:
        answer = _own(system, token, pause=True)
        return answer.json() if answer.status_code == 200 and answer.json()["stage"] == stage else None

    return eventually(seen, what=f"the page shows {stage}")


def _act(system: System, token: str, act: str) -> httpx.Response:
    answer = httpx.post(f"{system.stack.url('notify')}/api/visit/{token}/{act}", timeout=10)
    assert answer.status_code in (200, 202), answer.text  # done, or not answered yet by the queue
    return answer


def _refused(system: System, token: str, act: str, key: str | None = None) -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key else {}
    url = f"{system.stack.url('notify')}/api/visit/{token}/{act}"
    answer = httpx.post(url, headers=headers, timeout=10)
    assert answer.status_code == 409, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _waiting(system: System, office: str, visit_id: str) -> dict[str, Any] | None:
    return next((v for v in system.waiting_list(office)["waiting"] if v["visit_id"] == visit_id), None)


def test_a_check_in_gives_a_link_that_opens_that_visit_alone(system: System, office: str) -> None:
    first, second = _checked_in(system, office), _checked_in(system, office)
    link = second["visit_link"]
    assert re.fullmatch(rf"{system.stack.url('notify')}/v/[A-Za-z]{{32}}", link["url"])
    assert set(link) == {"url"}  # the tablet draws the QR code itself

    own = _stage(system, _token(second), "waiting")
    display = system.notify.get(f"/api/offices/{office}/display").json()
    line = next(line for line in display["lines"] if line["line_id"] == second["line_id"])
    assert (own["ticket"], own["place"]) == (second["ticket"], 2)
    said = (own.get("expected_minutes"), own.get("expected_minutes_to"))
    assert said == (line["expected_minutes"], line["expected_minutes_to"])  # the display's own figure
    shown = _own(system, _token(second)).text
    assert first["ticket"] not in shown
    assert first["visit_id"] not in shown
    assert second["visit_id"] not in shown
    assert _token(second) not in str(system.redis.keys("vf:link:*"))  # only its keyed digest is a key


def test_a_resent_check_in_answers_the_same_link_and_a_new_one_once_it_was_withdrawn(
    system: System, office: str
) -> None:
    key = f"tablet-1-{uuid.uuid4().hex}"
    first = system.check_in(office, DROP_IN, key).json()
    assert system.check_in(office, DROP_IN, key).json() == first  # the same answer, the same link

    revoked = system.queue.post(f"/api/offices/{office}/visits/{first['visit_id']}/link/revoke")
    assert revoked.status_code == 200, revoked.text
    renewed = system.check_in(office, DROP_IN, key).json()

    assert renewed["visit_link"]["url"] != first["visit_link"]["url"]
    assert _own(system, _token(first)).status_code == 404
    assert _own(system, _token(renewed)).status_code == 200


def test_stepping_out_coming_back_and_leaving_from_the_page_are_events_every_screen_follows(
    system: System, office: str
) -> None:
    visitor = _checked_in(system, office)
    token, visit_id = _token(visitor), visitor["visit_id"]
    _stage(system, token, "waiting")

    _act(system, token, "hold")
    eventually(
        lambda: (_waiting(system, office, visit_id) or {}).get("held"), what="the tablet shows the hold"
    )
    _stage(system, token, "held")

    _act(system, token, "return")
    eventually(
        lambda: (_waiting(system, office, visit_id) or {}).get("held") is False,
        what="the tablet shows it back",
    )
    _stage(system, token, "waiting")

    _act(system, token, "cancel")
    eventually(lambda: _waiting(system, office, visit_id) is None, what="the tablet no longer lists it")
    eventually(lambda: _own(system, token, pause=True).status_code == 410, what="the link has ended")
    display = system.notify.get(f"/api/offices/{office}/display").json()
    assert all(line["waiting"] == 0 for line in display["lines"])

    records = [record for record in system.read_topic(system.topics.visits) if visit_id.encode() in record]
    for kind in (b'"VisitHeld"', b'"VisitReturned"', b'"VisitCancelled"'):
        assert any(kind in record for record in records), kind  # events, as a host's acts are


def test_an_act_the_queue_refuses_is_answered_with_its_code_and_no_echo(system: System, office: str) -> None:
    visitor = _checked_in(system, office)
    token = _token(visitor)
    _stage(system, token, "waiting")
    key = f"page-{uuid.uuid4().hex}"

    not_held = _refused(system, token, "return", key)  # "I am back" without having stepped out
    assert not_held["error"] == "wrong_stage"
    assert key not in str(not_held)
    assert visitor["ticket"] not in not_held["message"]  # the page words it; nothing of the queue's
    assert _refused(system, token, "return", key) == not_held  # a retry gets the same decision
    reused = httpx.post(
        f"{system.stack.url('notify')}/api/visit/{token}/hold", headers={"Idempotency-Key": key}, timeout=10
    )
    assert reused.status_code == 422, reused.text
    assert key not in reused.text

    for step, body in (("call", {"room_id": ROOM}), ("start", None)):
        done = system.command(office, f"visits/{visitor['visit_id']}/{step}", body)
        assert done.status_code == 200, done.text
    assert _refused(system, token, "hold")["error"] == "wrong_stage"  # in conversation already
    assert _stage(system, token, "in_room")["room"] == "Samtalerom 1"  # the refusal changed nothing


def test_a_called_visitor_sees_the_room(system: System, office: str) -> None:
    visitor = _checked_in(system, office)
    token = _token(visitor)
    _stage(system, token, "waiting")
    called = system.command(office, f"visits/{visitor['visit_id']}/call", {"room_id": ROOM})
    assert called.status_code == 200, called.text
    assert _stage(system, token, "called")["room"] == "Samtalerom 1"


def test_a_guessed_revoked_or_malformed_link_gets_a_plain_4xx_in_both_languages(
    system: System, office: str
) -> None:
    notify = system.stack.url("notify")
    visitor = _checked_in(system, office)
    token = _token(visitor)
    _stage(system, token, "waiting")

    guessed = "Q" * 32
    page = httpx.get(f"{notify}/v/{guessed}", timeout=10)
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "fører ikke til noe besøk" in page.text
    english = httpx.get(f"{notify}/v/{guessed}", headers={"Accept-Language": "en-GB"}, timeout=10)
    assert english.status_code == 404
    assert "does not lead to a visit" in english.text
    assert guessed not in page.text
    for bad in ("x", "0" * 32, "%00"):
        assert httpx.get(f"{notify}/api/visit/{bad}", timeout=10).status_code in (404, 422)
    assert httpx.post(f"{notify}/api/visit/{guessed}/cancel", timeout=10).status_code == 404

    assert httpx.get(f"{notify}/v/{token}", timeout=10).status_code == 200
    other_office = system.queue.post(f"/api/offices/halden/visits/{visitor['visit_id']}/link/revoke")
    assert other_office.status_code == 404  # a visit of another office is no visit here
    revoked = system.queue.post(f"/api/offices/{office}/visits/{visitor['visit_id']}/link/revoke")
    assert revoked.status_code == 200, revoked.text
    assert httpx.get(f"{notify}/v/{token}", timeout=10).status_code == 404
    assert httpx.post(f"{notify}/api/visit/{token}/hold", timeout=10).status_code == 404
    assert _waiting(system, office, visitor["visit_id"]) is not None  # the revoked link did nothing
