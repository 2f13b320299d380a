"""What a host command may name, through the running system: only its office's lines, rooms and
counsellors, and as its actor only the pseudonym of the token's subject. An identity number, a phone
number or a name sent in an id field is refused before anything is published, and no answer, topic,
stored result or screen quotes what a command sent."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import orjson
import pytest
from visitflow_devstack.testing import System
from visitflow_events import Command, decode
from visitflow_platform.pseudonyms import pseudonym
from visitflow_platform.tables import stored_json
from visitflow_platform.topics import changelog_topic

pytestmark = pytest.mark.integration
OFFICE = "halden"
PERSONAL = ["01017012345", "4791234567", "Ola.Nordmann"]
# (command, the body it is otherwise accepted with, the id field a value goes into)
ID_FIELDS = [
    ("call-next", {"room_id": "samtalerom-1"}, "room_id"),
    ("call-next", {"room_id": "samtalerom-1"}, "line_id"),
    ("call-next", {"room_id": "samtalerom-1"}, "counsellor_id"),
    ("visits/{visit}/call", {"room_id": "samtalerom-1"}, "room_id"),
    ("visits/{visit}/transfer", {"to_line_id": "appointment"}, "to_line_id"),
    ("visits/{visit}/transfer", {"to_line_id": "appointment"}, "counsellor_id"),
]


def _queue_records(system: System) -> list[bytes]:
    """Everything the queue keeps in Kafka: the commands, its results, and its own events."""
    results = changelog_topic(system.settings.topic_prefix, "queue", "command-results")
    kept = [stored_json(value) for value in system.read_topic(results)]
    events = [value for value in system.read_topic(system.topics.visits) if b'"producer":"queue"' in value]
    return [*system.read_topic(system.topics.commands), *kept, *events]


@pytest.mark.parametrize(("path", "body", "field"), ID_FIELDS, ids=[f"{p}:{f}" for p, _, f in ID_FIELDS])
def test_personal_data_in_an_id_field_is_refused_naming_the_field_and_never_published(
    system: System, path: str, body: dict[str, Any], field: str
) -> None:
    visit = system.check_in(OFFICE, {"kind": "drop_in", "reason": "case_status"}).json()["visit_id"]
    commands_before = system.end_offsets(system.topics.commands)
    for value in PERSONAL:
        answer = system.command(OFFICE, path.format(visit=visit), {**body, field: value})
        assert answer.status_code == 422, answer.text
        assert field in answer.json()["message"]
        assert value not in answer.text
    assert system.end_offsets(system.topics.commands) == commands_before  # nothing published
    assert not [v for v in PERSONAL for record in _queue_records(system) if v.encode() in record]


def test_the_actor_is_the_pseudonym_of_the_tokens_subject_and_an_actor_header_is_ignored(
    system: System,
) -> None:
    answer = system.queue.post(
        f"/api/offices/{OFFICE}/visits/{uuid.uuid4()}/start",  # an unknown visit: rejected, changes nothing
        headers={"X-Actor-Id": "Ola.Nordmann", "Idempotency-Key": f"actor-{uuid.uuid4().hex}"},
    )
    assert answer.status_code == 409, answer.text
    command_id = uuid.UUID(answer.json()["command_id"])
    sent = [
        message
        for message in map(decode, system.read_topic(system.topics.commands))
        if isinstance(message, Command) and message.command_id == command_id
    ]
    assert [command.actor_id for command in sent] == [
        pseudonym(system.settings.pseudonym_secret, "test-admin")
    ]
    assert not [record for record in _queue_records(system) if b"Ola.Nordmann" in record]


def test_a_rejection_never_quotes_what_the_command_sent(system: System) -> None:
    unknown = uuid.uuid4()
    answer = system.command(OFFICE, f"visits/{unknown}/start", key=f"quote-{unknown}")
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"] == "unknown_visit"
    assert str(unknown) not in answer.json()["message"]
    stored = system.redis.get(f"vf:reply:{answer.json()['command_id']}")
    assert stored is not None
    results = changelog_topic(system.settings.topic_prefix, "queue", "command-results")
    key = orjson.dumps(answer.json()["command_id"])  # the table's keys are JSON
    kept = [
        orjson.loads(stored_json(value))["result"]
        for k, value in system.read_records(results)
        if k == key and value
    ]
    assert kept
    for result in [orjson.loads(stored), *kept]:  # the answer kept in Redis, and the result on Kafka
        assert result["rejected"]["detail"] == answer.json()["message"]


def test_waiting_lists_and_counsellor_alerts_show_the_counsellors_label(system: System) -> None:
    starts = (system.clock.now() + timedelta(minutes=10)).isoformat()
    appointment = {
        "reference": "TQ-LABEL",
        "starts_at": starts,
        "counsellor_id": "veileder-2",
    }
    with system.live(system.notify, f"/api/offices/{OFFICE}/counsellor-alerts/stream") as alerts:
        answer = system.check_in(
            OFFICE, {"kind": "appointment", "reason": "counsellor_appointment", "appointment": appointment}
        )
        assert answer.status_code == 201, answer.text
        alert = orjson.loads(next(f for f in alerts if f["event"] == "appointment_arrived")["data"])
    assert (alert["counsellor_id"], alert["counsellor"]) == ("veileder-2", "Veileder 2")
    waiting = {visit["visit_id"]: visit for visit in system.waiting_list(OFFICE)["waiting"]}
    shown = waiting[answer.json()["visit_id"]]
    assert (shown["counsellor_id"], shown["counsellor"]) == ("veileder-2", "Veileder 2")
    assert {"counsellor_id": "veileder-2", "name": "Veileder 2"} in system.waiting_list(OFFICE)["counsellors"]
