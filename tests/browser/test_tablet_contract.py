"""What the host's tablet relies on from the services, read from their source: words, in each language
the page speaks, for every refusal code an API can answer; and a listener for every event the queue's live
stream can carry (a browser's EventSource drops a named event nobody listens for, and the page would miss
the picture that came with it)."""

from __future__ import annotations

import json
import re

from visitflow_devstack.paths import root
from visitflow_events.codec import EVENT_TYPES
from visitflow_events.vocabulary import RedirectCause

SOURCES = [root() / "services", root() / "libs" / "platform" / "src"]
STATIC = root() / "libs" / "platform" / "src" / "visitflow_platform" / "static"
WORDS = {
    language: json.loads((STATIC / "i18n" / f"{language}.json").read_text()) for language in ("nb", "en")
}

# A refusal's code: the first string of a raised ApiError (after its status), of a queue rejection, a
# check-in refusal or an error body, or an error written out.
RAISED = re.compile(r"\b(?:ApiError|Rejected|Refuse|error_body)\(\s*(?:\d+\s*,\s*)?f?\"([a-z_{}]+)\"")
WRITTEN = re.compile(r"\"error\":\s*\"([a-z_]+)\"")
NAMED = re.compile(r"\{\s*404:\s*\"(\w+)\",\s*405:\s*\"(\w+)\"\s*\}\.get\([^)]*\"(\w+)\"\)")  # HTTP errors
CONFIGURED = ("room", "line", "counsellor")  # `unknown_{what}`: a command names what its office lacks
# Events no live stream carries: the check-in service's own (the queue streams what it makes of them: a
# booking changes the office's picture, sent whole), a rejection (answered to the host who sent the
# command) and the notify service's bookkeeping.
NOT_STREAMED = {
    "VisitorCheckedIn",
    "VisitRedirected",
    "AppointmentBooked",
    "AppointmentRescheduled",
    "AppointmentCancelled",
    "CommandRejected",
    "NotificationRequested",
    "NotificationFailed",
}


def _codes() -> set[str]:
    codes: set[str] = set()
    for source in (path for folder in SOURCES for path in folder.rglob("*.py") if "tests" not in path.parts):
        text = source.read_text()
        for code in RAISED.findall(text) + WRITTEN.findall(text):
            codes |= {code.replace("{what}", what) for what in CONFIGURED} if "{what}" in code else {code}
        for found in NAMED.findall(text):
            codes |= set(found)
    # a check-in steered elsewhere by the policy is refused with the cause as its code
    return codes | {cause.value for cause in RedirectCause if cause is not RedirectCause.HOST_CHOICE}


def test_every_refusal_code_has_words_in_both_languages() -> None:
    codes = _codes()
    assert {"room_busy", "forbidden", "unavailable", "too_early", "unknown_room", "not_found"} <= codes
    for language, words in WORDS.items():
        assert sorted(code for code in codes if f"error.{code}" not in words) == [], language
        assert "error.unknown" in words  # for a code the page does not know yet


def test_every_event_the_queue_streams_has_a_listener() -> None:
    script = (STATIC / "common.js").read_text()
    listed = set(re.findall(r"\"(\w+)\"", script.split("const FRAME_TYPES = [", 1)[1].split("];", 1)[0]))
    streamed = {event.model_fields["type"].default for event in EVENT_TYPES} - NOT_STREAMED
    assert sorted(streamed - listed) == []
