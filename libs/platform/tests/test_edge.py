"""The edge every API shares, on a small app built with `install_common`: the caller is authenticated
before anything reads the body, personal data is refused, limits hold, and every refusal carries the
security headers and never quotes the input."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import jwt
import pytest
import redis.exceptions
from fastapi import Depends, FastAPI
from prometheus_client import CollectorRegistry
from pydantic import BaseModel, ConfigDict
from visitflow_platform.access import Role
from visitflow_platform.auth import Principal, issue_token, principal
from visitflow_platform.deps import LastEventId, OfficeDep
from visitflow_platform.settings import ServiceSettings
from visitflow_platform.web import SECURITY_HEADERS, install_common

SETTINGS = ServiceSettings()
HOST = issue_token(SETTINGS, Role.HOST, "host-1", offices=("halden",))
AS_HOST = {"Authorization": f"Bearer {HOST}"}
NATIONAL_ID = "15076500565"  # valid check digits
PHONE = "+47 912 34 567"
Who = Annotated[Principal, Depends(principal)]


class Sms(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: str


class Visit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str = "TA-4K7Q"
    sms: Sms | None = None
    notes: list[str] = []


def edge_app(registry: CollectorRegistry | None = None) -> FastAPI:
    app = FastAPI()
    app.state.offices = SETTINGS.offices
    install_common(app, SETTINGS, registry or CollectorRegistry(), {}, phone_fields={"sms.phone"})

    @app.post("/api/offices/{office_id}/visits")
    async def create(office: OfficeDep, visit: Visit, who: Who) -> dict[str, str]:
        return {"office": office.id, "by": who.subject}

    @app.get("/api/offices/{office_id}/visits")
    async def listing(office: OfficeDep, who: Who, day: str | None = None) -> dict[str, str]:
        return {"office": office.id, "by": who.subject}

    @app.get("/api/offices/{office_id}/visits/stream")
    async def stream(office: OfficeDep, who: Who, last_event_id: LastEventId) -> dict[str, str | None]:
        return {"by": who.subject, "from": last_event_id}

    @app.get("/pages/{name}")  # public: no principal needed
    async def page(name: str) -> dict[str, str]:
        return {"page": name}

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("a bug")

    @app.get("/redis/{fault}")
    async def redis_stuck(fault: str) -> None:
        raise {
            "pool": redis.exceptions.ConnectionError("No connection available."),
            "slow": redis.exceptions.TimeoutError("Timeout reading from redis-7:6379"),
            "away": redis.exceptions.ConnectionError("Error 111 connecting to redis-7:6379."),
        }[fault]

    return app


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with from_address(edge_app(), "10.0.0.1") as client:
        yield client


def from_address(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50_000), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://visitflow.test")


def assert_refused(answer: httpx.Response, status: int, error: str, *unquoted: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error
    assert answer.json()["message"]
    for value in unquoted:
        assert value not in answer.text
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, name


def token_with(**claims: Any) -> str:
    now = int(time.time())
    base = {"sub": "x", "role": "host", "iss": SETTINGS.auth_issuer, "aud": SETTINGS.auth_audience}
    return jwt.encode({**base, "iat": now, "exp": now + 600, **claims}, SETTINGS.auth_secret)


# authentication first


async def test_without_a_token_the_body_is_not_even_read(api: httpx.AsyncClient) -> None:
    for body in (b"{not json", b'{"reference": "' + NATIONAL_ID.encode() + b'"}', b"x" * 40_000):
        answer = await api.post(
            "/api/offices/halden/visits", content=body, headers={"Content-Type": "application/json"}
        )
        assert_refused(answer, 401, "unauthenticated")


async def test_a_bad_token_is_refused_before_a_body_is_read_and_by_the_route_for_a_read(
    api: httpx.AsyncClient,
) -> None:
    bad = {"Authorization": "Bearer not-a-token", "Content-Type": "application/json"}
    write = await api.post("/api/offices/halden/visits", content=b"{not json", headers=bad)
    assert_refused(write, 401, "unauthenticated", "not-a-token")
    read = await api.get("/api/offices/halden/visits", headers=bad)
    assert_refused(read, 401, "unauthenticated", "not-a-token")
    assert (await api.get("/pages/welcome", headers=bad)).status_code == 200  # public: no token needed


async def test_a_token_in_the_query_counts_only_for_a_live_stream(api: httpx.AsyncClient) -> None:
    query = {"access_token": HOST}
    write = await api.post("/api/offices/halden/visits", params=query, json={})
    assert_refused(write, 401, "unauthenticated", HOST)
    read = await api.get("/api/offices/halden/visits", params=query)
    assert_refused(read, 401, "unauthenticated", HOST)
    stream = await api.get("/api/offices/halden/visits/stream", params=query)
    assert stream.status_code == 200
    assert stream.json()["by"] == "host-1"


@pytest.mark.parametrize(
    ("claims", "named"),
    [
        ({"offices": 5}, "offices"),
        ({"offices": "halden"}, "offices"),
        ({"offices": ["halden", 7]}, "offices"),
        ({"offices": [["halden"]]}, "offices"),
        ({"region": 5}, "region"),
        ({"sub": 5}, "sub"),
        ({"sub": ""}, "sub"),
        ({"role": "king"}, "role"),
        ({"role": ["host"]}, "role"),
        ({"exp": float("inf")}, "not valid"),
    ],
)
async def test_a_signed_token_with_a_malformed_claim_is_401_and_says_which(
    api: httpx.AsyncClient, claims: dict[str, Any], named: str
) -> None:
    answer = await api.get(
        "/api/offices/halden/visits", headers={"Authorization": f"Bearer {token_with(**claims)}"}
    )
    assert_refused(answer, 401, "unauthenticated")
    assert named in answer.json()["message"]


async def test_after_ten_failed_authentications_an_address_gets_429_but_a_good_token_still_works() -> None:
    app = edge_app()
    bad = {"Authorization": "Bearer not-a-token"}
    async with from_address(app, "10.0.0.7") as prober, from_address(app, "10.0.0.8") as neighbour:
        for _ in range(10):
            assert_refused(
                await prober.get("/api/offices/halden/visits", headers=bad), 401, "unauthenticated"
            )

        eleventh = await prober.get("/api/offices/halden/visits", headers=bad)
        assert_refused(eleventh, 429, "too_many_failed_authentications")
        assert 0 < int(eleventh.headers["Retry-After"]) <= 60

        assert (await prober.get("/api/offices/halden/visits", headers=AS_HOST)).status_code == 200
        assert (await neighbour.get("/api/offices/halden/visits", headers=bad)).status_code == 401


# personal data


@pytest.mark.parametrize(
    ("method", "path", "request_args", "place"),
    [
        ("GET", f"/pages/{NATIONAL_ID}", {}, "The address"),
        ("GET", "/pages/%2B47%20912%2034%20567", {}, "The address"),
        ("GET", "/api/offices/halden/visits", {"params": {"day": "91234567"}}, "The query parameter `day`"),
        ("GET", "/api/offices/halden/visits", {"params": {NATIONAL_ID: "1"}}, "A query parameter's name"),
        ("GET", "/api/offices/halden/visits", {"headers": {"X-Device-Id": "150765 00565"}}, "`x-device-id`"),
        (
            "GET",
            "/api/offices/halden/visits",
            {"headers": {"Idempotency-Key": "4791234567"}},
            "`idempotency-key`",
        ),
        ("POST", "/api/offices/halden/visits", {"json": {"reference": f"ref-{NATIONAL_ID}"}}, "`reference`"),
        ("POST", "/api/offices/halden/visits", {"json": {"reference": PHONE}}, "The field `reference`"),
        ("POST", "/api/offices/halden/visits", {"json": {"notes": ["fine", ["deeper", PHONE]]}}, "`notes`"),
        ("POST", "/api/offices/halden/visits", {"json": {"sms": {"phone": NATIONAL_ID}}}, "`sms.phone`"),
        (
            "POST",
            "/api/offices/halden/visits",
            {"json": {"sms": {"phone": "91234567", "x": PHONE}}},
            "`sms.x`",
        ),
        ("POST", "/api/offices/halden/visits", {"json": {NATIONAL_ID: "key, not value"}}, "A field's name"),
        ("POST", "/api/offices/halden/visits", {"json": {"Ola Nordmann": PHONE}}, "A field "),
        ("GET", "/api/offices/halden/visits", {"headers": {f"X-{NATIONAL_ID}": "1"}}, "A header's name"),
        ("GET", "/api/offices/halden/visits", {"headers": {"X-91234567": PHONE}}, "A header"),
        ("POST", "/api/offices/halden/visits", {"json": {"v91234567": PHONE}}, "A field"),
    ],
)
async def test_personal_data_anywhere_in_a_request_is_refused_naming_where_but_not_quoting_it(
    api: httpx.AsyncClient, method: str, path: str, request_args: dict[str, Any], place: str
) -> None:
    headers = {**AS_HOST, **request_args.pop("headers", {})}
    answer = await api.request(method, path, headers=headers, **request_args)
    assert_refused(answer, 422, "personal_data", NATIONAL_ID, "91234567", "912 34 567", "00565", "Ola")
    assert place in answer.json()["message"]


async def test_a_field_named_for_phone_numbers_may_carry_one(api: httpx.AsyncClient) -> None:
    answer = await api.post("/api/offices/halden/visits", headers=AS_HOST, json={"sms": {"phone": PHONE}})
    assert answer.status_code == 200, answer.text


async def test_credentials_and_transport_headers_are_not_read_for_personal_data(
    api: httpx.AsyncClient,
) -> None:
    headers = {
        **AS_HOST,
        "Cookie": f"remembered={NATIONAL_ID}",
        "User-Agent": "91234567",
        "X-Forwarded-For": "192.168.100.200",
    }
    assert (await api.get("/api/offices/halden/visits", headers=headers)).status_code == 200


async def test_an_unauthenticated_caller_hears_401_before_anything_about_personal_data(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.post("/api/offices/halden/visits", json={"reference": NATIONAL_ID})
    assert_refused(answer, 401, "unauthenticated")


# limits


async def test_an_oversized_body_gets_413_with_the_security_headers(api: httpx.AsyncClient) -> None:
    answer = await api.post("/api/offices/halden/visits", headers=AS_HOST, content=b" " * 40_000)
    assert_refused(answer, 413, "body_too_large")


async def test_an_oversized_body_without_content_length_gets_413(api: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" " * 1000

    answer = await api.post("/api/offices/halden/visits", headers=AS_HOST, content=chunks())
    assert_refused(answer, 413, "body_too_large")


async def test_a_body_in_pieces_within_the_limit_reaches_the_app_whole(api: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"reference": '
        yield b'"TA-1", "notes": ["a", "b"]}'

    headers = {**AS_HOST, "Content-Type": "application/json"}
    answer = await api.post("/api/offices/halden/visits", headers=headers, content=chunks())
    assert answer.status_code == 200, answer.text


# client input never gives a 5xx nor is quoted back


@pytest.mark.parametrize("where", ["header", "query"])
async def test_a_last_event_id_no_stream_can_have_sent_is_a_clear_422(
    api: httpx.AsyncClient, where: str
) -> None:
    impossible = "99999999999999999999-1"  # beyond the largest stream id Redis has (2^64 - 1 ms)
    request: dict[str, Any] = (
        {"headers": {**AS_HOST, "Last-Event-ID": impossible}}
        if where == "header"
        else {"headers": AS_HOST, "params": {"last_event_id": impossible}}
    )
    answer = await api.get("/api/offices/halden/visits/stream", **request)
    assert_refused(answer, 422, "invalid_request", impossible)

    largest = "18446744073709551615-0"
    answer = await api.get("/api/offices/halden/visits/stream", headers={**AS_HOST, "Last-Event-ID": largest})
    assert answer.status_code == 200
    assert answer.json()["from"] == largest


async def test_an_unknown_office_is_not_quoted_back(api: httpx.AsyncClient) -> None:
    answer = await api.get("/api/offices/no-such-office/visits", headers=AS_HOST)
    assert_refused(answer, 404, "unknown_office", "no-such-office")


async def test_a_validation_error_names_known_fields_but_never_quotes_an_unknown_one(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.post(
        "/api/offices/halden/visits", headers=AS_HOST, json={"reference": 5, "Ola Nordmann": "x"}
    )
    assert_refused(answer, 422, "invalid_request", "Ola", "Nordmann")
    assert "reference" in answer.json()["message"]


async def test_a_crash_is_a_500_with_the_security_headers_and_no_details(api: httpx.AsyncClient) -> None:
    answer = await api.get("/crash")
    assert_refused(answer, 500, "internal_error", "a bug", "RuntimeError")


@pytest.mark.parametrize("fault", ["pool", "slow", "away"])
async def test_redis_overloaded_or_away_is_a_503_to_retry_never_a_500(
    api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    answer = await api.get(f"/redis/{fault}")
    assert_refused(answer, 503, "overloaded", "redis-7", "connection", "Timeout")
    assert int(answer.headers["Retry-After"]) > 0
    assert "Idempotency-Key" in answer.json()["message"]
    (logged,) = [r for r in caplog.records if r.name == "visitflow_platform.web"]
    assert logged.levelno == logging.WARNING
    assert logged.__dict__["route"] == "/redis/{fault}"  # the template, not the path
    assert "redis-7" not in logged.getMessage()
    assert not logged.exc_info


async def test_no_token_reaches_a_log_line(api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.WARNING, "httpx")  # the test's own client logs the addresses it calls
    await api.get("/crash", params={"access_token": HOST})
    await api.get("/crash", headers=AS_HOST)
    await api.get("/api/offices/halden/visits/stream", params={"access_token": HOST})
    await api.get("/api/offices/halden/visits", headers={"Authorization": "Bearer not-a-token"})
    assert caplog.records  # the crashes were logged
    logged = caplog.text + "".join(repr(record.__dict__) for record in caplog.records)
    assert HOST not in logged
    assert "not-a-token" not in logged


async def test_an_unknown_method_is_measured_as_other_not_as_a_new_label() -> None:
    registry = CollectorRegistry()
    async with from_address(edge_app(registry), "10.0.0.1") as client:
        await client.request("BREW", "/pages/coffee", headers=AS_HOST)
    labels = {"service": SETTINGS.service_name, "route": "/pages/{name}", "status": "405"}
    assert registry.get_sample_value(
        "visitflow_http_request_duration_seconds_count", {**labels, "method": "other"}
    )
    assert not registry.get_sample_value(
        "visitflow_http_request_duration_seconds_count", {**labels, "method": "BREW"}
    )
