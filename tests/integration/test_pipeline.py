"""The foundation: a message produced with kafka-python goes through the real broker, is consumed by
faust agents, and lands in Redis (the metrics counters and the queue's read model)."""

from __future__ import annotations

import uuid

import pytest
from kafka import KafkaProducer
from visitflow_devstack.testing import System, eventually
from visitflow_events import Reason, VisitKind, VisitorCheckedIn, encode
from visitflow_offices import business_date

pytestmark = pytest.mark.integration


def test_event_from_kafka_python_reaches_faust_agents_and_redis(system: System) -> None:
    now = system.clock.now()
    counters_key = f"vf:metrics:sarpsborg:{business_date(now).isoformat()}"
    before = system.redis.hgetall(counters_key)
    issued_before = system.waiting_list("sarpsborg")["issued_today"]
    visit_id = uuid.uuid4()
    event = VisitorCheckedIn(
        event_id=uuid.uuid4(),
        occurred_at=now,
        office_id="sarpsborg",
        correlation_id=visit_id,
        producer="test",
        visit_id=visit_id,
        business_date=business_date(now),
        kind=VisitKind.DROP_IN,
        reason=Reason.CASE_STATUS,
        line_id="drop_in",
    )
    producer = KafkaProducer(bootstrap_servers=system.stack.kafka_bootstrap, acks="all")
    producer.send(system.topics.visits, key=b"sarpsborg", value=encode(event)).get(timeout=10)
    producer.close()

    def counted(name: bytes) -> int:
        return int(system.redis.hget(counters_key, name) or 0) - int(before.get(name, 0))

    eventually(lambda: counted(b"arrivals") == 1, what="the metrics agent's counters in Redis")
    assert counted(b"reason:case_status") == 1

    snapshot = eventually(
        lambda: [v for v in system.waiting_list("sarpsborg")["waiting"] if v["visit_id"] == str(visit_id)],
        what="the queue agent's read model in Redis",
    )
    assert snapshot[0]["ticket"].startswith("D-")
    assert system.waiting_list("sarpsborg")["issued_today"] == issued_before + 1


def test_every_service_is_ready_and_exposes_metrics(system: System) -> None:
    for client in (system.checkin, system.queue, system.notify, system.metrics):
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert all(ready.json()["checks"].values())
        assert client.get("/healthz").json()["status"] == "ok"
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        assert "visitflow_http_request_duration_seconds" in metrics.text


def test_a_malformed_message_goes_to_the_dead_letter_topic_and_the_consumer_goes_on(system: System) -> None:
    before = system.end_offsets(system.topics.dead_letter)
    producer = KafkaProducer(bootstrap_servers=system.stack.kafka_bootstrap, acks="all")
    producer.send(system.topics.visits, key=b"frogner", value=b'{"type": "NoSuchEvent"}').get(timeout=10)
    producer.close()
    # three consumers (queue, notify, metrics) each park it once
    eventually(lambda: system.end_offsets(system.topics.dead_letter) >= before + 3, what="dead letters")
    letters = [letter for letter in system.read_topic(system.topics.dead_letter) if b"NoSuchEvent" in letter]
    assert len(letters) == 3
    assert b'"reason"' in letters[0]
    # and the consumers still work
    answer = system.check_in("frogner", {"kind": "emergency", "reason": "emergency_assistance"})
    assert answer.status_code == 201, answer.text
