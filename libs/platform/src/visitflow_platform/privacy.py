"""What looks like personal data in a request: a Norwegian national identity number or a phone number.

The APIs refuse a request that holds either at the edge (`web.RefusePersonalData`), before anything
is done with it; only the body fields a service names may hold a phone number. The rules are simple
and err on the side of refusing:

- an identity number is 11 digits (or 6 + 5 with a space, dot or dash between) standing on their own
  or inside a longer value, with a plausible date (D- and H-numbers and synthetic test numbers
  included) and valid mod-11 check digits (also those issued from 2032, whose first check digit may
  leave a remainder of 0 to 3);
- a phone number is a whole value that, without spaces, dashes, dots and parentheses, is an optional
  `+` or `00` and 8 to 15 digits, unless it is a date or a live stream's event id.

UUIDs are set aside first: their digits are random, and visit ids are in many addresses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from urllib.parse import parse_qsl

_EIGHT_DIGITS = re.compile(r"\d(?:\D*\d){7}")
_UUID = re.compile(
    r"(?<![0-9a-f])[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}(?![0-9a-f])",
    re.IGNORECASE,
)
_NATIONAL_ID = re.compile(r"(?<!\d)(\d{6})[ .-]?(\d{5})(?!\d)")
_FIRST_CHECK = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
_SECOND_CHECK = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)

_PHONE_PUNCTUATION = re.compile(r"[\s().-]")
_PHONE = re.compile(r"(?:\+|00)?\d{8,15}")
_NOT_PHONE = re.compile(
    r"\d{4}([-./])\d{2}\1\d{2}"  # 2026-11-23
    r"|\d{2}([-./])\d{2}\2\d{4}"  # 23.11.2026
    r"|\d{13}-\d{1,10}"  # a live stream's event id: milliseconds and a sequence number
)

# Headers that carry credentials (never inspected, never logged) or that clients and proxies set
# themselves; a request's own data travels in the others.
_UNREAD_HEADERS = frozenset(
    {
        "authorization",
        "cookie",
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "user-agent",
        "origin",
        "forwarded",
        "x-real-ip",
        "if-none-match",
        "if-modified-since",
    }
)
_UNREAD_HEADER_PREFIXES = ("accept", "sec-", "x-forwarded-")
_CREDENTIAL_PARAMETERS = frozenset({"access_token"})


def contains_national_id(text: str) -> bool:
    """Whether a Norwegian national identity number (or D-, H- or synthetic number) is in `text`."""
    for match in _NATIONAL_ID.finditer(_UUID.sub(" ", text)):
        digits = [int(d) for d in match.group(1) + match.group(2)]
        if _has_a_date(digits) and _check_digits_hold(digits):
            return True
    return False


def _has_a_date(digits: list[int]) -> bool:
    day = digits[0] * 10 + digits[1]
    month = digits[2] * 10 + digits[3]
    return (1 <= day <= 31 or 41 <= day <= 71) and any(1 <= month - shift <= 12 for shift in (0, 40, 80))


def _check_digits_hold(digits: list[int]) -> bool:
    first = sum(w * d for w, d in zip(_FIRST_CHECK, digits, strict=False)) % 11
    second = sum(w * d for w, d in zip(_SECOND_CHECK, digits, strict=True)) % 11
    return first <= 3 and second == 0


def is_phone_number(text: str) -> bool:
    """Whether the whole of `text` is a phone number (not whether one is somewhere in it)."""
    text = text.strip()
    return bool(_PHONE.fullmatch(_PHONE_PUNCTUATION.sub("", text))) and not _NOT_PHONE.fullmatch(text)


def looks_personal(text: str) -> bool:
    # most values have fewer than 8 digits, and so can be neither: the cheap test first
    return bool(_EIGHT_DIGITS.search(text)) and (contains_national_id(text) or is_phone_number(text))


def personal_data_in_request(
    path: str, query_string: bytes, headers: Iterable[tuple[bytes, bytes]]
) -> str | None:
    """Where a path segment, query parameter or header (credentials and transport headers aside)
    looks personal, in words for an answer that never quotes it; None when nothing does."""
    if any(looks_personal(segment) for segment in path.split("/")):
        return "The address"
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if looks_personal(name):
            return "A query parameter's name"
        if name not in _CREDENTIAL_PARAMETERS and looks_personal(value):
            return _named("query parameter", name)
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        if name in _UNREAD_HEADERS or name.startswith(_UNREAD_HEADER_PREFIXES):
            continue
        if looks_personal(name):
            return "A header's name"
        if looks_personal(raw_value.decode("latin-1")):
            return _named("header", name)
    return None


def personal_data_in_body(body: bytes, phone_fields: Collection[str] = ()) -> str | None:
    """Where a key or string value anywhere in a JSON body looks personal (as `personal_data_in_request`
    says it), or None. The fields named in `phone_fields` (dotted paths such as "sms.phone") may hold a
    phone number, never an identity number. A body that is not JSON is left to the API to refuse."""
    try:
        document = json.loads(body)  # the parser FastAPI uses, so both read the same values
    except (ValueError, RecursionError):
        return None
    pending: list[tuple[str, object]] = [("", document)]
    while pending:  # a loop, not recursion: a 16 KiB body can nest deeper than Python recurses
        path, value = pending.pop()
        if isinstance(value, str):
            if contains_national_id(value) if path in phone_fields else looks_personal(value):
                return _named("field", path) if path else "The body"
        elif isinstance(value, dict):
            for key, item in value.items():
                if looks_personal(key):
                    return "A field's name"
                pending.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            pending.extend((path, item) for item in value)
    return None


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
_DIGITS = re.compile(r"\d{3}")


def _named(kind: str, name: str) -> str:
    """A place by its name when the name is a plain identifier (an API's own word: no run of digits,
    which a client could fill with part of a number), else by its kind."""
    return f"The {kind} `{name}`" if _NAME.fullmatch(name) and not _DIGITS.search(name) else f"A {kind}"
