"""Pseudonyms of token subjects: what events, Redis keys and logs carry instead of who acted.

A subject (a staff member's user name at the identity provider) is keyed with the installation's
`VISITFLOW_PSEUDONYM_SECRET` (HMAC-SHA256), so the same person gets the same opaque id everywhere in one
installation, and nobody without the secret can tell who it is or test a guess.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

PATTERN = r"^p-[a-z2-7]{16}$"


def pseudonym(secret: str, subject: str) -> str:
    digest = hmac.new(secret.encode(), subject.encode(), hashlib.sha256).digest()
    return "p-" + base64.b32encode(digest[:10]).decode().lower()
