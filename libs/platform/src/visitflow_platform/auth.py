"""Who may do what: bearer tokens (JWT) and the roles every endpoint declares.

Tokens are validated against a configurable issuer and audience, with keys from the organisation's
identity provider (`VISITFLOW_AUTH_JWKS_URL`, RS256/ES256) or, for development and tests, a shared
secret (HS256) that production refuses. Claims: `sub`, `role`, and the scope: `offices` for hosts,
counsellors and displays, `region` for regional users; admins see everything.

    python -m visitflow_platform.auth --role host --office halden --hours 12    # a development token
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from cachetools import TLRUCache
from fastapi import Depends, Request

from .access import Action, Role, roles_for
from .errors import ApiError
from .settings import DEV_SECRET, ServiceSettings


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    offices: frozenset[str] = frozenset()
    region: str | None = None


class TokenVerifier:
    """Checks tokens, and remembers each valid one until it expires: a tablet sends the same token with
    every request for hours, and checking its signature each time was a tenth of the check-in API's
    CPU. A token is trusted until its own expiry, as it would be after one check; beyond `remembered`
    tokens, the least recently used is forgotten (and checked again if it comes back)."""

    def __init__(
        self,
        settings: ServiceSettings,
        now: Callable[[], float] = time.time,
        remembered: int = 10_000,
    ) -> None:
        self._settings = settings
        self._jwks = (
            jwt.PyJWKClient(settings.auth_jwks_url, cache_keys=True) if settings.auth_jwks_url else None
        )
        self._verified: TLRUCache[str, tuple[Principal, float]] = TLRUCache(
            maxsize=remembered, ttu=lambda _token, known, _now: known[1], timer=now
        )

    def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            return known[0]
        self._verified[token] = known = self._check(token)
        return known[0]

    def _check(self, token: str) -> tuple[Principal, float]:
        settings = self._settings
        try:
            if self._jwks is not None:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256", "ES256"]
            else:
                key, algorithms = settings.auth_secret, ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=settings.auth_audience,
                issuer=settings.auth_issuer,
                options={"require": ["exp", "sub", "role"]},
            )
            principal = Principal(
                subject=str(claims["sub"]),
                role=Role(claims["role"]),
                offices=frozenset(claims.get("offices", ())),
                region=claims.get("region"),
            )
            return principal, float(claims["exp"])
        except (jwt.PyJWTError, ValueError, KeyError) as exc:
            raise ApiError(
                401,
                "unauthenticated",
                "The access token is missing, expired or not valid.",
            ) from exc


def issue_token(
    settings: ServiceSettings,
    role: Role,
    subject: str,
    offices: tuple[str, ...] = (),
    region: str | None = None,
    hours: float = 12,
) -> str:
    """A development token signed with the shared secret (for `make token`, the demo and tests)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "role": role.value,
        "iss": settings.auth_issuer,
        "aud": settings.auth_audience,
        "iat": now,
        "exp": now + int(hours * 3600),
    }
    if offices:
        claims["offices"] = list(offices)
    if region:
        claims["region"] = region
    return jwt.encode(claims, settings.auth_secret, algorithm="HS256")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    # a browser's EventSource cannot send headers: live streams also take the token as a parameter
    return request.query_params.get("access_token")


async def principal(request: Request) -> Principal:
    token = _bearer(request)
    if not token:
        raise ApiError(401, "unauthenticated", "This needs an access token (Authorization: Bearer ...).")
    verifier: TokenVerifier = request.app.state.verifier
    return verifier.verify(token)


def allows(
    who: Principal, roles: frozenset[Role], office_id: str | None, region_of: Callable[[str], str | None]
) -> bool:
    if who.role is Role.ADMIN:
        return True
    if who.role not in roles:
        return False
    if office_id is None:
        return True
    if who.role is Role.REGIONAL:
        return who.region is not None and region_of(office_id) == who.region
    return office_id in who.offices


def require(action: Action) -> Any:
    """A dependency: the caller may perform `action` (the role-by-action table in `access`), scoped to
    the path's office or region. The authorisation-matrix test reads each route's action."""
    roles = roles_for(action)

    async def check(request: Request, who: Annotated[Principal, Depends(principal)]) -> Principal:
        office_id = request.path_params.get("office_id")
        region_id = request.path_params.get("region_id")
        offices = request.app.state.offices

        def region_of(office: str) -> str | None:
            found = offices.office(office)
            return found.region_id if found else None

        permitted = allows(who, roles, office_id, region_of)
        if permitted and region_id is not None and who.role is Role.REGIONAL:
            permitted = who.region == region_id
        if not permitted:
            raise ApiError(403, "forbidden", "This access token does not allow that here.")
        return who

    check.action = action  # type: ignore[attr-defined]
    return Depends(check)


async def _open_to_all() -> None:
    """Declares an endpoint public on purpose (health, metrics scrapes, the pages' HTML and assets)."""


_open_to_all.action = None  # type: ignore[attr-defined]
PUBLIC: Any = Depends(_open_to_all)


def declared_action(route: Any) -> Action | str | None:
    """What a route declares: its action, None for public, or "undeclared"."""
    for dependency in route.dependant.dependencies:
        if hasattr(dependency.call, "action"):
            action: Action | None = dependency.call.action
            return action
    return "undeclared"


def declared_roles(route: Any) -> frozenset[Role] | str | None:
    """The roles a route admits (admins included), None for public, or "undeclared"."""
    action = declared_action(route)
    return action if action is None or action == "undeclared" else roles_for(Action(action))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m visitflow_platform.auth", description="Issue a development access token."
    )
    parser.add_argument("--role", required=True, choices=[role.value for role in Role])
    parser.add_argument("--office", action="append", default=[], help="repeat for several offices")
    parser.add_argument("--region")
    parser.add_argument("--subject", default="dev-user")
    parser.add_argument("--hours", type=float, default=12)
    args = parser.parse_args(argv)
    settings = ServiceSettings()
    if settings.auth_secret == DEV_SECRET and settings.environment == "production":
        print("refusing to sign with the development secret in production", file=sys.stderr)
        return 2
    print(issue_token(settings, Role(args.role), args.subject, tuple(args.office), args.region, args.hours))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
