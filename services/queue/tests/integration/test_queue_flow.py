"""The queue through the real broker and Redis: exact waiting lists, never one visitor called twice,
nothing lost when the worker stops, and a Redis wiped and rebuilt from Kafka shows the same."""

from __future__ import annotations

import functools
import gc
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import orjson
import pytest
from visitflow_devstack.testing import System, eventually
from visitflow_queue.adapters.rebuild import replay
from visitflow_queue.config import QueueSettings
from visitflow_queue.domain.changes import apply as apply_changes

pytestmark = pytest.mark.integration


def _visitors(system: System, count: int) -> list[dict[str, Any]]:
    """A realistic mix for one office, with what the waiting list must show for each."""
    now = system.clock.now()
    mix: list[dict[str, Any]] = []
    for n in range(count):
        if n % 10 == 3:
            mix.append({"kind": "emergency", "reason": "emergency_assistance"})
        elif n % 10 in (1, 6):
            minutes = 25 - (n % 17)  # appointment times out of arrival order, all within the window
            mix.append(
                {
                    "kind": "appointment",
                    "reason": "counsellor_appointment",
                    "appointment": {
                        "reference": f"TQ-{n:04d}",
                        "starts_at": (now + timedelta(minutes=minutes)).isoformat(),
                        "counsellor_id": f"veileder-{n % 3 + 1}",
                    },
                }
            )
        elif n % 10 == 8:
            mix.append({"kind": "drop_in", "reason": "self_service_help"})
        else:
            mix.append(
                {"kind": "drop_in", "reason": ["deliver_documents", "case_status", "job_seeking"][n % 3]}
            )
    return mix


def _check_in_all(system: System, office: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    run = uuid.uuid4().hex[:8]  # keys of their own: another test's check-ins are never replayed here
    answers = []
    for index, body in enumerate(bodies):
        answer = system.check_in(office, body, key=f"{office}-{run}-{index:04d}")
        assert answer.status_code == 201, answer.text
        answers.append({**answer.json(), "body": body})
    return answers


def _ticket_of(system: System, status_url: str) -> str | None:
    ticket: str | None = system.checkin.get(status_url).json().get("ticket")
    return ticket


def _expected_order(answers: list[dict[str, Any]]) -> list[str]:
    def key(answer: dict[str, Any]) -> tuple[int, str, int]:
        line = {"A": 0, "T": 1, "D": 2, "S": 3}[answer["ticket"][0]]
        when = answer["body"]["appointment"]["starts_at"] if line == 1 else ""
        return (line, when, int(answer["ticket"][2:]))

    return [answer["ticket"] for answer in sorted(answers, key=key)]


def test_300_check_ins_over_3_offices_give_exact_waiting_lists(system: System) -> None:
    offices = ["grunerlokka", "fredrikstad", "kristiansand"]
    for office in offices:
        system.clear(office)  # other tests check visitors in here too
    with ThreadPoolExecutor(3) as pool:
        results = dict(
            zip(
                offices,
                pool.map(lambda o: _check_in_all(system, o, _visitors(system, 100)), offices),
                strict=True,
            )
        )
    for office, answers in results.items():
        tickets = [a["ticket"] for a in answers]
        for prefix in "ATDS":  # numbered without gaps per line, in arrival order
            numbers = [int(t[2:]) for t in tickets if t[0] == prefix]
            assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), (office, prefix)
        waiting = system.waiting_list(office)["waiting"]
        assert [v["ticket"] for v in waiting] == _expected_order(answers), office
        assert [v["position"] for v in waiting] == list(range(1, 101))
        assert {v["visit_id"] for v in waiting} == {a["visit_id"] for a in answers}


def test_concurrent_call_next_never_calls_one_visitor_twice(system: System) -> None:
    office = "arendal"
    system.clear(office)  # other suites check visitors in here too
    rooms = [room["room_id"] for room in system.checkin.get(f"/api/offices/{office}/policy").json()["rooms"]]
    checked_in = {
        a["visit_id"]
        for a in _check_in_all(system, office, [{"kind": "drop_in", "reason": "case_status"}] * 20)
    }
    called: list[str] = []
    rounds = 0
    while True:
        rounds += 1
        with ThreadPoolExecutor(20) as pool:
            answers = list(
                pool.map(
                    lambda n: system.command(office, "call-next", {"room_id": rooms[n % len(rooms)]}),
                    range(20),
                )
            )
        done = [a.json() for a in answers if a.status_code == 200]
        refused = {a.json()["error"] for a in answers if a.status_code == 409}
        assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers]
        assert refused <= {"room_busy", "nobody_waiting"}
        if not done:
            assert refused == {"nobody_waiting"}
            break
        assert len({d["event"]["room_id"] for d in done}) == len(done)  # one visitor per room
        for d in done:
            called.append(d["event"]["visit_id"])
            finish = system.command(
                office, f"visits/{d['event']['visit_id']}/complete", {"outcome": "served"}
            )
            assert finish.status_code == 200, finish.text
    assert len(called) == len(set(called)) == 20  # nobody twice
    assert set(called) == checked_in  # everybody once
    assert rounds >= 20 // len(rooms)


def test_commands_are_idempotent_and_answer_with_their_event(system: System) -> None:
    office = "frogner"
    system.clear(office)
    visit = system.check_in(office, {"kind": "drop_in", "reason": "benefit_question"}).json()
    first = system.command(
        office, f"visits/{visit['visit_id']}/call", {"room_id": "samtalerom-2"}, key="host-3-call-00001"
    )
    again = system.command(
        office, f"visits/{visit['visit_id']}/call", {"room_id": "samtalerom-2"}, key="host-3-call-00001"
    )
    assert first.status_code == again.status_code == 200
    assert first.json()["event"] == again.json()["event"]
    assert first.json()["event"]["type"] == "VisitorCalled"
    assert first.json()["event"]["ticket"] == visit["ticket"]
    recall = system.command(office, f"visits/{visit['visit_id']}/recall")
    assert recall.json()["event"]["call_number"] == 2
    start = system.command(office, f"visits/{visit['visit_id']}/start")
    assert start.json()["event"]["type"] == "ServiceStarted"
    transfer = system.command(office, f"visits/{visit['visit_id']}/transfer", {"to_line_id": "appointment"})
    assert transfer.json()["event"]["to_line_id"] == "appointment"
    wrong = system.command(office, f"visits/{visit['visit_id']}/start")
    assert wrong.status_code == 409
    assert wrong.json()["error"] == "wrong_stage"
    cancel = system.command(office, f"visits/{visit['visit_id']}/cancel", {"cause": "visitor_left"})
    assert cancel.json()["event"]["type"] == "VisitCancelled"
    assert all(v["visit_id"] != visit["visit_id"] for v in system.waiting_list(office)["waiting"])


def test_the_live_stream_sends_a_snapshot_then_changes_and_resumes_from_last_event_id(system: System) -> None:
    office = "hamar"
    with system.live(system.queue, f"/api/offices/{office}/queue/stream") as frames:
        assert next(frames)["event"] == "snapshot"
        ticket = system.check_in(office, {"kind": "drop_in", "reason": "other"}).json()["ticket"]
        change = next(frames)
        assert change["event"] == "VisitorQueued"
        assert orjson.loads(change["data"])["event"]["ticket"] == ticket
        last_id = change["id"]
    missed = system.check_in(office, {"kind": "drop_in", "reason": "other"}).json()["ticket"]
    with system.live(system.queue, f"/api/offices/{office}/queue/stream", last_event_id=last_id) as frames:
        # the healer's first projection may have put a fresh snapshot in the history meanwhile; the
        # estimates the first check-in changed come before the missed one
        resumed = next(frame for frame in frames if frame["event"] not in ("snapshot", "WaitsEstimated"))
        assert resumed["event"] == "VisitorQueued"
        assert orjson.loads(resumed["data"])["event"]["ticket"] == missed
    with system.live(system.queue, f"/api/offices/{office}/queue/stream", last_event_id="1-0") as frames:
        assert next(frames)["event"] == "snapshot"  # too old to resume: a fresh snapshot, never stale


def test_the_live_streams_changes_rebuild_exactly_the_waiting_list(system: System) -> None:
    """After its first frame a tablet is sent changes, not snapshots; applied in order, each to the
    picture of the frame it names, they give exactly what the API shows."""
    office = "hamar"
    system.clear(office)
    with system.live(system.queue, f"/api/offices/{office}/queue/stream") as frames:
        first = next(frames)
        assert first["event"] == "snapshot"
        picture, shown_id = orjson.loads(first["data"])["snapshot"], first["id"]
        tickets = [
            system.check_in(office, {"kind": "drop_in", "reason": "other"}).json()["ticket"] for _ in range(4)
        ]
        called = system.command(office, "call-next", {"room_id": "samtalerom-1"}).json()["event"]
        started = system.command(office, f"visits/{called['visit_id']}/start").json()["event"]
        changed, done = 0, False
        for frame in frames:
            data = orjson.loads(frame["data"])
            done = done or data.get("event", {}).get("event_id") == started["event_id"]
            if "snapshot" in data:
                picture, shown_id = data["snapshot"], frame["id"]
            elif "changes" in data:
                assert data["changes"]["base"] == shown_id
                picture, shown_id, changed = apply_changes(picture, data["changes"]), frame["id"], changed + 1
            else:
                continue  # not the batch's last frame: its picture comes with that one
            if done:
                break
    assert changed >= 4  # only the worker's first frame of an office carries the whole snapshot
    assert picture == system.waiting_list(office)
    assert [visit["ticket"] for visit in picture["waiting"]] == tickets[1:]
    assert [visit["ticket"] for visit in picture["in_service"]] == [tickets[0]]


def test_changes_after_the_read_model_healer_build_on_its_fresh_snapshot(system: System) -> None:
    office = "hamar"
    system.check_in(office, {"kind": "drop_in", "reason": "other"})  # the worker holds the office
    with system.live(system.queue, f"/api/offices/{office}/queue/stream") as frames:
        assert next(frames)["event"] == "snapshot"
        for marker in system.redis.scan_iter("vf:projected:queue:*"):
            system.redis.delete(marker)  # as after a wipe: the worker projects every office again
        fresh = next(frame for frame in frames if frame["event"] == "snapshot")
        system.check_in(office, {"kind": "drop_in", "reason": "other"})
        # the batch's last frame (its estimates) carries the picture
        queued = next(data for frame in frames if "changes" in (data := orjson.loads(frame["data"])))
    assert queued["changes"]["base"] == fresh["id"]  # not sent whole again


@pytest.mark.parametrize("kill", [False, True], ids=["sigterm", "sigkill"])
def test_stopping_and_restarting_the_queue_worker_loses_nothing(system: System, kill: bool) -> None:
    office = "loten" if kill else "sarpsborg"
    before = [
        a["ticket"]
        for a in _check_in_all(system, office, [{"kind": "emergency", "reason": "emergency_assistance"}] * 3)
    ]
    worker = system.stack.children["queue-worker"]
    worker.kill() if kill else worker.stop()
    with ThreadPoolExecutor(3) as pool:  # while the worker is down: recorded, ticket follows
        pending = list(
            pool.map(
                lambda n: system.check_in(office, {"kind": "emergency", "reason": "emergency_assistance"}),
                range(3),
            )
        )
    assert [p.status_code for p in pending] == [202, 202, 202]
    system.restart("queue-worker")
    for answer in pending:
        status_url = answer.json()["status_url"]
        ticket: str = eventually(
            functools.partial(_ticket_of, system, status_url),
            60,
            "the ticket of a check-in made while the worker was down",
        )
        assert ticket.startswith("A-")
    waiting = system.waiting_list(office)["waiting"]
    tickets = [v["ticket"] for v in waiting if v["ticket"].startswith("A-")]
    assert tickets[:3] == before
    assert sorted(tickets) == [f"A-{n:03d}" for n in range(1, len(tickets) + 1)]
    assert len([t for t in tickets if t not in before]) == 3


def test_wiping_redis_and_rebuilding_from_kafka_gives_identical_waiting_lists(system: System) -> None:
    system.check_in("halden", {"kind": "drop_in", "reason": "case_status"})
    offices = [o["office_id"] for o in system.checkin.get("/api/offices").json()]
    before = {office: system.waiting_list(office) for office in offices}
    system.redis.flushall()
    gone = system.queue.get("/api/offices/halden/queue")  # the read model is gone: never shown as empty
    assert gone.status_code == 503 or gone.json() == before["halden"], gone.text
    rebuilt = subprocess.run(
        [sys.executable, "-m", "visitflow_queue", "rebuild"],
        capture_output=True,
        env={**os.environ, **system.stack.env()},
        timeout=120,
        check=True,
    )
    assert orjson.loads(rebuilt.stdout.splitlines()[-1])["offices"] == len(offices)
    after = {office: system.waiting_list(office) for office in offices}
    # the same lists, rooms and counters; the estimates are the time's, made again at the rebuild's
    assert {o: _without_estimates(view) for o, view in after.items()} == {
        o: _without_estimates(view) for o, view in before.items()
    }
    eventually(lambda: system.queue.get("/readyz").status_code == 200, 20, "the queue ready again")


def test_the_rebuild_keeps_what_it_read_out_of_later_collections(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    system.check_in("halden", {"kind": "drop_in", "reason": "case_status"})
    for key, value in system.stack.env().items():
        monkeypatch.setenv(key, value)
    thresholds = gc.get_threshold()
    # full collections as often as a long topic brings them: few long-lived objects, low thresholds
    gc.freeze()
    gc.collect()
    gc.set_threshold(100, 1, 1)
    frozen = gc.get_freeze_count()
    try:
        states, _ = replay(QueueSettings())
        assert "halden" in states
        assert gc.get_freeze_count() > frozen
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


ESTIMATED = ("expected_wait_s", "low_s", "high_s", "minutes", "minutes_to")


def _without_estimates(view: dict[str, Any]) -> dict[str, Any]:
    lines = [{k: v for k, v in line.items() if k not in ESTIMATED} for line in view["lines"]]
    return {k: v for k, v in view.items() if k not in ("waits", "staffing")} | {"lines": lines}
