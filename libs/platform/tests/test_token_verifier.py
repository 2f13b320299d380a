"""Bearer tokens: a valid token is remembered until it expires, never beyond; a bad one never."""

from __future__ import annotations

import time

import jwt
import pytest
from visitflow_platform.auth import Role, TokenVerifier, issue_token
from visitflow_platform.errors import ApiError
from visitflow_platform.settings import ServiceSettings

SETTINGS = ServiceSettings()


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def counting_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = jwt.decode

    def decode(token: str, *args: object, **kwargs: object) -> object:
        calls.append(token)
        return real(token, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwt, "decode", decode)
    return calls


def test_a_valid_token_is_checked_once_and_then_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    decodes = counting_decodes(monkeypatch)
    verifier = TokenVerifier(SETTINGS, now=Clock())
    token = issue_token(SETTINGS, Role.HOST, "host-1", offices=("halden",))

    first, second = verifier.verify(token), verifier.verify(token)

    assert first == second
    assert (first.subject, first.role, first.offices) == ("host-1", Role.HOST, frozenset({"halden"}))
    assert decodes == [token]


def test_a_token_is_remembered_only_until_its_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    decodes = counting_decodes(monkeypatch)
    clock = Clock()
    verifier = TokenVerifier(SETTINGS, now=clock)
    token = issue_token(SETTINGS, Role.HOST, "host-1", offices=("halden",), hours=1)
    verifier.verify(token)

    clock.now += 3600 + 1
    verifier.verify(token)  # past its expiry by the verifier's clock: checked again

    assert decodes == [token, token]


def test_an_expired_token_is_refused() -> None:
    verifier = TokenVerifier(SETTINGS)
    expired = issue_token(SETTINGS, Role.HOST, "host-1", offices=("halden",), hours=-1)

    with pytest.raises(ApiError) as refused:
        verifier.verify(expired)

    assert refused.value.status == 401


def test_a_bad_token_is_never_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    decodes = counting_decodes(monkeypatch)
    verifier = TokenVerifier(SETTINGS, now=Clock())
    claims = {"sub": "x", "role": "admin", "exp": time.time() + 60}
    forged = jwt.encode(claims, "another-secret-that-is-32-bytes-long")

    for _ in range(2):
        with pytest.raises(ApiError) as refused:
            verifier.verify(forged)
        assert refused.value.status == 401
    assert len(decodes) == 2


def test_beyond_its_bound_the_least_recently_used_token_is_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    decodes = counting_decodes(monkeypatch)
    verifier = TokenVerifier(SETTINGS, now=Clock(), remembered=3)
    first, second, third, fourth = (issue_token(SETTINGS, Role.HOST, f"host-{n}") for n in range(4))
    for token in (first, second, third, first, fourth):  # the fourth pushes out the second
        verifier.verify(token)
    decodes.clear()

    for token in (first, third, fourth):
        verifier.verify(token)
    assert decodes == []

    verifier.verify(second)
    assert decodes == [second]
