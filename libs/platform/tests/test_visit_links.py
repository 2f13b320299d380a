"""Visit link tokens: unguessable, never anything that looks like a number, and kept only as a keyed
digest."""

from __future__ import annotations

import os
import secrets
from collections import Counter

import pytest
from visitflow_platform import visit_links
from visitflow_platform.privacy import looks_personal
from visitflow_platform.visit_links import ALPHABET, LENGTH, TOKEN, link_digest, new_token


def test_tokens_are_long_random_letters_that_never_look_like_a_phone_or_identity_number() -> None:
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(TOKEN.fullmatch(token) and not any(c.isdigit() for c in token) for token in tokens)
    assert not [token for token in tokens if looks_personal(token)]


def test_every_letter_comes_from_as_many_random_byte_values_and_the_rest_are_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An unbiased mapping: a letter per five byte values (5 x 49 = 245), the 11 above dropped, and more
    randomness drawn when too many were."""
    chunks = [bytes(range(245, 256)) * 3 + bytes(range(7)), bytes(range(256))]
    drawn: list[int] = []

    def token_bytes(n: int) -> bytes:
        drawn.append(n)
        return chunks.pop(0)[:n]

    monkeypatch.setattr(secrets, "token_bytes", token_bytes)
    assert visit_links._RandomLetters().take(LENGTH) == ALPHABET[:7] + ALPHABET[: LENGTH - 7]
    assert len(drawn) == 2

    kept = bytes(range(256)).translate(visit_links._LETTER_OF, visit_links._UNEVEN).decode()
    assert len(kept) == 245
    assert Counter(kept) == dict.fromkeys(ALPHABET, 5)


def test_a_hundred_tokens_take_one_draw_of_the_systems_randomness(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []
    real = secrets.token_bytes

    def token_bytes(n: int) -> bytes:
        drawn.append(n)
        return real(n)

    monkeypatch.setattr(secrets, "token_bytes", token_bytes)
    letters = visit_links._RandomLetters()
    tokens = {letters.take(LENGTH) for _ in range(100)}
    assert len(tokens) == 100
    assert len(drawn) == 1


def test_a_forked_child_never_hands_out_its_parents_letters() -> None:
    new_token()  # the pool holds letters for the next tokens
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child's)
        os.write(writing, new_token().encode())
        os._exit(0)
    os.close(writing)
    os.waitpid(child, 0)
    childs = os.read(reading, 64).decode()
    os.close(reading)
    assert TOKEN.fullmatch(childs)
    assert childs != new_token()


def test_the_letters_of_many_tokens_are_evenly_spread() -> None:
    counts = Counter("".join(new_token() for _ in range(3000)))
    expected = 3000 * LENGTH / len(ALPHABET)
    chi_square = sum((counts[letter] - expected) ** 2 / expected for letter in ALPHABET)
    assert set(counts) == set(ALPHABET)
    assert chi_square < 110  # 48 degrees of freedom: exceeded by chance about once in a million


def test_the_digest_is_keyed_and_does_not_hold_the_token() -> None:
    token = new_token()
    digest = link_digest("a-secret-of-sixteen", token)
    assert digest == link_digest("a-secret-of-sixteen", token)
    assert digest != link_digest("another-secret-sixteen", token)
    assert token not in digest
    assert token.lower() not in digest
