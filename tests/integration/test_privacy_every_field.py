"""Privacy by construction, probed from outside: an identity number, a phone number and a name are sent
in every string field, parameter and header of every endpoint of the four APIs (and as the subject of a
validly signed token). Afterwards no project topic (read from the start with a real consumer), no log
file and no Redis key holds any of them, nor any Redis value outside the SMS contact store."""

from __future__ import annotations

import copy
import functools
import itertools
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from visitflow_devstack.testing import FakeSmsGateway, System, eventually
from visitflow_platform.access import Role
from visitflow_platform.auth import issue_token
from visitflow_platform.tables import stored_json
from visitflow_platform.topics import topic_specs

pytestmark = pytest.mark.integration

PERSONAL = {
    "identity number": "01017012343",  # valid check digits
    "identity number in a reference": "TA-01017012343",
    "eleven digits": "01017012345",
    "phone number": "4791234567",
    "name": "Ola.Nordmann",
}
SERVICES = ("checkin", "queue", "notify", "metrics")
HEADERS = (
    "X-Device-Id",
    "X-Actor-Id",
    "Idempotency-Key",
    "Last-Event-ID",
    "X-Request-Id",
    "X-Correlation-Id",
    "X-Forwarded-For",
    "User-Agent",
    "Referer",
)
PATH_VALUES = {"office_id": "halden", "region_id": "ostfold"}
# A body each operation would accept, so that a value put into one field meets every check but that one.
BODIES: dict[str, dict[str, Any]] = {
    "/check-ins": {
        "kind": "appointment",
        "reason": "counsellor_appointment",
        "line_id": "appointment",
        "needs": {"interpreter": True, "language": "en"},
        "appointment": {"reference": "TA-4K7Q", "starts_at": "", "counsellor_id": "veileder-1"},
        "sms": {"phone": "+47 400 00 000"},
    },
    "/call-next": {"room_id": "samtalerom-1", "line_id": "drop_in", "counsellor_id": "veileder-1"},
    "/call": {"room_id": "samtalerom-1"},
    "/complete": {"outcome": "served"},
    "/transfer": {"to_line_id": "appointment", "counsellor_id": "veileder-1"},
    "/cancel": {"cause": "visitor_left"},
}


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _string_fields(
    spec: dict[str, Any], schema: dict[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """The path of every field of a body schema that a client can send a string in."""
    schema = _resolve(spec, schema)
    for option in schema.get("anyOf", []) + schema.get("allOf", []):
        yield from _string_fields(spec, option, prefix)
    if schema.get("type") == "object" or "properties" in schema:
        for name, inner in schema.get("properties", {}).items():
            yield from _string_fields(spec, inner, (*prefix, name))
    elif prefix and (schema.get("type") == "string" or "enum" in schema):
        yield prefix


def _with(body: dict[str, Any], field: tuple[str, ...], value: str) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    place = changed
    for name in field[:-1]:
        if not isinstance(place.get(name), dict):
            place[name] = {}
        place = place[name]
    place[field[-1]] = value
    return changed


def _body_for(path: str, now: str) -> dict[str, Any]:
    for suffix, body in BODIES.items():
        if path.endswith(suffix):
            filled = copy.deepcopy(body)
            if "appointment" in filled:
                filled["appointment"]["starts_at"] = now
            return filled
    return {}


def _requests(system: System, spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, httpx arguments) for every place of every operation a personal value can go."""
    now = system.clock.now().isoformat()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            names = re.findall(r"\{(\w+)\}", path)

            def fill(override: dict[str, str], names: list[str] = names, path: str = path) -> str:
                values = {n: override.get(n, PATH_VALUES.get(n, str(uuid.uuid4()))) for n in names}
                return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)

            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            base = _body_for(path, now) if content else None
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            for value in PERSONAL.values():
                plain: dict[str, Any] = {"json": base} if base is not None else {}
                for name in names:
                    yield method, fill({name: value}), plain
                for name in query:
                    yield method, fill({}), {**plain, "params": {name: value}}
                for name in sorted(headers | set(HEADERS)):
                    yield method, fill({}), {**plain, "headers": {name: value}}
                if content and base is not None:
                    for field in set(_string_fields(spec, content["schema"])):
                        yield method, fill({}), {"json": _with(base, field, value)}


def _send(client: httpx.Client, method: str, path: str, arguments: dict[str, Any]) -> int:
    with client.stream(method.upper(), path, **arguments) as answer:  # live streams: closed at once
        return answer.status_code


def _values_of(system: System, key: bytes) -> list[bytes]:
    redis = system.redis
    kind = redis.type(key)
    if kind == b"string":
        return [redis.get(key)]
    if kind == b"hash":
        return list(itertools.chain(*redis.hgetall(key).items()))
    if kind in (b"list", b"set", b"zset"):
        return list(redis.lrange(key, 0, -1) if kind == b"list" else redis.sort(key, alpha=True))
    if kind == b"stream":
        return [repr(entry).encode() for entry in redis.xrange(key)]
    return []


def _redis_findings(system: System, values: list[bytes]) -> list[str]:
    findings: list[str] = []
    contacts = b"vf:contact:"
    for key in system.redis.scan_iter(count=1000):
        findings += [f"redis key {key[:40]!r}" for v in values if v in key]
        if key.startswith(contacts):
            continue  # the opt-in's phone number, kept until midnight: the one place it may be
        blob = b"\n".join(part for part in _values_of(system, key) if part)
        findings += [f"redis value of {key[:40]!r}" for v in values if v in blob]
    return findings


def test_personal_data_sent_anywhere_reaches_no_topic_log_or_redis_key(system: System) -> None:
    statuses: dict[int, int] = {}
    sent = 0
    for service in SERVICES:
        spec = httpx.get(f"{system.stack.url(service)}/openapi.json").raise_for_status().json()
        for n, (method, path, arguments) in enumerate(_requests(system, spec)):
            # a subject of its own per request: the check-in limit per caller must not stop the probe
            token = issue_token(system.settings, Role.ADMIN, f"probe-{service}-{n}")
            headers = {"Authorization": f"Bearer {token}", **arguments.pop("headers", {})}
            with httpx.Client(base_url=system.stack.url(service), timeout=10, headers=headers) as client:
                status = _send(client, method, path, arguments)
            statuses[status] = statuses.get(status, 0) + 1
            sent += 1
        for value in PERSONAL.values():  # the token's own subject
            token = issue_token(system.settings, Role.ADMIN, value, ("halden",))
            answer = httpx.post(
                f"{system.stack.url('queue')}/api/offices/halden/call-next",
                json=BODIES["/call-next"],
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
    assert sent > 500, sent
    assert not [s for s in statuses if s >= 500], statuses
    time.sleep(3)  # the workers act on what was published

    assert _findings(system, [v.encode() for v in PERSONAL.values()]) == []


def _findings(system: System, values: list[bytes]) -> list[str]:
    """Where any of `values` is: every project topic from its start, every service log, every Redis key,
    and every Redis value outside the SMS contact store."""
    findings: list[str] = []
    for topic in (spec.name for spec in topic_specs(system.stack.settings())):
        for key, stored in system.read_records(topic):
            record = (key or b"") + b"\n" + (stored_json(stored) if stored else b"")
            findings += [f"{topic}: {v.decode()}" for v in values if v in record]
    for log in (system.stack.home / "logs").glob("*.log"):
        text = log.read_bytes()
        findings += [f"{log.name}: {v.decode()}" for v in values if v in text]
    findings += _redis_findings(system, values)
    return sorted(set(findings))


def test_a_visitors_link_and_what_it_did_leave_only_opaque_ids_behind(
    system: System, sms_gateway: FakeSmsGateway
) -> None:
    """A visitor opted in to SMS follows their own page and steps out, comes back and leaves from it:
    the link's token and the phone number are nowhere but in the contact store and the SMS; Redis keeps
    the link as a keyed digest naming an office and an opaque visit; the page shows that visit alone."""
    office, phone = "grunerlokka", "+47 4800 3131"
    answer = system.check_in(office, {"kind": "drop_in", "reason": "case_status", "sms": {"phone": phone}})
    assert answer.status_code == 201, answer.text
    link = answer.json()["visit_link"]["url"]
    token = link.rsplit("/", 1)[1]
    own = f"{system.stack.url('notify')}/api/visit/{token}"

    def shown(stage: str) -> dict[str, Any] | None:
        time.sleep(0.3)  # a link is limited to 60 requests a minute
        answer = httpx.get(own, timeout=10)
        if answer.status_code == 410 and stage == "ended":
            return {"stage": "ended"}
        return answer.json() if answer.status_code == 200 and answer.json()["stage"] == stage else None

    waiting = eventually(lambda: shown("waiting"), what="the visit in line")
    assert set(waiting) <= {
        "stage",
        "ticket",
        "place",
        "line",
        "expected_minutes",
        "expected_minutes_to",
        "office",
    }
    records = [record for key in system.redis.scan_iter("vf:link:l-*") if (record := system.redis.get(key))]
    assert records
    assert all(set(orjson.loads(record)) == {"office_id", "visit_id", "minted_at"} for record in records)
    for act, stage in (("hold", "held"), ("return", "waiting"), ("cancel", "ended")):
        assert httpx.post(f"{own}/{act}", timeout=10).status_code in (200, 202)  # done, or not yet answered
        eventually(functools.partial(shown, stage), what=stage)
    sent = eventually(lambda: sms_gateway.to(phone), what="the SMS with the link")
    assert link in sent[0]["text"]
    time.sleep(2)  # the workers act on what was published

    digits = phone.replace(" ", "").lstrip("+")
    assert _findings(system, [token.encode(), phone.encode(), digits.encode(), digits[2:].encode()]) == []
