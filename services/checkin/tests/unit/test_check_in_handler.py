"""A check-in as the use case does it (`handlers.CheckIns`), with fakes for Kafka, the queue's replies,
the check-in's record and the visitors' links: what each outcome of the policy publishes, answers and
counts, a resend answered from the record with the same link, and a link given only to a queued visit.
The real adapters are the integration tests' (`test_check_in.py`, `test_checkin_idempotency.py`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import pytest
from pydantic import BaseModel
from visitflow_checkin.domain import CheckInRequest, Queued, Refusal
from visitflow_checkin.handlers import Answer, CheckIns
from visitflow_checkin.handlers.ports import CountedRequest, LinkToKeep
from visitflow_events import Message, VisitorCheckedIn, VisitRedirected
from visitflow_offices import OSLO, FixedClock, Office, load_offices
from visitflow_platform.errors import ApiError

CONFIG = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"
MONDAY_DROP_IN = datetime(2026, 11, 23, 12, 30, tzinfo=OSLO)
SUNDAY_NIGHT = datetime(2026, 11, 22, 3, 0, tzinfo=OSLO)
KEY = "3f2a9c1e6b7d4e0fa1b2c3d4e5f60718"  # not a UUIDv7: the check-in's time is the clock's
OTHER_KEY = "0f2a9c1e6b7d4e0fa1b2c3d4e5f60718"
TOPIC = "visitflow.visits.v1"
PAGE = "https://visit.example/"


@dataclass
class FakePublisher:
    published: list[tuple[str, Any]] = field(default_factory=list)
    down: bool = False

    async def publish(self, topic: str, message: Message) -> None:
        await self.publish_all(topic, [message])

    async def publish_all(self, topic: str, messages: Sequence[Message]) -> None:
        if self.down:
            raise ApiError(503, "kafka_unavailable", "Kafka did not confirm.")
        self.published += [(topic, message) for message in messages]


@dataclass
class FakeReplies:
    """The queue: answers each expected visit with a ticket, unless `silent` (then no reply in time)."""

    silent: bool = False
    stored_replies: dict[str, str] = field(default_factory=dict)

    def expect(self, key: str) -> asyncio.Future[str]:
        return asyncio.get_running_loop().create_future()

    async def wait(self, key: str, future: asyncio.Future[str], timeout_s: float) -> str | None:
        if self.silent:
            return None
        reply = orjson.dumps(
            {"visit_id": key, "ticket": "D001", "line_id": "drop_in", "position": 1, "estimated_wait_s": 300}
        ).decode()
        self.stored_replies[key] = reply
        return reply

    async def stored(self, key: str) -> str | None:
        return self.stored_replies.get(key)


@dataclass(frozen=True)
class Kept:
    status: int
    body: dict[str, object]


@dataclass
class FakeClaim:
    prior: Kept | None
    refused: Refusal | None = None
    kept: Kept | None = None

    async def keep(self, status: int, body: dict[str, object], link: LinkToKeep | None = None) -> None:
        self.kept = Kept(status, body)
        if link is not None:
            link.write(None)


@dataclass
class FakeLimit:
    """The rate limit: how many requests it counted, each alone or within a claim, and its limit."""

    allowed: int = 100
    counted: int = 0
    alone: int = 0

    def request(self) -> FakeCount:
        return FakeCount(self)


@dataclass
class FakeCount:
    limit: FakeLimit

    async def check(self) -> None:
        self.limit.alone += 1
        self.count(None)
        self.judge(self.limit.counted)

    def count(self, pipe: Any) -> None:
        self.limit.counted += 1

    def judge(self, count: int) -> None:
        if count > self.limit.allowed:
            raise ApiError(429, "too_many_requests", "Too many.")


@dataclass
class FakeRecords:
    """Each check-in's record: its office, fingerprint and kept answer; a claim without an answer kept
    is let go, as the Redis store does."""

    records: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    claims: int = 0

    def fingerprint(self, request: BaseModel, *context: str | None) -> str:
        return orjson.dumps([request.model_dump(mode="json"), *context]).decode()

    @asynccontextmanager
    async def claim(
        self, visit_id: UUID, office_id: str, fingerprint: str, counted: CountedRequest | None = None
    ) -> AsyncIterator[FakeClaim]:
        if counted is not None:
            assert isinstance(counted, FakeCount)
            counted.count(None)
            counted.judge(counted.limit.counted)  # raises over the limit, holding nothing
        self.claims += 1
        record = self.records.get(visit_id)
        if record is not None and record["fingerprint"] != fingerprint:
            yield FakeClaim(None, Refusal(422, "idempotency_key_reused", "Used for a different check-in."))
            return
        claim = FakeClaim(record["answer"] if record else None)
        self.records[visit_id] = {"office_id": office_id, "fingerprint": fingerprint, "answer": None}
        try:
            yield claim
        finally:
            if claim.kept is not None:
                self.records[visit_id]["answer"] = claim.kept
            elif claim.prior is None:
                del self.records[visit_id]
            else:
                self.records[visit_id]["answer"] = claim.prior

    async def office_of(self, visit_id: UUID) -> str | None:
        record = self.records.get(visit_id)
        return None if record is None else str(record["office_id"])


@dataclass
class FakeLink:
    """A link minted, stored once the kept answer's round trip writes it."""

    links: FakeLinks
    visit_id: UUID
    token: str

    def write(self, pipe: Any) -> None:
        self.links.tokens[self.visit_id] = self.token
        self.links.with_answer += 1

    async def written(self, results: Sequence[Any]) -> None:
        return None


@dataclass
class FakeLinks:
    tokens: dict[UUID, str] = field(default_factory=dict)
    phones: dict[UUID, str] = field(default_factory=dict)
    minted: int = 0
    with_answer: int = 0  # links stored in the kept answer's round trip

    def new(self, office_id: str, visit_id: UUID, day: date, now: datetime) -> FakeLink:
        self.minted += 1
        return FakeLink(self, visit_id, f"token{self.minted}")

    async def give(
        self, office_id: str, visit_id: UUID, day: date, now: datetime, phone: str | None = None
    ) -> str:
        self.minted += 1
        self.tokens[visit_id] = token = f"token{self.minted}"
        if phone is not None:
            self.phones[visit_id] = phone
        return token

    async def given(self, visit_id: UUID) -> str | None:
        return self.tokens.get(visit_id)


@dataclass
class World:
    check_ins: CheckIns
    publisher: FakePublisher
    replies: FakeReplies
    records: FakeRecords
    links: FakeLinks
    counted: list[str]
    limit: FakeLimit = field(default_factory=FakeLimit)


def world(at: datetime = MONDAY_DROP_IN) -> World:
    publisher, replies, records, links = FakePublisher(), FakeReplies(), FakeRecords(), FakeLinks()
    counted: list[str] = []
    check_ins = CheckIns(
        clock=FixedClock(at),
        zone=OSLO,
        secret="s" * 32,
        producer="checkin",
        topic=TOPIC,
        reply_timeout_s=2.0,
        page_url=PAGE,
        records=records,
        publisher=publisher,
        replies=replies,
        links=links,
        counted=counted.append,
        real_time=lambda: at.timestamp(),
    )
    return World(check_ins, publisher, replies, records, links, counted)


def loten() -> Office:
    found = load_offices(CONFIG).office("loten")
    assert found is not None
    return found


def request(**fields: Any) -> CheckInRequest:
    return CheckInRequest.model_validate({"kind": "drop_in", "reason": "case_status", **fields})


def status_url(visit_id: UUID) -> str:
    return f"https://checkin.example/api/offices/loten/check-ins/{visit_id}"


async def check_in(w: World, body: CheckInRequest | None = None, key: str = KEY) -> Answer | Refusal:
    return await w.check_ins.check_in(loten(), body or request(), None, key, status_url, w.limit.request())


def answered(answer: Answer | Refusal) -> Answer:
    assert isinstance(answer, Answer), answer
    return answer


async def test_a_queued_check_in_publishes_its_event_and_answers_the_ticket_and_the_visitors_link() -> None:
    w = world()
    answer = answered(await check_in(w))
    assert answer.status == 201
    assert (answer.body["outcome"], answer.body["ticket"], answer.body["office_id"]) == (
        "queued",
        "D001",
        "loten",
    )
    [(topic, event)] = w.publisher.published
    assert topic == TOPIC
    assert isinstance(event, VisitorCheckedIn)
    assert answer.body["visit_id"] == str(event.visit_id)
    assert answer.body["visit_link"]["url"] == "https://visit.example/v/token1"
    assert set(answer.body["visit_link"]) == {"url"}  # the tablet draws the QR code itself
    assert w.counted == ["queued"]
    kept = w.records.records[event.visit_id]["answer"]
    assert kept.status == 201
    assert "visit_link" not in kept.body


async def test_without_the_queues_reply_in_time_the_answer_is_202_with_the_status_url_and_the_link() -> None:
    w = world()
    w.replies.silent = True
    answer = answered(await check_in(w))
    visit_id = w.publisher.published[0][1].visit_id
    assert answer.status == 202
    assert answer.body["outcome"] == "accepted"
    assert answer.body["status_url"] == status_url(visit_id)
    assert answer.body["visit_link"]["url"].endswith("/v/token1")
    assert w.counted == ["accepted"]


async def test_a_refusal_by_the_policy_publishes_nothing_lets_the_record_go_and_is_counted() -> None:
    w = world(SUNDAY_NIGHT)
    refusal = await check_in(w)
    assert isinstance(refusal, Refusal)
    assert (refusal.status, refusal.code) == (409, "office_closed")
    assert w.publisher.published == []
    assert w.records.claims == 1
    assert w.records.records == {}
    assert w.links.minted == 0
    assert w.counted == ["refused"]


async def test_a_refusal_of_the_request_itself_claims_no_record_and_is_not_counted() -> None:
    w = world()
    refusal = await check_in(w, request(line_id="nowhere"))
    assert isinstance(refusal, Refusal)
    assert (refusal.status, refusal.code) == (422, "unknown_line")
    assert w.records.claims == 0
    assert w.publisher.published == []
    assert w.counted == []


async def test_a_host_redirect_publishes_the_steer_and_gives_no_link() -> None:
    w = world()
    answer = answered(await check_in(w, request(redirect_to="self_service_online")))
    assert answer.status == 201
    assert answer.body["outcome"] == "redirected"
    assert answer.body["alternative"] == "self_service_online"
    assert "visit_link" not in answer.body
    [(_, event)] = w.publisher.published
    assert isinstance(event, VisitRedirected)
    assert w.links.minted == 0
    assert w.counted == ["redirected"]


async def test_a_resend_gets_the_first_answer_and_the_same_link_without_publishing_again() -> None:
    w = world()
    first = answered(await check_in(w))
    again = answered(await check_in(w))
    assert (again.status, again.body) == (first.status, first.body)
    assert len(w.publisher.published) == 1
    assert w.links.minted == 1
    assert w.counted == ["queued"]  # a resend is not another check-in


async def test_a_resend_after_the_link_was_withdrawn_gets_a_new_link() -> None:
    w = world()
    first = answered(await check_in(w))
    w.links.tokens.clear()  # a host withdrew it
    again = answered(await check_in(w))
    assert first.body["visit_link"]["url"].endswith("/v/token1")
    assert again.body["visit_link"]["url"].endswith("/v/token2")
    assert {k: v for k, v in again.body.items() if k != "visit_link"} == {
        k: v for k, v in first.body.items() if k != "visit_link"
    }
    assert len(w.publisher.published) == 1


async def test_another_key_is_another_visit() -> None:
    w = world()
    first = answered(await check_in(w))
    other = answered(await check_in(w, key="0f2a9c1e6b7d4e0fa1b2c3d4e5f60718"))
    assert first.body["visit_id"] != other.body["visit_id"]
    assert len(w.publisher.published) == 2


async def test_an_sms_opt_in_keeps_the_phone_with_the_link_and_never_in_the_event_or_the_kept_answer() -> (
    None
):
    w = world()
    answer = answered(await check_in(w, request(sms={"phone": "+47 912 34 567"})))
    [(_, event)] = w.publisher.published
    assert w.links.phones == {event.visit_id: "+47 912 34 567"}
    assert "912" not in event.model_dump_json()
    assert "912" not in orjson.dumps(w.records.records[event.visit_id]["answer"].body).decode()
    assert "912" not in orjson.dumps(answer.body).decode()


async def test_without_an_sms_the_link_is_stored_with_the_kept_answer_and_with_one_before_the_event() -> None:
    # the SMS that carries the link is sent on the event: its phone and link must be stored first; a
    # link no SMS carries is stored in the kept answer's round trip (one round trip fewer)
    w = world()
    answered(await check_in(w))
    assert (w.links.minted, w.links.with_answer) == (1, 1)
    links_before_publishing: list[dict[UUID, str]] = []
    publish = w.publisher.publish_all

    async def noting(topic: str, messages: Sequence[Message]) -> None:
        links_before_publishing.append(dict(w.links.tokens))
        await publish(topic, messages)

    w.publisher.publish_all = noting  # type: ignore[method-assign]
    answer = answered(await check_in(w, request(sms={"phone": "+47 912 34 567"}), key=OTHER_KEY))
    visit_id = UUID(str(answer.body["visit_id"]))
    assert links_before_publishing[0][visit_id] == "token2"
    assert w.links.with_answer == 1


async def test_kafka_down_publishes_nothing_keeps_no_answer_nor_link_and_counts_nothing() -> None:
    w = world()
    w.publisher.down = True
    with pytest.raises(ApiError) as refused:
        await check_in(w)
    assert refused.value.status == 503
    assert w.records.records == {}
    assert w.links.tokens == {}  # the answer's link, never given, is not stored
    assert w.counted == []
    w.publisher.down = False
    assert answered(await check_in(w)).status == 201  # the retry is decided afresh


async def test_the_ticket_is_the_queues_reply_for_this_offices_visit_only() -> None:
    w = world()
    answer = answered(await check_in(w))
    visit_id = UUID(str(answer.body["visit_id"]))
    ticket = await w.check_ins.ticket("loten", visit_id)
    assert isinstance(ticket, Queued)
    assert (ticket.ticket, ticket.visit_id) == ("D001", visit_id)
    assert await w.check_ins.ticket("hamar", visit_id) is None  # another office's visit is as unknown
    assert await w.check_ins.ticket("loten", UUID(int=1)) is None


async def test_a_key_used_for_another_check_in_is_refused_and_leaves_the_first_ones_record() -> None:
    w = world()
    first = answered(await check_in(w))
    again = await check_in(w, request(reason="deliver_documents"))
    assert isinstance(again, Refusal)
    assert (again.status, again.code) == (422, "idempotency_key_reused")
    assert len(w.publisher.published) == 1
    [record] = w.records.records.values()
    assert record["answer"].status == first.status  # the first check-in's answer, kept for its resends


async def test_each_check_in_is_counted_once_with_its_claim_or_alone_when_it_claims_none() -> None:
    w = world()
    answered(await check_in(w))
    answered(await check_in(w))  # a resend counts as any request
    assert (w.limit.counted, w.limit.alone) == (2, 0)  # in the claim's round trip
    assert isinstance(await check_in(w, request(line_id="nowhere")), Refusal)
    assert (w.limit.counted, w.limit.alone) == (3, 1)  # refused for itself: counted alone


async def test_a_check_in_over_the_rate_limit_is_refused_before_anything_is_claimed_or_published() -> None:
    w = world()
    w.limit.allowed = 0
    for body in (request(), request(line_id="nowhere")):
        with pytest.raises(ApiError) as refused:
            await check_in(w, body)
        assert refused.value.status == 429
    assert w.records.claims == 0
    assert w.records.records == {}
    assert w.publisher.published == []
    assert w.counted == []
