"""A three-broker KRaft cluster (replication factor 3, min.insync.replicas=2) loses one broker to
SIGKILL while hosts keep checking visitors in, and gets it back. The cluster runs with Kafka's default
`broker.session.timeout.ms` (9 s).

The killed broker leads the office's partition. Until the controller fences it (after the broker
session timeout) and elects a new leader, no write to that partition can be acknowledged by anyone, so
a check-in whose whole Kafka budget (VISITFLOW_KAFKA_TIMEOUT_S, 5 s) falls in that window is answered
503 with Retry-After, and the host taps again with the same Idempotency-Key, as the tablet does. So the
test allows a bounded number of 503s, only for check-ins sent before the new leader was known, and
requires the API to acknowledge again within seconds of the new leader: the check-in API's producer
must not stay stuck after a delivery timeout (see `visitflow_platform.kafka`).

Afterwards every acknowledged visit is in the waiting list exactly once, on the display board once and
counted once in the day's figures, and every ticket is unique. The visits topic is at-least-once: a
VisitorCheckedIn repeated by a retried 503 whose first attempt did reach Kafka, or a VisitorQueued
emitted again by the queue worker after a retry during the failover, may be written twice. Duplicates
are counted and reported, and allowed only as the same decision (same event id, same ticket), which
every consumer ignores (the queue by visit id, notify's board by visit id, metrics by visit id)."""

from __future__ import annotations

import contextlib
import itertools
import math
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2
from visitflow_devstack.cluster import KafkaCluster, cluster_base_port, cluster_home
from visitflow_devstack.stack import Stack
from visitflow_devstack.testing import TEST_CLOCK_START, System, eventually, move_ports
from visitflow_events import UndecodableMessage, VisitorCheckedIn, VisitorQueued, decode

pytestmark = [pytest.mark.integration, pytest.mark.faults]
OFFICE = "halden"
STACK_OFFSET = 5  # this test's services run beside the session's, on ports moved by 5 more
HOSTS = ("a", "b")
KAFKA_TIMEOUT_S = 5.0  # VISITFLOW_KAFKA_TIMEOUT_S, the default
TAP_AGAIN_S = 1.0  # a host taps again this long after a 503 (sooner than Retry-After: hosts are impatient)
RECOVERY_S = 5.0  # after the new leader is known, acknowledged again within this


def _cluster_stack(cluster: KafkaCluster) -> Stack:
    """Redis and every service, on the cluster, with topics of replication factor 3."""
    with pytest.MonkeyPatch.context() as patch:  # the stack reads its ports and brokers when made
        move_ports(patch, STACK_OFFSET)
        patch.setenv("KAFKA_BOOTSTRAP_SERVERS", cluster.bootstrap)
        return Stack(
            "test",
            {
                "VISITFLOW_REPLICATION_FACTOR": "3",
                "VISITFLOW_CHECKIN_RATE_PER_MINUTE": "100000",
                "VISITFLOW_CLOCK_START": TEST_CLOCK_START,
                "VISITFLOW_CLOCK_EPOCH": f"{time.time():.3f}",
                "VISITFLOW_REPLY_TIMEOUT_S": "10",
                "VISITFLOW_KAFKA_TIMEOUT_S": str(KAFKA_TIMEOUT_S),
            },
            fresh=True,
        )


def _leader_of_office(cluster: KafkaCluster, topic: str) -> tuple[int, dict[str, Any]]:
    described = cluster.partitions([topic])
    partition = (murmur2(OFFICE.encode()) & 0x7FFFFFFF) % len(described)
    state = described[(topic, partition)]
    return partition, state


@dataclass(frozen=True)
class Attempt:
    """One POST of a check-in: a key is posted again after a 503 until it is acknowledged."""

    key: str
    status: int  # 0: no HTTP answer (a client error, which fails the test)
    visit_id: str | None
    ticket: str | None
    sent_at: float
    answered_at: float
    retry_after: str | None
    error: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status in (201, 202)


def _longest_gap(times: list[float], start: float, end: float) -> tuple[float, float]:
    """The longest stretch in [start, end] without an acknowledgement: (length, where it began)."""
    marks = [start, *sorted(t for t in times if start < t < end), end]
    return max((b - a, a) for a, b in itertools.pairwise(marks))


def _waiting_on_board(system: System) -> int:
    response = system.notify.get(f"/api/offices/{OFFICE}/display")
    if response.status_code != 200:
        return -1
    return sum(int(line["waiting"]) for line in response.json()["lines"])


def _counters(system: System) -> dict[str, int]:
    counters: dict[str, int] = system.metrics.get(f"/api/offices/{OFFICE}/footfall").json()["counters"]
    return counters


@pytest.mark.timeout(600)
def test_one_broker_of_three_killed_under_load_loses_and_duplicates_nothing() -> None:
    cluster = KafkaCluster(cluster_home(), cluster_base_port())
    stack: Stack | None = None
    system: System | None = None
    try:
        started = time.monotonic()
        cluster.start()
        stack = _cluster_stack(cluster)
        stack.start_infra()  # Redis only (Kafka is external), and the topics with replication factor 3
        stack.start_services()
        system = System(stack)
        print(f"cluster and services ready in {time.monotonic() - started:.0f} s")
        assert cluster.alive(), "a Kafka node exited after starting"
        topics = list(system.topics.all())
        for spec in cluster.partitions(topics).values():
            assert len(spec["replicas"]) == 3, spec
        partition, before = _leader_of_office(cluster, system.topics.visits)
        victim = int(before["leader"])  # the leader of the office's partition: the hardest one to lose
        system.clear(OFFICE)
        counted_before = _counters(system)

        attempts: list[Attempt] = []
        stop = threading.Event()
        give_up = threading.Event()  # set when the test is over: a key still refused is left unanswered

        def host(name: str) -> None:
            assert system is not None
            n = 0
            while not stop.is_set():
                n += 1
                key = f"cluster-{name}-{n:05d}"
                while not give_up.is_set():  # the same key until it is acknowledged, as the tablet does
                    sent_at = time.monotonic()
                    try:
                        answer = system.check_in(
                            OFFICE, {"kind": "emergency", "reason": "emergency_assistance"}, key
                        )
                    except httpx.HTTPError as exc:  # a client error: counted, and fails the test below
                        attempts.append(
                            Attempt(key, 0, None, None, sent_at, time.monotonic(), None, repr(exc))
                        )
                        break
                    body = answer.json()
                    attempt = Attempt(
                        key,
                        answer.status_code,
                        body.get("visit_id"),
                        body.get("ticket"),
                        sent_at,
                        time.monotonic(),
                        answer.headers.get("Retry-After"),
                        None if answer.status_code in (201, 202, 503) else answer.text[:200],
                    )
                    attempts.append(attempt)
                    if answer.status_code != 503:
                        break
                    time.sleep(TAP_AGAIN_S)
                time.sleep(0.1)

        hosts = [threading.Thread(target=host, args=(name,)) for name in HOSTS]
        for thread in hosts:
            thread.start()
        time.sleep(5)
        killed_at = time.monotonic()
        cluster.kill(victim)

        def failed_over() -> dict[str, Any] | None:
            with contextlib.suppress(KafkaError):
                state = _leader_of_office(cluster, system.topics.visits)[1]
                if state["leader"] not in (victim, -1) and victim not in state["isr"]:
                    return state
            return None

        during = eventually(failed_over, 60, "a new leader for the office's partition")
        led_at = time.monotonic()  # the new leader, as an admin client sees it (polled every ~0.1 s)
        time.sleep(15)  # load goes on against two brokers
        restarted_at = time.monotonic()
        cluster.restart(victim)
        back_s = time.monotonic() - restarted_at
        eventually(lambda: cluster.fully_replicated(topics), 90, "the restarted broker back in every ISR")
        caught_up_s = time.monotonic() - restarted_at
        time.sleep(5)
        stop.set()
        for thread in hosts:
            thread.join(timeout=2 * KAFKA_TIMEOUT_S + 30)
        give_up.set()
        for thread in hosts:
            thread.join(timeout=60)
        ended_at = time.monotonic()

        # -- availability: what the hosts saw --------------------------------------------------------
        statuses = Counter(a.status for a in attempts)
        keys = list(dict.fromkeys(a.key for a in attempts))
        answered = {a.key: a for a in attempts if a.acknowledged}
        refused = [a for a in attempts if a.status == 503]
        failover_s = led_at - killed_at
        gap_s, gap_from = _longest_gap([a.answered_at for a in answered.values()], killed_at, ended_at)
        first_ack_after_kill = min(
            (a.answered_at for a in answered.values() if a.sent_at > killed_at), default=math.inf
        )
        print(
            f"killed broker {victim} (leader of visits[{partition}]); new leader {during['leader']} seen"
            f" after {failover_s:.1f} s; restarted in {back_s:.0f} s, in sync after {caught_up_s:.0f} s;"
            f" {len(attempts)} check-in attempts for {len(keys)} keys in {ended_at - killed_at + 5:.0f} s:"
            f" {dict(statuses)}; 503s sent at {[round(a.sent_at - killed_at, 1) for a in refused]} s after"
            f" the kill; longest gap without an acknowledgement {gap_s:.1f} s (from"
            f" {gap_from - killed_at:+.1f} s); first acknowledged check-in sent after the kill answered"
            f" {first_ack_after_kill - killed_at:.1f} s after it, {first_ack_after_kill - led_at:+.1f} s"
            " after the new leader"
        )
        assert set(statuses) <= {201, 202, 503}, [a for a in attempts if a.status not in (201, 202, 503)][:10]
        assert all(a.retry_after for a in refused), "a 503 without Retry-After"
        # A 503 only while no broker could acknowledge: sent before the new leader was known (or so
        # shortly after that the producer had not refreshed its metadata yet), never after recovery.
        late = [a for a in refused if a.sent_at > led_at + 1.0]
        assert not late, f"503 after the new leader was known: {late[:5]}"
        # Each refused attempt waited for its Kafka budget; at most one per host per budget in the window.
        bound = len(HOSTS) * (math.ceil(failover_s / KAFKA_TIMEOUT_S) + 1)
        assert len(refused) <= bound, (
            f"{len(refused)} 503s, more than {bound} for a {failover_s:.1f} s failover"
        )
        assert first_ack_after_kill - led_at <= RECOVERY_S, "the API did not recover after the new leader"
        assert gap_s <= failover_s + RECOVERY_S, f"{gap_s:.1f} s without an acknowledged check-in"
        assert set(answered) == set(keys), (
            f"keys never acknowledged: {sorted(set(keys) - set(answered))[:10]}"
        )

        acknowledged = [str(a.visit_id) for a in answered.values()]
        assert len(set(acknowledged)) == len(acknowledged) == len(keys)  # one visit per key
        visit_of_key = {a.key: str(a.visit_id) for a in answered.values()}
        tickets = [a.ticket for a in answered.values() if a.status == 201]
        assert len(set(tickets)) == len(tickets), "a ticket given twice"

        # -- the read models: each acknowledged visit exactly once -----------------------------------
        def all_queued() -> list[dict[str, Any]] | None:
            waiting: list[dict[str, Any]] = system.waiting_list(OFFICE)["waiting"]
            return waiting if {v["visit_id"] for v in waiting} >= set(acknowledged) else None

        waiting = eventually(all_queued, 60, "every acknowledged check-in in the waiting list")
        in_line = [v["visit_id"] for v in waiting]
        assert sorted(in_line) == sorted(acknowledged), "the waiting list is not exactly the acknowledged"
        line_tickets = [v["ticket"] for v in waiting]
        assert len(set(line_tickets)) == len(line_tickets), "a ticket in the line twice"
        by_visit = {v["visit_id"]: v["ticket"] for v in waiting}
        assert all(by_visit[str(a.visit_id)] == a.ticket for a in answered.values() if a.ticket)

        eventually(
            lambda: _waiting_on_board(system) == len(acknowledged), 30, "the display board's waiting count"
        )

        def counted() -> dict[str, int] | None:
            now = _counters(system)
            delta = {name: now.get(name, 0) - counted_before.get(name, 0) for name in ("arrivals", "queued")}
            return delta if delta == {"arrivals": len(acknowledged), "queued": len(acknowledged)} else None

        eventually(counted, 30, "the day's arrivals and queued counters, each visit once")

        # -- the visits topic: at-least-once, duplicates only as the same decision -------------------
        checked_in: defaultdict[str, list[VisitorCheckedIn]] = defaultdict(list)
        queued: defaultdict[str, list[VisitorQueued]] = defaultdict(list)
        for value in system.read_topic(system.topics.visits):
            with contextlib.suppress(UndecodableMessage):
                event = decode(value)
                if isinstance(event, VisitorCheckedIn) and event.office_id == OFFICE:
                    checked_in[str(event.visit_id)].append(event)
                if isinstance(event, VisitorQueued) and event.office_id == OFFICE:
                    queued[str(event.visit_id)].append(event)
        assert set(checked_in) == set(acknowledged), "a check-in on the topic that was not acknowledged"
        assert set(queued) == set(acknowledged), "an acknowledged check-in never queued, or a stray one"
        for visit, check_ins in checked_in.items():
            assert len({e.event_id for e in check_ins}) == 1, f"{visit} checked in as two different events"
        for visit, queueings in queued.items():
            assert len({(e.event_id, e.ticket) for e in queueings}) == 1, f"{visit} queued twice, differently"
        refused_keys = {a.key for a in refused}
        repeated_check_ins = {visit for visit, events in checked_in.items() if len(events) > 1}
        assert repeated_check_ins <= {visit_of_key[key] for key in refused_keys}, (
            "a check-in written twice that was never retried"
        )
        print(
            f"{len(acknowledged)} acknowledged, {len(in_line)} in line, {len(set(line_tickets))} tickets;"
            f" on the topic VisitorCheckedIn per visit {dict(Counter(len(e) for e in checked_in.values()))},"
            f" VisitorQueued per visit {dict(Counter(len(e) for e in queued.values()))}"
            " (duplicates are the same event, ignored by every consumer)"
        )
    finally:
        if system is not None:
            system.close()
        if stack is not None:
            stack.stop()
        cluster.stop()
