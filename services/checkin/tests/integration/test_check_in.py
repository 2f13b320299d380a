"""Check-in through the real broker: policy, idempotency, and bad input refused with nothing published."""

from __future__ import annotations

import pytest
from visitflow_devstack.testing import System, eventually
from visitflow_offices import business_date
from visitflow_platform.contacts import end_of_day

pytestmark = pytest.mark.integration

DROP_IN = {"kind": "drop_in", "reason": "deliver_documents"}


def test_a_retried_tap_with_the_same_idempotency_key_gives_one_visit(system: System) -> None:
    first = system.check_in("hamar", DROP_IN, key="tablet-7-tap-000001")
    again = system.check_in("hamar", DROP_IN, key="tablet-7-tap-000001")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    waiting = system.waiting_list("hamar")["waiting"]
    assert [v["visit_id"] for v in waiting].count(first.json()["visit_id"]) == 1


def test_the_same_key_with_another_body_is_refused(system: System) -> None:
    system.check_in("hamar", DROP_IN, key="tablet-7-tap-000002")
    other = system.check_in("hamar", {"kind": "drop_in", "reason": "case_status"}, key="tablet-7-tap-000002")
    assert other.status_code == 422
    assert other.json()["error"] == "idempotency_key_reused"


def test_drop_in_outside_the_window_is_steered_not_queued(system: System) -> None:
    # Elverum has drop-in on Tuesdays and Thursdays; the test clock says Monday.
    refused = system.check_in("elverum", DROP_IN)
    assert refused.status_code == 409
    body = refused.json()
    assert body["error"] == "drop_in_closed"
    assert "Drop-in is closed now" in body["message"]
    assert "self_service_pc" in body["alternatives"]

    steered = system.check_in("elverum", {**DROP_IN, "redirect_to": "self_service_pc"})
    assert steered.status_code == 201
    assert steered.json()["outcome"] == "redirected"
    assert steered.json()["alternative"] == "self_service_pc"
    counters = eventually(
        lambda: system.metrics.get("/api/offices/elverum/footfall").json()["counters"],
        what="the redirect counted",
    )
    assert counters["redirected"] == 1
    assert counters["alternative:self_service_pc"] == 1
    assert system.waiting_list("elverum")["waiting"] == []


def test_an_emergency_is_queued_even_when_drop_in_is_closed(system: System) -> None:
    answer = system.check_in("elverum", {"kind": "emergency", "reason": "emergency_assistance"})
    assert answer.status_code == 201
    assert answer.json()["ticket"].startswith("A-")


def test_the_policy_hints_say_what_the_tablet_shows(system: System) -> None:
    hints = system.checkin.get("/api/offices/loten/policy").json()
    assert hints["drop_in_open"] is True
    assert hints["drop_in_today"] == ["12:00-15:00"]
    assert hints["emergency_always_allowed"] is True
    assert system.checkin.get("/api/offices/elverum/policy").json()["drop_in_open"] is False


@pytest.mark.parametrize(
    ("office", "body", "headers", "status", "error"),
    [
        ("nowhere", DROP_IN, {}, 404, "unknown_office"),
        ("halden", {"kind": "drop_in", "reason": "lunch"}, {}, 422, "invalid_request"),
        ("halden", {"kind": "drop_in"}, {}, 422, "invalid_request"),
        ("halden", {**DROP_IN, "name": "Ola Nordmann"}, {}, 422, "invalid_request"),
        ("halden", {**DROP_IN, "sms": {"phone": "call me"}}, {}, 422, "invalid_request"),
        ("halden", DROP_IN, {"Idempotency-Key": "x"}, 400, "bad_idempotency_key"),
        ("halden", {**DROP_IN, "line_id": "vip"}, {}, 422, "unknown_line"),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_nothing_is_published(
    system: System, office: str, body: dict[str, object], headers: dict[str, str], status: int, error: str
) -> None:
    before = system.end_offsets(system.topics.visits)
    answer = system.checkin.post(f"/api/offices/{office}/check-ins", json=body, headers=headers)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error
    assert answer.json()["message"]
    assert system.end_offsets(system.topics.visits) == before


def test_malformed_and_oversized_bodies_are_refused(system: System) -> None:
    before = system.end_offsets(system.topics.visits)
    malformed = system.checkin.post(
        "/api/offices/halden/check-ins", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422
    assert malformed.json()["error"] == "invalid_request"
    huge = system.checkin.post(
        "/api/offices/halden/check-ins",
        content=b"{" + b" " * 40_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.json()["error"] == "body_too_large"
    assert system.end_offsets(system.topics.visits) == before


@pytest.mark.parametrize(
    ("office", "content", "headers", "message"),
    [
        ("Halden", b'{"kind": "drop_in", "reason": "case_status"}', {}, "office_id: String should match"),
        (
            "halden",
            b'{"kind": "drop_in", "reason": "case_status"}',
            {"X-Device-Id": "d" * 65},
            "X-Device-Id:",
        ),
        ("halden", b"", {}, "request: Field required"),
        ("halden", b"{secret-word", {}, "request: JSON decode error"),
        (
            "halden",
            b'{"kind": "drop_in", "reason": "case_status"}',
            {"content-type": "text/plain"},
            "request:",
        ),
        ("halden", b'{"kind": "drop_in", "reason": "secret-word"}', {}, "reason: Input should be"),
        ("halden", b'{"kind": "drop_in", "reason": "case_status", "secret-word": 1}', {}, "(unknown field)"),
    ],
)
def test_the_check_ins_own_reading_of_the_request_refuses_in_fastapis_words_never_the_input(
    system: System, office: str, content: bytes, headers: dict[str, str], message: str
) -> None:
    before = system.end_offsets(system.topics.visits)
    answer = system.checkin.post(
        f"/api/offices/{office}/check-ins",
        content=content,
        headers={"content-type": "application/json", **headers},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "invalid_request"
    assert message in answer.json()["message"]
    assert "secret-word" not in answer.text
    assert "ddddd" not in answer.text
    assert system.end_offsets(system.topics.visits) == before


def test_no_phone_number_reaches_kafka_or_the_logs(system: System) -> None:
    phone = "+47 912 34 567"
    answer = system.check_in("halden", {**DROP_IN, "sms": {"phone": phone}})
    assert answer.status_code == 201
    visit_id = answer.json()["visit_id"]
    assert system.redis.get(f"vf:contact:{visit_id}") == phone.encode()
    now = system.clock.now()
    left = (end_of_day(business_date(now)) - now).total_seconds()
    assert abs(system.redis.ttl(f"vf:contact:{visit_id}") - left) <= 5  # gone at the day's end
    digits = phone.replace(" ", "").removeprefix("+47").encode()
    for topic in system.topics.all():
        assert not any(digits in value for value in system.read_topic(topic)), topic
    for log in (system.stack.home / "logs").glob("*.log"):
        assert digits.decode() not in log.read_text(errors="replace"), log.name


def test_a_visit_joins_the_line_for_its_kind_and_reason_unless_the_host_names_one(system: System) -> None:
    lines = {
        reason: system.check_in("halden", {"kind": "drop_in", "reason": reason}).json()["line_id"]
        for reason in ("case_status", "self_service_help")
    }
    named = system.check_in("halden", {"kind": "drop_in", "reason": "case_status", "line_id": "self_service"})
    assert lines == {"case_status": "drop_in", "self_service_help": "self_service"}
    assert named.json()["line_id"] == "self_service"


def test_a_host_may_steer_a_visitor_the_policy_would_queue(system: System) -> None:
    steered = system.check_in("halden", {**DROP_IN, "redirect_to": "contact_centre"})  # drop-in is open
    assert steered.status_code == 201, steered.text
    assert steered.json()["outcome"] == "redirected"
    assert steered.json()["cause"] == "host_choice"
