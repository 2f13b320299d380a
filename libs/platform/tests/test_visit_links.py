"""Visit link tokens: unguessable, never anything that looks like a number, and kept only as a keyed
digest."""

from __future__ import annotations

from visitflow_platform.privacy import looks_personal
from visitflow_platform.visit_links import TOKEN, link_digest, new_token


def test_tokens_are_long_random_letters_that_never_look_like_a_phone_or_identity_number() -> None:
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(TOKEN.fullmatch(token) and not any(c.isdigit() for c in token) for token in tokens)
    assert not [token for token in tokens if looks_personal(token)]


def test_the_digest_is_keyed_and_does_not_hold_the_token() -> None:
    token = new_token()
    digest = link_digest("a-secret-of-sixteen", token)
    assert digest == link_digest("a-secret-of-sixteen", token)
    assert digest != link_digest("another-secret-sixteen", token)
    assert token not in digest
    assert token.lower() not in digest
