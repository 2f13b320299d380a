"""Idempotency keys: a retried tap carries the same key, and so gets the same ids (and time)."""

from __future__ import annotations

import os
import re
import time
import uuid

from .errors import ApiError

_NAMESPACE = uuid.UUID("0b3e4f7e-8c55-4d0b-9a53-5e4c3f2a1d10")
_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
_MS_BITS = 48  # RFC 9562, UUIDv7: the first 48 bits are the Unix time in milliseconds


def stable_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, ":".join(parts))


def idempotency_key(header: str | None) -> str:
    """The client's key, checked; a fresh one when the client sent none (then a retry is a new request)."""
    if header is None:
        return uuid.uuid4().hex
    if not _PATTERN.fullmatch(header):
        raise ApiError(
            400,
            "bad_idempotency_key",
            "The Idempotency-Key header must be 8 to 128 letters, digits or -_.: characters.",
        )
    return header


def uuid7(unix_ms: int | None = None) -> uuid.UUID:
    """A UUIDv7 (RFC 9562) made at `unix_ms` (now when not given), as a tablet makes its keys."""
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    value = ms << (128 - _MS_BITS) | int.from_bytes(os.urandom(10))
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # the RFC's variant
    return uuid.UUID(int=value)


def uuid7_time(key: str) -> float | None:
    """The Unix time (seconds) a UUIDv7 key was made at; None for a key of any other form."""
    try:
        value = uuid.UUID(key)
    except ValueError:
        return None
    if value.version != 7:  # None unless the variant is the RFC's
        return None
    return (value.int >> (128 - _MS_BITS)) / 1000
