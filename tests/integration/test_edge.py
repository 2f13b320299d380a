"""The edge of the running services: the caller is authenticated before the body is read, a query token
counts only for a live stream, a malformed token is a 401, personal data and impossible input get a clear
4xx with nothing published, and every refusal carries the security headers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from visitflow_devstack.testing import System, client_of_its_own
from visitflow_platform.access import Role
from visitflow_platform.web import SECURITY_HEADERS

pytestmark = pytest.mark.integration
OFFICE, REGION = "halden", "ostfold"
NATIONAL_ID = "15076500565"  # valid check digits
DROP_IN = {"kind": "drop_in", "reason": "deliver_documents"}
STREAMS = [
    ("queue", f"/api/offices/{OFFICE}/queue/stream"),
    ("notify", f"/api/offices/{OFFICE}/display/stream"),
    ("notify", f"/api/offices/{OFFICE}/counsellor-alerts/stream"),
    ("metrics", f"/api/regions/{REGION}/stream"),
]
CHECK_IN = f"/api/offices/{OFFICE}/check-ins"
PROTECTED = {
    "checkin": "/api/offices",
    "queue": f"/api/offices/{OFFICE}/queue",
    "notify": f"/api/offices/{OFFICE}/display",
    "metrics": "/api/regions",
}


def assert_refused(answer: httpx.Response, status: int, error: str, *unquoted: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error
    assert answer.json()["message"]
    for value in unquoted:
        assert value not in answer.text
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, name


@pytest.fixture
def anonymous(system: System) -> Iterator[dict[str, httpx.Client]]:
    clients = {name: client_of_its_own(system.stack.url(name), timeout=20) for name in PROTECTED}
    yield clients
    for client in clients.values():
        client.close()


@pytest.mark.parametrize(("service", "path"), STREAMS)
def test_a_last_event_id_no_stream_can_have_sent_is_a_clear_422_on_every_stream(
    system: System, service: str, path: str
) -> None:
    impossible = "99999999999999999999-1"
    client: httpx.Client = getattr(system, service)
    for request in ({"headers": {"Last-Event-ID": impossible}}, {"params": {"last_event_id": impossible}}):
        with client.stream("GET", path, **request) as answer:  # type: ignore[arg-type]
            assert answer.status_code == 422, "the stream began"  # before reading: a stream never ends
            answer.read()
            assert_refused(answer, 422, "invalid_request", impossible)


def test_without_a_token_a_bad_body_gets_401_not_422(anonymous: dict[str, httpx.Client]) -> None:
    json = {"Content-Type": "application/json"}
    assert_refused(
        anonymous["checkin"].post(CHECK_IN, content=b"{not json", headers=json), 401, "unauthenticated"
    )
    command = anonymous["queue"].post(f"/api/offices/{OFFICE}/call-next", content=b"[", headers=json)
    assert_refused(command, 401, "unauthenticated")


def test_a_token_in_the_query_counts_only_for_a_live_stream(
    system: System, anonymous: dict[str, httpx.Client]
) -> None:
    query = {"access_token": system.token(Role.HOST, (OFFICE,))}
    assert_refused(anonymous["checkin"].post(CHECK_IN, params=query, json=DROP_IN), 401, "unauthenticated")
    assert_refused(
        anonymous["queue"].get(f"/api/offices/{OFFICE}/queue", params=query), 401, "unauthenticated"
    )
    with anonymous["queue"].stream("GET", f"/api/offices/{OFFICE}/queue/stream", params=query) as stream:
        assert stream.status_code == 200


@pytest.mark.parametrize(("service", "path"), sorted(PROTECTED.items()))
def test_a_validly_signed_token_with_a_malformed_claim_is_401(
    system: System, anonymous: dict[str, httpx.Client], service: str, path: str
) -> None:
    settings, now = system.settings, int(time.time())
    claims = {"sub": "test-host", "role": "host", "offices": 5}  # a number where a list belongs
    registered = {"iss": settings.auth_issuer, "aud": settings.auth_audience, "iat": now, "exp": now + 600}
    token = jwt.encode({**claims, **registered}, settings.auth_secret)
    answer = anonymous[service].get(path, headers={"Authorization": f"Bearer {token}"})
    assert_refused(answer, 401, "unauthenticated")
    assert "offices" in answer.json()["message"]


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (
            {**DROP_IN, "appointment": {"reference": NATIONAL_ID, "starts_at": "2026-11-23T12:40:00+01:00"}},
            {},
        ),
        ({**DROP_IN, "line_id": "150765 00565"}, {}),
        (DROP_IN, {"X-Device-Id": "4791234567"}),
        (DROP_IN, {"Idempotency-Key": f"tap-{NATIONAL_ID}"}),
    ],
)
def test_personal_data_in_a_check_in_is_refused_and_nothing_is_published(
    system: System, body: dict[str, Any], headers: dict[str, str]
) -> None:
    before = system.end_offsets(system.topics.visits)
    answer = system.checkin.post(CHECK_IN, json=body, headers=headers)
    assert_refused(answer, 422, "personal_data", NATIONAL_ID, "00565", "4791234567")
    assert system.end_offsets(system.topics.visits) == before


def test_an_identity_number_in_an_address_is_refused_even_on_a_public_page(system: System) -> None:
    answer = httpx.get(f"{system.stack.url('notify')}/display/{NATIONAL_ID}")
    assert_refused(answer, 422, "personal_data", NATIONAL_ID)


def test_oversized_bodies_get_413_with_the_security_headers_whether_or_not_their_length_is_declared(
    system: System,
) -> None:
    declared = system.checkin.post(
        CHECK_IN, content=b" " * 40_000, headers={"Content-Type": "application/json"}
    )
    assert_refused(declared, 413, "body_too_large")

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 1000

    chunked = system.checkin.post(CHECK_IN, content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in chunked.request.headers
    assert_refused(chunked, 413, "body_too_large")
