"""The identifiers messages carry, and the rule that keeps personal data out of them.

Every id in a message is from the office configuration (the office, its lines, rooms, counsellors and
devices), the pseudonym of whoever acted, or a UUID the system issues. A message is built only with ids
that cannot hold a national identity number or a phone number: a configured id never has five digits in
a row, an actor is a pseudonym. Each producer checks ids against the office's configuration before it
builds a message; with this rule, one that forgot fails rather than publishes.

Messages read back from a topic (`codec.decode`) are taken as they were written: records from before the
rule still decode, rather than going to the dead-letter topic.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo

RECORDED = {"recorded": True}  # the validation context of a message read back from a topic
_CONFIGURED = re.compile(r"[A-Za-z0-9._-]{1,64}")
_LONG_NUMBER = re.compile(r"\d{5}")
_PSEUDONYM = re.compile(r"p-[a-z2-7]{16}")  # visitflow_platform.pseudonyms


def holds_a_number(value: str) -> bool:
    """Five digits in a row: room enough for part of an identity or phone number; no id may have it."""
    return _LONG_NUMBER.search(value) is not None


def _recorded(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("recorded"))


def _configured(value: str, info: ValidationInfo) -> str:
    if not _recorded(info) and (not _CONFIGURED.fullmatch(value) or holds_a_number(value)):
        raise ValueError("not an id an office's configuration can hold")
    return value


def _pseudonym(value: str, info: ValidationInfo) -> str:
    if not _recorded(info) and not _PSEUDONYM.fullmatch(value):
        raise ValueError("not a pseudonym")
    return value


# A booking's reference: 2 to 4 capital letters, a dash, 4 to 6 capital letters or digits, too short a
# run of digits to hold an identity or a phone number.
REFERENCE_PATTERN = r"^(?!.*[0-9]{5})[A-Z]{2,4}-[A-Z0-9]{4,6}$"
_REFERENCE = re.compile(REFERENCE_PATTERN)


def _reference(value: str, info: ValidationInfo) -> str:
    if not _recorded(info) and not _REFERENCE.fullmatch(value):
        raise ValueError("not a booking reference")
    return value


ConfiguredId = Annotated[str, AfterValidator(_configured)]
"""An id from the office configuration: an office, or one of its lines, rooms, counsellors or devices."""
Pseudonym = Annotated[str, AfterValidator(_pseudonym)]
"""Who acted, as `visitflow_platform.pseudonyms.pseudonym` derives it from a token's subject."""
Reference = Annotated[str, AfterValidator(_reference)]
"""An appointment's booking reference, in the one format `REFERENCE_PATTERN` allows."""
