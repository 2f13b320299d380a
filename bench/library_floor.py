"""What the mandated libraries cost per check-in on this machine with none of the system's own work.

    .venv/bin/python -m bench.library_floor [--rate 200] [--seconds 30] [--linger-ms 0] [--gathering-sinks]

The pipeline's shape, each part on the libraries and settings the system runs with, doing nothing
else: an HTTP endpoint (FastAPI on uvicorn, uvloop and httptools) that hands a 400-byte record to
kafka-python's producer (`acks=all`, idempotent) and answers once the broker acknowledged it; a faust
worker in the queue worker's place that takes each batch (`take_batches`, fetching `PROMPT`) and
publishes one record for each record taken, awaiting the acknowledgements; and two faust workers in
the notify and metrics workers' places that take each batch of those (`STEADY`, `GATHERING`; both
`GATHERING` with `--gathering-sinks`) and do nothing with it. `--linger-ms` sets every producer's
linger. No Redis, no tables, no decoding, no second record per check-in on any topic: every
hop the system has besides these only adds to the figure. The development broker runs on the bench's
Kafka port (so not while `make bench` runs).

The load is the bench's: open-loop at `rate` a second over 250 keys. The CPU per check-in of each
process (from /proc, with its children) is read from the load's start until the last record reached
both sinks, as in the efficiency scenario, and written to `bench/results/library_floor.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

RESULTS = Path(__file__).parent / "results" / "library_floor.json"
DATA = Path(__file__).resolve().parents[1] / "var" / "library-floor"
INTO, OUT = "floor-check-ins", "floor-queued"
PARTITIONS = 12
KEYS = [f"office-{number:03d}" for number in range(250)]
RECORD = b"x" * 400
ROLES = {"relay": "PROMPT", "notify-sink": "STEADY", "metrics-sink": "GATHERING"}
SINKS = ("notify-sink", "metrics-sink")
WARM_RATE, WARM_S = 50, 6  # the faust workers' assignments, the producers' metadata


def _settings() -> Any:
    from visitflow_platform.settings import ServiceSettings

    return ServiceSettings(
        kafka_bootstrap_servers=os.environ["FLOOR_BOOTSTRAP"], topic_prefix="floor", partitions=PARTITIONS
    )


def run_api(port: int, linger_ms: int) -> None:
    """The check-in endpoint's floor: one record handed to kafka-python's producer per request."""
    import uvicorn
    from fastapi import FastAPI, Response
    from kafka import KafkaProducer

    producer = KafkaProducer(
        bootstrap_servers=os.environ["FLOOR_BOOTSTRAP"],
        acks="all",
        enable_idempotence=True,
        linger_ms=linger_ms,
    )
    app = FastAPI()

    @app.post("/check-ins/{office_id}")
    async def check_in(office_id: str) -> Response:
        loop = asyncio.get_running_loop()
        acknowledged: asyncio.Future[Any] = loop.create_future()
        sent = producer.send(INTO, key=office_id.encode(), value=RECORD)
        sent.add_callback(lambda meta: loop.call_soon_threadsafe(_settle, acknowledged, meta))
        sent.add_errback(lambda exc: loop.call_soon_threadsafe(_settle, acknowledged, exc))
        result = await acknowledged
        return Response(status_code=503 if isinstance(result, BaseException) else 201)

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )


def _settle(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def run_worker_role(role: str) -> None:
    """A faust worker in a worker's place: the relay publishes one record per record taken; a sink
    takes its batches and drops them."""
    from visitflow_platform.library_gaps import Fetching
    from visitflow_platform.streams import make_faust_app, run_worker, take_batches

    settings = _settings()
    app = make_faust_app(settings, role)
    out = app.topic(OUT, partitions=PARTITIONS)
    source = app.topic(INTO if role == "relay" else OUT, partitions=PARTITIONS)

    @app.agent(source)
    async def take(stream: Any) -> None:
        async for batch in take_batches(stream):
            if role == "relay":
                sent = [await out.send(key=event.key, value=event.value) for event in batch]
                await asyncio.gather(*sent)

    run_worker(app, settings, fetching=Fetching[os.environ.get("FLOOR_FETCHING") or ROLES[role]])


async def _load(url: str, rate: float, seconds: float) -> list[float]:
    """Open-loop POSTs at `rate` a second over the keys; each answer's time in seconds."""
    answers: list[float] = []
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(key: str) -> None:
            sent = time.perf_counter()
            async with http.post(f"{url}/check-ins/{key}") as answer:
                await answer.read()
                if answer.status == 201:
                    answers.append(time.perf_counter() - sent)

        total, start, tasks = int(rate * seconds), time.perf_counter(), []
        for number in range(total):
            if (delay := start + number / rate - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(KEYS[number % len(KEYS)])))
        await asyncio.gather(*tasks)
    return answers


def _taken(bootstrap: str, group: str, topic: str) -> int:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        offsets = admin.list_group_offsets([group]).get(group, {})
    finally:
        admin.close()
    return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)


async def _all_taken(bootstrap: str, expected: int, timeout_s: float = 60.0) -> float:
    """Waits until both sinks committed every record; how long after the call that took."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        if all(
            _taken(bootstrap, f"floor-{sink}", OUT) >= expected for sink in ("notify-sink", "metrics-sink")
        ):
            return time.perf_counter() - start
        await asyncio.sleep(0.2)
    raise TimeoutError("the sinks did not take every record")


async def measure(rate: float, seconds: float, linger_ms: int, gathering_sinks: bool) -> dict[str, Any]:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from visitflow_devstack.infra import KafkaBroker
    from visitflow_devstack.processes import Child, port_open, wait_until
    from visitflow_devstack.stack import ports_of

    from .harness import _cpu_s, _tree

    ports = ports_of("bench")
    bootstrap = f"127.0.0.1:{ports.kafka}"
    shutil.rmtree(DATA, ignore_errors=True)
    broker = KafkaBroker(DATA / "kafka", ports.kafka, ports.controller)
    children: dict[str, Child] = {"kafka": broker.start()}
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        admin.create_topics([NewTopic(name, PARTITIONS, 1) for name in (INTO, OUT)])
        admin.close()
        env = {
            "FLOOR_BOOTSTRAP": bootstrap,
            "PYTHONPATH": os.pathsep.join(sys.path),
            "VISITFLOW_KAFKA_LINGER_MS": str(linger_ms),  # the faust workers' producers too
        }
        me = [sys.executable, "-m", "bench.library_floor"]
        children["api"] = Child(
            "api",
            [*me, "--role", "api", "--port", str(ports.checkin), "--linger-ms", str(linger_ms)],
            DATA / "api.log",
            env,
        )
        for role in ROLES:
            fetching = {"FLOOR_FETCHING": "GATHERING"} if gathering_sinks and role != "relay" else {}
            children[role] = Child(role, [*me, "--role", role], DATA / f"{role}.log", {**env, **fetching})
        for key, child in children.items():
            if key != "kafka":
                child.start()
        wait_until(lambda: port_open(ports.checkin), 30, "the floor's API", children["api"].alive)
        url = f"http://127.0.0.1:{ports.checkin}"
        await _load(url, WARM_RATE, WARM_S)
        await _all_taken(bootstrap, WARM_RATE * WARM_S)
        before = {key: sum(_cpu_s(pid) for pid in _tree(child.pid or 0)) for key, child in children.items()}
        own_before = os.times()
        started = time.perf_counter()
        answers = await _load(url, rate, seconds)
        own_after = os.times()
        await _all_taken(bootstrap, WARM_RATE * WARM_S + int(rate * seconds))
        span = time.perf_counter() - started
        after = {key: sum(_cpu_s(pid) for pid in _tree(child.pid or 0)) for key, child in children.items()}
    finally:
        for child in reversed(children.values()):
            child.stop()
    count = int(rate * seconds)
    per_process = {key: round((after[key] - before[key]) * 1000 / count, 3) for key in children}
    answers.sort()
    return {
        "rate_per_s": rate,
        "duration_s": seconds,
        "linger_ms": linger_ms,
        "sinks_fetching": "GATHERING" if gathering_sinks else "STEADY, GATHERING",
        "check_ins": count,
        "answered": len(answers),
        "span_s": round(span, 1),
        "cpu_ms_per_check_in": round(sum(per_process.values()), 3),
        "per_process_ms": per_process,
        "load_generator_ms_per_check_in": round(
            (own_after.user + own_after.system - own_before.user - own_before.system) * 1000 / count, 3
        ),
        "answer_p50_ms": round(answers[len(answers) // 2] * 1000, 1) if answers else None,
        "answer_p99_ms": round(answers[int(len(answers) * 0.99)] * 1000, 1) if answers else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.library_floor", description=__doc__)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--linger-ms", type=int, default=0)
    parser.add_argument(
        "--gathering-sinks",
        action="store_true",
        help="both sinks fetch GATHERING (no consumer but the queue's on the way to a screen)",
    )
    parser.add_argument("--role", choices=["api", *ROLES], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "api":
        run_api(args.port, args.linger_ms)
    elif args.role:
        run_worker_role(args.role)
    else:
        result = asyncio.run(measure(args.rate, args.seconds, args.linger_ms, args.gathering_sinks))
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        runs = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
        RESULTS.write_text(json.dumps([*runs, result], indent=2) + "\n")
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
