"""The benchmark scenarios. Each returns JSON-ready figures; none fails on a timing.

A scenario records a *problem* (lost, duplicated or refused work) in `bench.problems`: that, and only
that, makes `make bench` fail.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import orjson
import redis.asyncio as aioredis
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError
from visitflow_devstack.stack import SERVICES
from visitflow_events import (
    CancelVisit,
    Message,
    Reason,
    VisitKind,
    VisitorCheckedIn,
    encode,
    new_envelope,
    visit_correlation,
)
from visitflow_metrics.adapters.lag import measure_lag
from visitflow_platform.ids import stable_id

from .harness import Bench, CheckIn, event_ticket
from .live import LiveClient, LiveFleet
from .stats import summary

QUEUED = "VisitorQueued"
CALLED = "VisitorCalled"
# what a hold past saturation takes after its check-ins: the backlog handled, its visitors sent home
HOLD_CATCH_UP_S = 30


# --- 1. the broker's own round trip -------------------------------------------------------------------
def baseline(bench: Bench, messages: int = 2000, rate: float = 200.0) -> dict[str, Any]:
    """Produce (acks=all, as the APIs do) and consume with kafka-python, one hop, on the same broker."""
    servers = bench.stack.kafka_bootstrap.split(",")
    topic = "visitflow.bench-baseline"
    admin = KafkaAdminClient(bootstrap_servers=servers)
    try:
        admin.create_topics([NewTopic(topic, 1, 1)])
    except TopicAlreadyExistsError:
        pass
    finally:
        admin.close()
    consumer = KafkaConsumer(bootstrap_servers=servers, fetch_max_wait_ms=5, enable_auto_commit=False)
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_end(partition)
    consumer.position(partition)
    arrived: dict[int, float] = {}

    def consume() -> None:
        while len(arrived) < messages:
            for records in consumer.poll(timeout_ms=100).values():
                now = time.perf_counter()
                for record in records:
                    arrived[int(record.value)] = now

    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    producer = KafkaProducer(bootstrap_servers=servers, acks="all", enable_idempotence=True, linger_ms=0)
    sent: dict[int, float] = {}
    start = time.perf_counter()
    for number in range(messages):
        if (delay := start + number / rate - time.perf_counter()) > 0:
            time.sleep(delay)
        sent[number] = time.perf_counter()
        producer.send(topic, str(number).encode())
    producer.flush()
    reader.join(timeout=30)
    producer.close()
    consumer.close()
    return summary([arrived[n] - sent[n] for n in sent if n in arrived])


# --- 2. check-in to screen ------------------------------------------------------------------------
def _arrivals(clients: list[LiveClient], kind: str) -> dict[tuple[str, str], list[float]]:
    """When each (office, ticket) event of `kind` arrived, on every client that received it."""
    seen: dict[tuple[str, str], list[float]] = defaultdict(list)
    for client in clients:
        for frame in client.frames:
            if frame.type == kind and (ticket := event_ticket(frame.data)):
                seen[(client.office_id, ticket)].append(frame.at)
    return seen


def _delivery(
    bench: Bench, records: list[CheckIn], seen: dict[tuple[str, str], list[float]], per_office: int, name: str
) -> list[float]:
    latencies: list[float] = []
    for record in records:
        if record.ticket is None:
            continue
        arrived = seen.get((record.office_id, record.ticket), [])
        if len(arrived) < per_office:
            bench.problems.append(f"{name}: ticket {record.ticket} of {record.office_id} never reached it")
        elif len(arrived) > per_office:
            bench.problems.append(f"{name}: ticket {record.ticket} of {record.office_id} arrived twice")
        latencies += [at - record.sent_at for at in arrived]
    return latencies


async def checkin_to_screen(bench: Bench, rate: float, duration_s: float) -> dict[str, Any]:
    """One display and one tablet per office are connected; check-ins at a steady rate over all offices,
    from a quiet system (the step before caught up, and its last writes done)."""
    await caught_up(bench)
    await quiet(bench)
    fleet = LiveFleet(bench.token)
    displays, tablets = bench.clients("display", 1, True), bench.clients("tablet", 1, True)
    await fleet.open(displays + tablets)
    try:
        cpu_before, load_before = bench.cpu_s(), time.process_time()
        records = await bench.steady_load(rate, duration_s)
        await _settle(records, displays + tablets)
        cpu_after, load_s = bench.cpu_s(), time.process_time() - load_before
    finally:
        await fleet.close()
    answered = [r for r in records if r.status in (201, 202)]
    on_displays = _arrivals(displays, QUEUED)
    # past saturation some answers time out at the load generator while the system still queues their
    # visitors: the CPU is shared by every visitor it queued (each on its display once), not only those
    # answered in time
    return {
        "efficiency": efficiency(cpu_before, cpu_after, max(len(answered), len(on_displays)), load_s),
        "rate_per_s": rate,
        "duration_s": duration_s,
        "check_ins": len(records),
        "answered_201": sum(r.status == 201 for r in records),
        "answered_202": sum(r.status == 202 for r in records),
        "failed": len(records) - len(answered),
        "http_answer": summary([r.answered_at - r.sent_at for r in answered]),
        "to_display": summary(_delivery(bench, answered, on_displays, 1, "display")),
        "to_tablet": summary(_delivery(bench, answered, _arrivals(tablets, QUEUED), 1, "tablet")),
    }


def efficiency(
    before: dict[str, float], after: dict[str, float], check_ins: int, load_generator_s: float
) -> dict[str, Any]:
    """CPU per check-in of the system's processes (from the load's start until its last frame was
    delivered), in all and per process; and, apart, the load generator's own (this process: the
    check-ins sent, the answers and every screen's frames read), which shares the machine."""
    per_process = {
        key: round((after[key] - before.get(key, 0.0)) * 1000 / max(check_ins, 1), 3) for key in after
    }
    return {
        "check_ins": check_ins,
        "cpu_ms_per_check_in": round(sum(per_process.values()), 3),
        "per_process_ms": per_process,
        "load_generator_ms_per_check_in": round(load_generator_s * 1000 / max(check_ins, 1), 3),
    }


async def _settle(records: list[CheckIn], clients: list[LiveClient], quiet_s: float = 2.0) -> None:
    """Waits until no frame has arrived for `quiet_s` (at most 30 s): the tail of the load is delivered."""
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline:
        last = max((c.frames[-1].at for c in clients if c.frames), default=0.0)
        if time.perf_counter() - last > quiet_s:
            return
        await asyncio.sleep(0.5)


# --- 3. call-next -----------------------------------------------------------------------------------
async def call_next(bench: Bench, calls: int = 250, rate: float = 25.0) -> dict[str, Any]:
    """Calls at a steady rate over the offices, once the pipeline has handled everything before them and
    the system's processes are quiet (`quiet`): the HTTP answer, and the call on the office's display."""
    caught_up_s = await caught_up(bench)
    quiet_s, busy_cores = await quiet(bench)
    fleet = LiveFleet(bench.token)
    displays = bench.clients("display", 1, True)
    await fleet.open(displays)
    answers: list[float] = []
    called: list[tuple[str, str, float]] = []
    try:
        cpu_before = bench.cpu_s()
        start = time.perf_counter()
        room = bench.next_room()
        pending = []
        for number in range(calls):
            if (delay := start + number / rate - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            pending.append(
                asyncio.create_task(bench.call_next(bench.offices[number % len(bench.offices)], room))
            )
        for call in await asyncio.gather(*pending):
            if call.event:
                answers.append(call.answered_at - call.sent_at)
                called.append((call.office_id, call.event["ticket"], call.sent_at))
        await _settle([], displays)
        cpu_after = bench.cpu_s()
    finally:
        await fleet.close()
    seen = _arrivals(displays, CALLED)
    shown = []
    for office_id, ticket, sent in called:
        arrived = seen.get((office_id, ticket), [])
        if len(arrived) != 1:
            bench.problems.append(
                f"call-next: {office_id} {ticket} shown {len(arrived)} times on its display"
            )
        shown += [at - sent for at in arrived]
    return {
        "calls": calls,
        "answer": summary(answers),
        "to_display": summary(shown),
        # the CPU the calls cost each process (until their display frames were delivered), per call:
        # steadier than the latencies on a shared machine
        "cpu_ms_per_call": {
            key: round((cpu_after[key] - cpu_before.get(key, 0.0)) * 1000 / calls, 2) for key in cpu_after
        },
        # what the scenario waited for before its first call, and the system's CPU (in cores) in the
        # second before it
        "waited_for_caught_up_s": round(caught_up_s, 1),
        "waited_for_quiet_s": round(quiet_s, 1),
        "busy_cores_before": round(busy_cores, 2),
    }


# --- 4. throughput ----------------------------------------------------------------------------------
async def throughput(
    bench: Bench, rates: list[float], step_s: float, confirm_s: float, budget_s: float
) -> dict[str, Any]:
    """Raises the rate step by step while every event reaches every screen with p99 under 1 s, then
    holds the highest rate that passed for `confirm_s`; if that does not hold, the next lower one that
    passed, and so on (at most one hold per step). The visitors of each step leave after it
    (`send_home`), so every step starts from the same waiting lists. No hold starts that would end,
    with the catch-up after it, later than `budget_s` after the first step: the suite stays bounded in
    time however many holds fail."""
    started = time.perf_counter()
    steps: list[dict[str, Any]] = []
    for rate in rates:
        step = await _sustained(bench, rate, step_s)
        steps.append(step)
        if not step["passed"]:
            break
    confirmations: list[dict[str, Any]] = []
    out_of_time = False
    for step in [step for step in steps if step["passed"]][::-1]:
        if time.perf_counter() - started + confirm_s + HOLD_CATCH_UP_S > budget_s:
            out_of_time = True
            break
        confirmations.append(await _sustained(bench, step["rate_per_s"], confirm_s))
        if confirmations[-1]["passed"]:
            break
    held = [c["rate_per_s"] for c in confirmations if c["passed"]]
    return {
        "steps": steps,
        "confirmations": confirmations,
        "sustained_per_s": held[0] if held else 0.0,
        "out_of_time": out_of_time,
    }


async def _sustained(bench: Bench, rate: float, duration_s: float) -> dict[str, Any]:
    problems_before, checkins_before = len(bench.problems), len(bench.checkins)
    figures = await checkin_to_screen(bench, rate, duration_s)
    figures["sent_home"] = await asyncio.to_thread(send_home, bench, bench.checkins[checkins_before:])
    missing = bench.problems[problems_before:]
    del bench.problems[problems_before:]  # a step that fails on delivery is a finding, not a failure...
    duplicated = [p for p in missing if "twice" in p]
    bench.problems += duplicated  # ...but a duplicate never is acceptable
    worst = max(figures["to_display"].get("p99_ms", 1e9), figures["to_tablet"].get("p99_ms", 1e9))
    figures["undelivered"] = len(missing) - len(duplicated)
    figures["first_problems"] = missing[:5]
    figures["passed"] = figures["failed"] == 0 and not missing and worst < 1000
    return figures


# --- 5. fan-out ---------------------------------------------------------------------------------------
async def fan_out(bench: Bench, connections: int) -> dict[str, Any]:
    """Half displays, half tablets, evenly over the offices. One call in one office, then one call in
    every office at once: how long until every client of the office (of the fleet) has it."""
    await caught_up(bench)
    await quiet(bench)
    per_office = max(1, connections // (2 * len(bench.offices)))
    fleet = LiveFleet(bench.token)
    clients = bench.clients("display", per_office) + bench.clients("tablet", per_office)
    opened = time.perf_counter()
    await fleet.open(clients)
    opened_s = time.perf_counter() - opened
    if fleet.failures:
        bench.problems.append(f"fan-out: {len(fleet.failures)} clients failed: {fleet.failures[:3]}")
    rss_connected = bench.rss_mb()
    try:
        office_latencies: list[float] = []
        for office_id in bench.offices[:5]:
            office_latencies += (await _one_call(bench, clients, [office_id]))[0]
        cpu_before, apis_before = time.process_time(), bench.cpu_s()
        fleet_latencies, fleet_from_stored = await _one_call(bench, clients, bench.offices)
        fleet_cpu_s, apis_after = time.process_time() - cpu_before, bench.cpu_s()
    finally:
        rss_after = bench.rss_mb()
        await fleet.close()
    return {
        "clients": len(clients),
        "connect_s": round(opened_s, 1),
        "one_office": summary(office_latencies),
        "whole_fleet": summary(fleet_latencies),
        "whole_fleet_from_stored": summary(fleet_from_stored),
        # the load generator's own CPU for the fleet-wide call: it shares the cores it measures
        "bench_cpu_s_whole_fleet": round(fleet_cpu_s, 2),
        # the APIs' CPU for it (the calls answered and their frames fanned out): steadier than latencies
        # on a shared machine
        "api_cpu_s_whole_fleet": {
            k: round(apis_after[k] - apis_before[k], 2) for k in ("queue-api", "notify-api")
        },
        # every process's CPU for it, the queue worker's per call: what the calls cost the pipeline
        "system_cpu_s_whole_fleet": {
            k: round(apis_after[k] - apis_before.get(k, 0.0), 2) for k in apis_after
        },
        "queue_worker_cpu_ms_per_call": round(
            (apis_after["queue-worker"] - apis_before["queue-worker"]) * 1000 / len(bench.offices), 2
        ),
        "rss_mb_connected": {k: rss_connected[k] for k in ("queue-api", "notify-api")},
        "rss_mb_after_calls": {k: rss_after[k] for k in ("queue-api", "notify-api")},
    }


async def _one_call(
    bench: Bench, clients: list[LiveClient], offices: list[str]
) -> tuple[list[float], list[float]]:
    """Latencies from each call-next request, and from the call's frame being stored in Redis (the
    fan-out alone), to its arrival at each client of the office."""
    mark = {id(client): len(client.frames) for client in clients}
    room = bench.next_room()
    results = await asyncio.gather(*(bench.call_next(office_id, room) for office_id in offices))
    sent = {call.office_id: call.sent_at for call in results if call.event}
    audience = [client for client in clients if client.office_id in sent]
    deadline = time.perf_counter() + 30
    waiting = audience  # those yet to see the call: the check is the load generator's CPU, on shared cores
    while waiting and time.perf_counter() < deadline:
        waiting = [c for c in waiting if not any(f.type == CALLED for f in c.frames[mark[id(c)] :])]
        await asyncio.sleep(0.05)
    wall_minus_perf = time.time() - time.perf_counter()
    latencies, from_stored = [], []
    for client in audience:
        frame = next((f for f in client.frames[mark[id(client)] :] if f.type == CALLED), None)
        if frame is None:
            bench.problems.append(f"fan-out: a client of {client.office_id} never saw the call")
            continue
        latencies.append(frame.at - sent[client.office_id])
        if (stored := frame.stored_wall_s) is not None:
            from_stored.append(frame.at + wall_minus_perf - stored)
    return latencies, from_stored


# --- 6. recovery --------------------------------------------------------------------------------------
def visits_on_topic(bench: Bench) -> int:
    settings = bench.settings
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers.split(","))
    try:
        topic = settings.topics.visits
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum(consumer.end_offsets(partitions).values())
    finally:
        consumer.close()


def write_to_kafka(bench: Bench, topic: str, messages: Iterable[Message]) -> None:
    """Messages written straight to Kafka, keyed by office, as the APIs write them (acks=all)."""
    servers = bench.settings.kafka_bootstrap_servers.split(",")
    producer = KafkaProducer(bootstrap_servers=servers, acks="all")
    for message in messages:
        producer.send(topic, key=message.office_id.encode(), value=encode(message))
    producer.flush()
    producer.close()


def top_up(bench: Bench, events: int) -> int:
    """Check-ins written straight to Kafka (as the check-in API writes them) until the visits topic holds
    about `events` events; the queue worker then queues each (two events per check-in)."""
    missing = max(0, events - visits_on_topic(bench)) // 2
    settings = bench.settings

    def check_in(number: int) -> VisitorCheckedIn:
        office_id = bench.offices[number % len(bench.offices)]
        key = f"topup-{number}"
        now = settings.clock.now()
        visit_id = stable_id(office_id, key)
        return VisitorCheckedIn(
            **new_envelope(
                event_id=stable_id(office_id, key, "event"),
                occurred_at=now,
                office_id=office_id,
                correlation_id=visit_correlation(visit_id),
                producer="bench",
            ),
            visit_id=visit_id,
            business_date=now.astimezone(settings.offices.timezone).date(),
            reason=Reason.CASE_STATUS,
            kind=VisitKind.DROP_IN,
            line_id="drop_in",
        )

    write_to_kafka(bench, settings.topics.visits, map(check_in, range(missing)))
    return missing


def send_home(bench: Bench, records: list[CheckIn]) -> int:
    """These visitors leave: a host's cancel for each, written straight to Kafka as the queue API writes
    it. The bench serves nobody, so without this each throughput step and hold ran on the lists of all
    the steps before it, over a hundred more visitors waiting per office than a real office has
    at its busiest, and every hold slower than the last (docs/decisions/benchmark-suite.md)."""
    now = bench.settings.clock.now()
    leaving = [(record.office_id, record.visit_id) for record in records if record.visit_id]
    cancels = (
        CancelVisit(
            **new_envelope(
                command_id=stable_id(office_id, visit_id, "bench-leaves"),
                occurred_at=now,
                office_id=office_id,
                correlation_id=visit_correlation(UUID(visit_id)),
                producer="bench",
            ),
            visit_id=UUID(visit_id),
        )
        for office_id, visit_id in leaving
    )
    write_to_kafka(bench, bench.settings.topics.commands, cancels)
    bench.left.update(visit_id for _, visit_id in leaving)
    return len(leaving)


def unconsumed(bench: Bench) -> int:
    """Events on Kafka not yet handled (committed) by the system's consumer groups; -1 while no group
    consumes anything yet (the workers have not joined), which is not caught up either."""
    lag = measure_lag(bench.settings.kafka_bootstrap_servers, bench.settings.topic_prefix)
    return sum(lag.values()) if lag else -1


async def caught_up(bench: Bench, timeout_s: float = 300) -> float:
    """Seconds until every worker has handled everything on Kafka: a scenario starts on a quiet system,
    not on the backlog of the one before."""
    started = time.perf_counter()
    while (lag := await asyncio.to_thread(unconsumed, bench)) != 0:
        if time.perf_counter() - started > timeout_s:
            break
        await asyncio.sleep(1)  # polling the broker: there is nothing to wait on
    if lag != 0:
        bench.problems.append(f"the workers still had {lag} events to handle after {timeout_s} s")
    return time.perf_counter() - started


async def quiet(bench: Bench, cores: float = 0.25, timeout_s: float = 30) -> tuple[float, float]:
    """Waits until the system's processes (broker, Redis, every service) used less than `cores` of CPU
    over a second: the workers' committed offsets can be caught up while a batch's writes, a timer's
    pictures or the metrics worker's second are still running. Returns the seconds waited and the last
    second's CPU in cores (a timeout is not a problem: the figure says how busy it was)."""
    started = time.perf_counter()
    while True:
        before, at = bench.cpu_s(), time.perf_counter()
        await asyncio.sleep(1)
        after, now = bench.cpu_s(), time.perf_counter()
        busy = sum(after[key] - before.get(key, 0.0) for key in after) / (now - at)
        if busy < cores or now - started > timeout_s:
            return now - started, busy


async def recovery(bench: Bench, events: int = 50_000) -> dict[str, Any]:
    topped_up = top_up(bench, events)
    catch_up_s = await caught_up(bench)
    on_topic = visits_on_topic(bench)
    redis = aioredis.from_url(bench.stack.redis_url)
    snapshots = [f"vf:queue:{office_id}:snapshot" for office_id in bench.offices]
    try:
        # a) Redis wiped: the workers notice and project every office again from their tables
        await redis.flushall()
        wiped = time.perf_counter()
        while await redis.exists(*snapshots) < len(snapshots) and time.perf_counter() - wiped < 120:  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # polling Redis
        healed_s = time.perf_counter() - wiped
        # b) the same read models rebuilt from Kafka alone (python -m visitflow_queue rebuild)
        await redis.flushall()
        env = {**os.environ, **bench.stack.env()}
        command = [sys.executable, "-m", "visitflow_queue", "rebuild"]
        rebuilt = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, timeout=300)
        rebuild = orjson.loads(rebuilt.stdout.splitlines()[-1]) if rebuilt.returncode == 0 else {}
        if rebuilt.returncode != 0:
            bench.problems.append(f"recovery: rebuild failed: {rebuilt.stderr[-500:]!r}")
        # c) a queue worker restarted: faust restores its tables from the changelog, then serves again;
        # someone is waiting for the first call (the steps' visitors went home)
        office_id = bench.offices[0]
        await bench.check_in(office_id)
        await caught_up(bench)
        bench.stack.stop_service("queue-worker")
        restarted = time.perf_counter()
        bench.stack.start_service(next(s for s in SERVICES if s.key == "queue-worker"))
        while time.perf_counter() - restarted < 180:
            if (await bench.call_next(office_id, bench.next_room(), must_answer=False)).status == 200:
                break
            await asyncio.sleep(0.2)
        restored_s = time.perf_counter() - restarted
    finally:
        await redis.aclose()
    return {
        "events_on_topic": on_topic,
        "topped_up_check_ins": topped_up,
        "workers_catch_up_s": round(catch_up_s, 1),
        "redis_wipe_healed_s": round(healed_s, 2),
        "rebuild_from_kafka": rebuild,
        "rebuild_from_kafka_s": round(rebuild.get("replay_s", 0) + rebuild.get("write_s", 0), 2),
        "queue_worker_restart_to_first_call_s": round(restored_s, 2),
    }
