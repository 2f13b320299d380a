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
from cachetools import TLRUCache, TTLCache
from fastapi import Depends, Request
from jwt.exceptions import InvalidSubjectError
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from .access import Action as Action
from .access import Role as Role
from .access import roles_for
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
        except jwt.ExpiredSignatureError as exc:
            raise _unauthenticated("The access token has expired.") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise _unauthenticated(f"The access token has no `{exc.claim}` claim.") from exc
        except InvalidSubjectError as exc:
            raise _malformed("sub", "a non-empty string") from exc
        except (jwt.PyJWTError, ValueError) as exc:  # PyJWT's own words may quote the token: not passed on
            raise _unauthenticated(
                "The access token is not valid (its signature, issuer, audience or form)."
            ) from exc
        return _principal(claims), float(claims["exp"])


_ROLES = tuple(role.value for role in Role)


def _principal(claims: dict[str, Any]) -> Principal:
    """The caller a validly signed token describes; a claim of the wrong shape is a 401 that names it."""
    subject, role, offices, region = (claims.get(name) for name in ("sub", "role", "offices", "region"))
    if not isinstance(subject, str) or not subject:
        raise _malformed("sub", "a non-empty string")
    if not isinstance(role, str) or role not in _ROLES:
        raise _malformed("role", "one of " + ", ".join(_ROLES))
    offices = [] if offices is None else offices
    if not isinstance(offices, list) or not all(isinstance(office, str) for office in offices):
        raise _malformed("offices", "a list of office ids")
    if region is not None and not isinstance(region, str):
        raise _malformed("region", "a region id")
    return Principal(subject, Role(role), frozenset(offices), region)


def _malformed(claim: str, shape: str) -> ApiError:
    return _unauthenticated(f"The access token's `{claim}` claim must be {shape}.")


def _unauthenticated(message: str) -> ApiError:
    return ApiError(401, "unauthenticated", message)


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


def bearer_token(scope: Scope) -> str | None:
    """The request's access token: the Authorization header's, or, for a live stream only (a browser's
    EventSource cannot send headers), the `access_token` parameter."""
    scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if scope["method"] == "GET" and scope["path"].endswith("/stream"):
        return QueryParams(scope["query_string"]).get("access_token") or None
    return None


def _no_token() -> ApiError:
    return _unauthenticated("This needs an access token (Authorization: Bearer ...).")


class FailedAuthentications:
    """Failed authentications per client address, in memory and bounded. After `allowed` failures, each
    within `window_s` of the one before, further failures are answered 429 with Retry-After instead of
    401 until the address has been quiet for `window_s`. A valid token is never refused: an office's
    devices share one address behind NAT, and one misconfigured screen must not lock out the rest."""

    def __init__(
        self,
        allowed: int = 10,
        window_s: int = 60,
        addresses: int = 10_000,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.allowed, self.window_s = allowed, window_s
        self._failures: TTLCache[str, int] = TTLCache(maxsize=addresses, ttl=window_s, timer=timer)

    def refusal(self, address: str, failure: ApiError) -> ApiError:
        """Counts one more failure from `address`; the answer to give it."""
        self._failures[address] = count = self._failures.get(address, 0) + 1
        if count <= self.allowed:
            return failure
        return ApiError(
            429,
            "too_many_failed_authentications",
            "Too many requests from this address had an access token that is not valid; "
            "wait a minute, then try again with a valid token.",
            headers={"Retry-After": str(self.window_s)},
        )


class Authenticate:
    """Settles who is asking before anything reads the request: a request that writes or carries a body
    without a valid token is refused at once (401, or 429 after repeated failures). For a read, the
    verdict waits in the request's state: `principal` (and so each route's `require`) gives it, and a
    public route serves the read whatever token came with it."""

    def __init__(
        self,
        app: ASGIApp,
        verifier: TokenVerifier,
        failures: FailedAuthentications | None = None,
        link_paths: str | None = None,
    ) -> None:
        self.app, self.verifier = app, verifier
        self.failures = failures or FailedAuthentications()
        # under this prefix a request's credential is a visit link in its path, which its route checks
        # first (`BY_VISIT_LINK`; those routes read no body)
        self.link_paths = link_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        caller = self._caller(scope)
        by_link = self.link_paths is not None and str(scope["path"]).startswith(self.link_paths)
        if not isinstance(caller, Principal) and not by_link and _writes_or_carries_a_body(scope):
            await (caller or _no_token()).response()(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)

    def _caller(self, scope: Scope) -> Principal | ApiError | None:
        """The token's principal, the refusal its failure earns, or None without a token."""
        token = bearer_token(scope)
        if token is None:
            return None
        try:
            return self.verifier.verify(token)
        except ApiError as failure:
            client = scope.get("client")
            return self.failures.refusal(client[0] if client else "unknown", failure)


def _writes_or_carries_a_body(scope: Scope) -> bool:
    headers = Headers(scope=scope)
    return (
        scope["method"] not in ("GET", "HEAD", "OPTIONS")
        or "transfer-encoding" in headers
        or headers.get("content-length", "0").strip() not in ("", "0")
    )


async def principal(request: Request) -> Principal:
    """The caller, as `Authenticate` found them; its refusal when the token was missing or not valid."""
    caller: Principal | ApiError | None = getattr(request.state, "caller", None)
    if isinstance(caller, Principal):
        return caller
    raise caller or _no_token()


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


def by_visit_link(check: Any) -> Any:
    """Declares an endpoint of a visitor's own page: no bearer token, the visit link in its path is the
    credential, and `check` (a dependency) resolves it to the one visit it may reach, or refuses."""
    check.action = VISIT_LINK
    return Depends(check)


VISIT_LINK = "visit link"  # what `declared_action` says of an endpoint a visit link opens


def declared_action(route: Any) -> Action | str | None:
    """What a route declares: its action, None for public, `VISIT_LINK`, or "undeclared"."""
    for dependency in route.dependant.dependencies:
        if hasattr(dependency.call, "action"):
            action: Action | None = dependency.call.action
            return action
    return "undeclared"


def declared_roles(route: Any) -> frozenset[Role] | str | None:
    """The roles a route admits (admins included), None for public, or "undeclared"."""
    action = declared_action(route)
    if action is None or action in ("undeclared", VISIT_LINK):
        return action if action != VISIT_LINK else None  # no role's token opens it: the link does
    return roles_for(Action(action))


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
