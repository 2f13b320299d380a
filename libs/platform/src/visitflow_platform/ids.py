"""Idempotency keys: a retried tap carries the same key, and so gets the same ids."""

from __future__ import annotations

import re
import uuid

from .errors import ApiError

_NAMESPACE = uuid.UUID("0b3e4f7e-8c55-4d0b-9a53-5e4c3f2a1d10")
_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")


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
